from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("garage/<id:garage_id>/afspraken/", views.garage_list, name="garage_list"),
    path(
        "garage/<id:garage_id>/afspraken/<id:appointment_id>/",
        views.garage_detail,
        name="garage_detail",
    ),
    path(
        "garage/<id:garage_id>/afspraken/<id:appointment_id>/accepteren/",
        views.garage_accept,
        name="garage_accept",
    ),
    path("garage/<id:garage_id>/waarschuwingslampjes/", views.garage_lights, name="garage_lights"),
    path(
        "garage/<id:garage_id>/waarschuwingslampjes/<slug:code>/",
        views.garage_light_edit,
        name="garage_light_edit",
    ),
]
