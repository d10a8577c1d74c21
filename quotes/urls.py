from django.urls import path

from quotes import views

app_name = "quotes"

urlpatterns = [
    path("garage/<id:garage_id>/offertes/", views.garage_list, name="garage_list"),
    path(
        "garage/<id:garage_id>/offertes/<id:quote_id>/",
        views.garage_detail,
        name="garage_detail",
    ),
]
