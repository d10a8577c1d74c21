"""Friendly error pages in Dutch and English (DEBUG off, as in the test settings), a favicon."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory, override_settings
from django.urls import path, reverse
from django.utils import translation
from pytest_django.asserts import assertContains

from config.urls import urlpatterns
from core.views import server_error

pytestmark = pytest.mark.django_db


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("kapot/", broken), *urlpatterns]  # this module is a URLconf too
handler500 = "core.views.server_error"


def test_the_tests_run_with_debug_off():
    assert settings.DEBUG is False


@pytest.mark.parametrize(
    ("language", "title", "advice"),
    [
        ("nl", "Pagina niet gevonden", "Controleer het adres"),
        ("en", "Page not found", "Check it for typing errors"),
    ],
)
def test_a_missing_page_says_what_to_do_next_in_the_visitors_language(language, title, advice):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/bestaat-niet/")

    assert response.status_code == 404
    assertContains(response, title, status_code=404)
    assertContains(response, advice, status_code=404)
    assertContains(response, f'href="{reverse("home")}"', status_code=404)


@pytest.mark.parametrize(("language", "title"), [("nl", "Geen toegang"), ("en", "No access")])
def test_a_refused_page_says_whom_to_ask(client_for, garage, mechanic, language, title):
    client = client_for(mechanic, HTTP_ACCEPT_LANGUAGE=language)

    response = client.get(reverse("garage:settings", args=[garage.pk]))

    assert response.status_code == 403
    assertContains(response, title, status_code=403)
    assertContains(response, settings.SUPPORT_EMAIL, status_code=403)


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("language", "title", "advice"),
    [
        ("nl", "Er ging iets mis", "Probeer het over een paar minuten opnieuw"),
        ("en", "Something went wrong", "Please try again in a few minutes"),
    ],
)
def test_a_server_error_is_a_friendly_page_in_the_visitors_language(language, title, advice):
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)

    response = client.get("/kapot/")

    assert response.status_code == 500
    assertContains(response, title, status_code=500)
    assertContains(response, advice, status_code=500)
    assertContains(response, settings.SUPPORT_EMAIL, status_code=500)
    assertContains(response, f'<html lang="{language}">', status_code=500)


def test_the_server_error_page_needs_no_database(django_assert_num_queries):
    with translation.override("en"), django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_every_page_names_the_icon_and_favicon_ico_leads_to_it(anonymous):
    icon = anonymous.get(reverse("favicon"))

    assert icon.status_code == 301
    assert icon["Location"].endswith("favicon.svg")
    page = anonymous.get(reverse("accounts:login"))
    assertContains(page, f'<link rel="icon" href="{icon["Location"]}" type="image/svg+xml">')
    assert "<svg" in Path(finders.find("favicon.svg")).read_text()
