from django.urls import path

from promotions import views

app_name = "promotions"

urlpatterns = [
    path("garage/<int:garage_id>/acties/", views.promotion_list, name="list"),
    path("garage/<int:garage_id>/acties/nieuw/", views.promotion_create, name="create"),
    path(
        "garage/<int:garage_id>/acties/<int:promotion_id>/", views.promotion_detail, name="detail"
    ),
    path(
        "garage/<int:garage_id>/acties/<int:promotion_id>/wijzigen/",
        views.promotion_edit,
        name="edit",
    ),
    path(
        "garage/<int:garage_id>/acties/<int:promotion_id>/voorbeeld/",
        views.promotion_preview,
        name="preview",
    ),
    path(
        "garage/<int:garage_id>/acties/<int:promotion_id>/verzenden/",
        views.promotion_send,
        name="send",
    ),
]
