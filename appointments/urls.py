from django.urls import path

from appointments import views

app_name = "appointments"

# Included at the root before the portal's `mijn/` include, whose `mijn/<plate>/` would
# otherwise catch `mijn/waarschuwingslampjes/`.
urlpatterns = [
    path("mijn/waarschuwingslampjes/", views.lights, name="lights"),
    path(
        "mijn/waarschuwingslampjes/<slug:code>/garage-vragen/",
        views.light_ask,
        name="light_ask",
    ),
    path("mijn/<str:plate>/afspraak/", views.request_appointment, name="request"),
    path("mijn/<str:plate>/afspraak/status/", views.car_state, name="car_state"),
    path(
        "mijn/<str:plate>/afspraak/<id:appointment_id>/accepteren/",
        views.owner_accept,
        name="owner_accept",
    ),
    path(
        "mijn/<str:plate>/afspraak/<id:appointment_id>/annuleren/",
        views.owner_cancel,
        name="owner_cancel",
    ),
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
