from django.urls import path

from promotions import views

app_name = "promotions"

urlpatterns = [
    path("garage/<id:garage_id>/acties/", views.promotion_list, name="list"),
    path("garage/<id:garage_id>/acties/nieuw/", views.promotion_create, name="create"),
    path("garage/<id:garage_id>/acties/<id:promotion_id>/", views.promotion_detail, name="detail"),
    path(
        "garage/<id:garage_id>/acties/<id:promotion_id>/wijzigen/",
        views.promotion_edit,
        name="edit",
    ),
    path(
        "garage/<id:garage_id>/acties/<id:promotion_id>/voorbeeld/",
        views.promotion_preview,
        name="preview",
    ),
    path(
        "garage/<id:garage_id>/acties/<id:promotion_id>/verzenden/",
        views.promotion_send,
        name="send",
    ),
]
