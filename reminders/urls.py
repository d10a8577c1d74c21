from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("mijn/instellingen/", views.contact_settings, name="settings"),
]
