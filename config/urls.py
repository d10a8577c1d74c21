from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.api import api
from core import views as core_views

admin.site.site_header = _("AutoPaspoort support")
admin.site.site_title = _("AutoPaspoort support")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("accounts/", include("accounts.urls")),
    path("garage/", include("garage.urls")),
    path("garage/<id:garage_id>/passports/", include("autopaspoort.urls")),
    path("garage/<id:garage_id>/passports/<str:plate>/transfer/", include("transfers.urls")),
    # Before the portal: its /mijn/<plate>/ would otherwise catch /mijn/<word>/ pages.
    path("", include("notifications.urls")),
    path("", include("reminders.urls")),
    path("", include("appointments.urls")),
    path("", include("promotions.urls")),
    path("", include("insights.urls")),
    path("mijn/", include("autopaspoort.portal_urls")),
    path("", include("fleet.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
