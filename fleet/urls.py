from django.urls import path

from fleet import views

app_name = "fleet"

urlpatterns = [
    path("wagenpark/<id:fleet_id>/", views.dashboard, name="dashboard"),
    path("wagenpark/<id:fleet_id>/export.csv", views.export_csv, name="export"),
    path("wagenpark/<id:fleet_id>/<str:plate>/", views.car, name="car"),
    path("wagenpark/<id:fleet_id>/<str:plate>/bestuurder/", views.driver_edit, name="driver"),
    path("wagenpark/<id:fleet_id>/<str:plate>/overschrijven/", views.transfer, name="transfer"),
    path("garage/<id:garage_id>/fleets/", views.garage_fleets, name="garage_fleets"),
    path("garage/<id:garage_id>/passports/<str:plate>/fleet/link/", views.garage_link, name="link"),
    path(
        "garage/<id:garage_id>/passports/<str:plate>/fleet/unlink/",
        views.garage_unlink,
        name="unlink",
    ),
]
