from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("garage/<id:garage_id>/statistieken/", views.statistics, name="statistics"),
    path("garage/<id:garage_id>/gebruik/", views.usage, name="usage"),
]
