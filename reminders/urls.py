from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("garage/<id:garage_id>/herinneringen/", views.garage_list, name="garage_list"),
]
