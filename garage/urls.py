from django.urls import path

from autopaspoort.views import dashboard
from garage import views

app_name = "garage"

urlpatterns = [
    path("", views.garage_home, name="home"),
    # The garage's home is its list of cars: a passport page, so autopaspoort draws it.
    path("<id:garage_id>/", dashboard, name="dashboard"),
    path("<id:garage_id>/settings/", views.account_settings, name="settings"),
    path("<id:garage_id>/staff/", views.staff, name="staff"),
    path("<id:garage_id>/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "<id:garage_id>/api-tokens/<id:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path(
        "<id:garage_id>/staff/<id:membership_id>/remove/",
        views.staff_remove,
        name="staff_remove",
    ),
]
