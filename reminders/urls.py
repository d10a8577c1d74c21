from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("afmelden/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
