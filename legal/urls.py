from django.urls import path

from legal import views

app_name = "legal"

# Included at the root: public pages, no login.
urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("voorwaarden/", views.terms, name="terms"),
]
