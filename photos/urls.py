from django.urls import path

from photos import views

app_name = "photos"

urlpatterns = [
    # `version`: thumb, large (the 1600 px one, the original until it is made) or original.
    path("foto/<uuid:key>/<str:version>/", views.photo_file, name="file"),
]
