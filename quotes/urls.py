from django.urls import path

from quotes import views

app_name = "quotes"

urlpatterns = [
    path("garage/<id:garage_id>/offertes/", views.garage_list, name="garage_list"),
    path("garage/<id:garage_id>/offertes/nieuw/<str:plate>/", views.start, name="start"),
    path(
        "garage/<id:garage_id>/offertes/<id:quote_id>/",
        views.garage_detail,
        name="garage_detail",
    ),
    path(
        "garage/<id:garage_id>/offertes/<id:quote_id>/totalen/",
        views.garage_totals,
        name="garage_totals",
    ),
    path(
        "garage/<id:garage_id>/offertes/<id:quote_id>/verwijderen/",
        views.garage_delete,
        name="garage_delete",
    ),
    path(
        "garage/<id:garage_id>/offertes/<id:quote_id>/nieuwe-versie/",
        views.garage_new_version,
        name="garage_new_version",
    ),
    path(
        "garage/<id:garage_id>/offertes/<id:quote_id>/intrekken/",
        views.garage_withdraw,
        name="garage_withdraw",
    ),
]
