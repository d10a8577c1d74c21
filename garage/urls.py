from django.urls import path

from garage import views

app_name = "garage"

urlpatterns = [
    path("", views.garage_home, name="home"),
    path("<int:garage_id>/", views.dashboard, name="dashboard"),
    path("<int:garage_id>/settings/", views.account_settings, name="settings"),
    path("<int:garage_id>/staff/", views.staff, name="staff"),
    path("<int:garage_id>/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "<int:garage_id>/api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path(
        "<int:garage_id>/staff/<int:membership_id>/remove/",
        views.staff_remove,
        name="staff_remove",
    ),
]
