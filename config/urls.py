from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from api.site import api
from core import views as core_views
from portal import views as portal_views

admin.site.site_header = _("AutoPaspoort support")
admin.site.site_title = _("AutoPaspoort support")

urlpatterns = [
    path("", portal_views.start, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("account-verwijderd/", portal_views.account_deleted, name="account_deleted"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("api/v1/", api.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("sharing.urls")),  # p/<token>/: a share link, no login
    path("garage/", include("garage.urls")),
    path("garage/<id:garage_id>/passports/", include("autopaspoort.urls")),
    path("garage/<id:garage_id>/passports/<str:plate>/transfer/", include("transfers.urls")),
    path("", include("notifications.urls")),  # afmelden/<token>/: unsubscribe without a login
    path("mijn/", include("portal.urls")),
    path("", include("appointments.urls")),
    path("", include("promotions.urls")),
    path("", include("reminders.urls")),
    path("", include("insights.urls")),
    path("", include("billing.urls")),
    path("", include("fleet.urls")),
    path("", include("legal.urls")),  # privacy/, voorwaarden/
    path("", include("photos.urls")),  # foto/<key>/...: only to who may see the photo
    path("", include("quotes.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler500 = "core.views.server_error"
