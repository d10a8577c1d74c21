import time

import pytest
from django.test import override_settings
from django.urls import reverse
from pytest_django.asserts import assertContains, assertTemplateUsed

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok_when_the_database_answers(anonymous):
    response = anonymous.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_fails_fast_when_the_configured_broker_is_down(anonymous):
    started = time.monotonic()
    response = anonymous.get(reverse("healthz"))
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"] not in {"ok", "not configured (eager)"}
    assert elapsed < 3


def test_healthz_is_never_cached(anonymous):
    response = anonymous.get(reverse("healthz"))

    assert "no-cache" in response["Cache-Control"]


def test_home_sends_a_person_without_a_garage_to_the_welcome_page(client_for, owner):
    response = client_for(owner).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")

    assertTemplateUsed(response, "core/home.html")
    assertContains(response, f"Welcome, {owner.get_short_name()}")
    assertContains(response, "The cars linked to your account will appear here.")


def test_home_sends_garage_staff_to_their_garage(client_for, garage, mechanic):
    response = client_for(mechanic).get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0] == garage.get_absolute_url()
