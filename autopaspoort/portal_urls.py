from django.urls import path

from autopaspoort import portal_views
from transfers import views as transfer_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("activeren/nieuwe-link/", transfer_views.activation_resend, name="activation_resend"),
    path("activeren/<uidb64>/<token>/", transfer_views.activate, name="activate"),
    path("<str:plate>/", portal_views.car, name="car"),
    path("<str:plate>/accepteren/", portal_views.accept, name="accept"),
    path(
        "<str:plate>/wagenpark/<id:request_id>/",
        portal_views.fleet_request_answer,
        name="fleet_request_answer",
    ),
]
