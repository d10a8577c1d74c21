from django.urls import path

from transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.transfer_start, name="start"),
    path("<id:transfer_id>/resend/", views.transfer_resend, name="resend"),
    path("<id:transfer_id>/correct/", views.transfer_correct, name="correct"),
    path("<id:transfer_id>/cancel/", views.transfer_cancel, name="cancel"),
]
