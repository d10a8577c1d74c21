from django.urls import path

from portal import quote_views, sale_views, views

app_name = "portal"

# Included at `mijn/`. The pages with a fixed word come first: `<str:plate>/` would otherwise
# catch `instellingen/`, `waarschuwingslampjes/` and `activeren/`.
urlpatterns = [
    path("", views.home, name="home"),
    path("instellingen/", views.contact_settings, name="settings"),
    # AVG: the person's data as a ZIP, and deleting the account (both after the password).
    path("gegevens/", views.data_download, name="data_download"),
    path("account-verwijderen/", views.delete_account, name="delete_account"),
    path("waarschuwingslampjes/", views.lights, name="lights"),
    path("waarschuwingslampjes/<slug:code>/garage-vragen/", views.light_ask, name="light_ask"),
    path("activeren/nieuwe-link/", views.activation_resend, name="activation_resend"),
    path("activeren/<uidb64>/<token>/", views.activate, name="activate"),
    # A private sale (transfers `via` owner): start it on the car, cancel it from the list.
    path("verkoop/<id:sale_id>/annuleren/", sale_views.sale_cancel, name="sale_cancel"),
    path("<str:plate>/", views.car, name="car"),
    path("<str:plate>/verkopen/", sale_views.sell, name="sell"),
    path("<str:plate>/accepteren/", views.accept, name="accept"),
    path(
        "<str:plate>/wagenpark/<id:request_id>/",
        views.fleet_request_answer,
        name="fleet_request_answer",
    ),
    path(
        "<str:plate>/garage/<id:move_request_id>/",
        views.garage_move_answer,
        name="garage_move_answer",
    ),
    path("<str:plate>/offerte/<id:quote_id>/", quote_views.quote, name="quote"),
    path(
        "<str:plate>/offerte/<id:quote_id>/afwijzen/",
        quote_views.quote_decline,
        name="quote_decline",
    ),
    path(
        "<str:plate>/offerte/<id:quote_id>/totaal/",
        quote_views.quote_selected_total,
        name="quote_total",
    ),
    path("<str:plate>/afspraak/", views.appointment_request, name="appointment_request"),
    path("<str:plate>/afspraak/status/", views.appointment_state, name="appointment_state"),
    path(
        "<str:plate>/afspraak/<id:appointment_id>/accepteren/",
        views.appointment_accept,
        name="appointment_accept",
    ),
    path(
        "<str:plate>/afspraak/<id:appointment_id>/annuleren/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
]
