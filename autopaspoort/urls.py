from django.urls import path

from autopaspoort import views

app_name = "autopaspoort"

urlpatterns = [
    path("new/", views.passport_create, name="create"),
    path("lookup/", views.vehicle_lookup, name="vehicle_lookup"),
    # Before the plate's own pages: a fixed first word.
    path("handed-over/<str:plate>/", views.handed_over, name="handed_over"),
    path("move-request/<str:plate>/", views.move_request, name="move_request"),
    path("<str:plate>/", views.profile, name="profile"),
    path("<str:plate>/close/", views.close_profile, name="close"),
    path("<str:plate>/details/", views.owner_details, name="details"),
    path("<str:plate>/details/edit/", views.owner_edit, name="owner_edit"),
    path("<str:plate>/checks/new/", views.check_create, name="check_create"),
    path("<str:plate>/checks/<id:check_id>/", views.check_detail, name="check_detail"),
    path("<str:plate>/history/new/", views.history_create, name="history_create"),
    path("<str:plate>/vehicle/", views.vehicle_edit, name="vehicle_edit"),
    path("<str:plate>/vehicle/rdw/", views.vehicle_choose, name="vehicle_choose"),
    path(
        "<str:plate>/items/<id:item_id>/delivery/",
        views.item_delivery,
        name="item_delivery",
    ),
]
