from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("garage/<id:garage_id>/gebruik-en-facturen/", views.usage, name="usage"),
    path(
        "garage/<id:garage_id>/facturen/<id:invoice_id>/pdf/",
        views.invoice_download,
        name="invoice_pdf",
    ),
]
