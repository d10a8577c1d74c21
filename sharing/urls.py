from django.urls import path

from sharing import views

app_name = "sharing"

# Included at the root: the public pages and the owner's and garage's actions.
urlpatterns = [
    path("p/<str:token>/", views.share_page, name="page"),
    path("p/<str:token>/pdf", views.share_pdf, name="pdf"),
    # A photo of a link that includes them: `version` thumb or large (never the original).
    path("p/<str:token>/foto/<uuid:key>/<str:version>/", views.share_photo, name="photo"),
    path("verify/", views.verify, name="verify"),
    path("mijn/<str:plate>/delen/", views.owner_create, name="owner_create"),
    path(
        "mijn/<str:plate>/delen/<id:link_id>/intrekken/",
        views.owner_revoke,
        name="owner_revoke",
    ),
    path(
        "garage/<id:garage_id>/passports/<str:plate>/share/",
        views.garage_create,
        name="garage_create",
    ),
    path(
        "garage/<id:garage_id>/passports/<str:plate>/share/<id:link_id>/revoke/",
        views.garage_revoke,
        name="garage_revoke",
    ),
]
