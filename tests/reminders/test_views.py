"""The one-click unsubscribe link (no login, only its own address, GET changes nothing) and the
owner's email settings in the portal."""

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.models import User
from autopaspoort.models import Passport
from notifications.models import EmailOptOut, Topic
from notifications.tokens import SALT, unsubscribe_token
from tests.fleet.factories import FleetFactory, link
from tests.reminders.factories import (
    EN,
    customer_passport,
    days_from_today,
    messages_to,
    run_job,
    unsubscribe_path,
)

pytestmark = pytest.mark.django_db

SETTINGS = reverse("portal:settings")


def flags(user) -> tuple[bool, bool]:
    user.refresh_from_db()
    return user.reminders_enabled, user.promotions_enabled


@pytest.fixture
def reminded(garage, owner, django_capture_on_commit_callbacks):
    """The owner's reminder email, delivered."""
    customer_passport(garage, owner, apk_expires=days_from_today(30))
    run_job(django_capture_on_commit_callbacks)
    [message] = messages_to(mail.outbox, owner.email)
    return message


# --- The link in the email ------------------------------------------------------------------


def test_every_reminder_carries_the_link_also_as_a_one_click_header(reminded, settings):
    path = unsubscribe_path(reminded)

    assert reminded.extra_headers["List-Unsubscribe"] == f"<{settings.SITE_URL}{path}>"
    assert reminded.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = reminded.alternatives[0][0]
    assert f'href="{settings.SITE_URL}{path}"' in html


def test_the_link_shows_what_stops_without_login_and_get_changes_nothing(
    anonymous, reminded, owner
):
    response = anonymous.get(unsubscribe_path(reminded), **EN)

    assert response.status_code == 200
    assertContains(response, owner.email)
    assertContains(response, "APK, maintenance and recall reminders")
    assertContains(response, "Stop these emails")
    assert flags(owner) == (True, True)


def test_the_button_switches_reminders_off_for_the_account(anonymous, reminded, owner):
    response = anonymous.post(unsubscribe_path(reminded), **EN)

    assertContains(response, f"{owner.email} receives no more emails about")
    assert flags(owner) == (False, True)  # promotions are another topic
    assert not EmailOptOut.objects.exists()
    again = anonymous.get(unsubscribe_path(reminded), **EN)
    assertContains(again, "already receives no more emails")
    assertNotContains(again, "Stop these emails")


def test_the_link_only_ever_affects_its_own_address(
    anonymous, garage, reminded, owner, other_owner
):
    customer_passport(garage, other_owner, apk_expires=days_from_today(30))

    anonymous.post(unsubscribe_path(reminded))

    assert flags(other_owner) == (True, True)
    assert flags(owner) == (False, True)


def test_mail_programs_can_post_without_a_csrf_token(reminded, owner):
    client = Client(enforce_csrf_checks=True)

    response = client.post(unsubscribe_path(reminded), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert flags(owner) == (False, True)


def test_a_driver_without_account_is_recorded_by_address(
    anonymous, garage, owner, django_capture_on_commit_callbacks
):
    fleet = FleetFactory(garages=[garage])
    passport = customer_passport(garage, owner, apk_expires=days_from_today(30))
    link(passport, fleet)
    Passport.objects.filter(pk=passport.pk).update(driver_email="dirk@example.nl")
    run_job(django_capture_on_commit_callbacks)
    [message] = messages_to(mail.outbox, "dirk@example.nl")

    anonymous.post(unsubscribe_path(message))

    assert list(EmailOptOut.objects.values_list("email", "topic")) == [
        ("dirk@example.nl", Topic.REMINDERS)
    ]
    assert not User.objects.filter(email="dirk@example.nl").exists()
    assert flags(owner) == (True, True)
    mail.outbox.clear()
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(25)) == 1  # 1 week
    assert [m.to for m in mail.outbox] == [[owner.email]]


@pytest.mark.parametrize(
    "make_token",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: token.replace(token.split(":")[0], token.split(":")[0][:-2] + "xx"),
        lambda token: token.split(":")[0],  # no signature at all
        lambda token: signing.dumps({"email": "owner@example.nl", "topic": "reminders"}),
        lambda token: signing.dumps({"email": "x@example.nl", "topic": "everything"}, salt=SALT),
        lambda token: signing.dumps(["x@example.nl", "reminders"], salt=SALT),
        lambda token: "é\x00:ü",
    ],
    ids=["signature", "payload", "unsigned", "other-salt", "unknown-topic", "odd-shape", "junk"],
)
def test_a_tampered_link_shows_a_friendly_page_and_changes_nothing(
    anonymous, reminded, owner, make_token
):
    token = unsubscribe_path(reminded).rstrip("/").rsplit("/", 1)[1]
    url = reverse("notifications:unsubscribe", kwargs={"token": make_token(token)})

    for response in (anonymous.get(url, **EN), anonymous.post(url, **EN)):
        assert response.status_code == 200
        assertContains(response, "This link does not work")
    assert flags(owner) == (True, True)
    assert not EmailOptOut.objects.exists()


def test_a_link_for_another_address_cannot_be_made_from_ones_own(anonymous, reminded, owner):
    """The token is signed over the address: changing the address in it breaks the signature."""
    token = unsubscribe_path(reminded).rstrip("/").rsplit("/", 1)[1]
    forged_payload = unsubscribe_token(email="ander@example.nl", topic="reminders").split(":")[0]
    forged = ":".join([forged_payload, *token.split(":")[1:]])

    response = anonymous.post(reverse("notifications:unsubscribe", kwargs={"token": forged}), **EN)

    assertContains(response, "This link does not work")


# --- Portal settings ------------------------------------------------------------------------


def test_the_settings_page_needs_a_login(anonymous):
    response = anonymous.get(SETTINGS)

    assertRedirects(response, f"{reverse('accounts:login')}?next={SETTINGS}")


def test_the_portal_links_to_the_settings(client_for, owner):
    assertContains(client_for(owner).get(reverse("portal:home"), **EN), SETTINGS)


def test_owners_switch_reminders_and_promotions_off_and_on(client_for, owner):
    client = client_for(owner)
    page = client.get(SETTINGS, **EN)
    assert page.context["form"].initial == {
        "reminders_enabled": True,
        "promotions_enabled": True,
        "check_reports_enabled": True,
    }
    assertContains(page, "APK, maintenance and recall reminders")

    response = client.post(SETTINGS, {}, follow=True, **EN)

    assertContains(response, "Your email settings are saved.")
    assert flags(owner) == (False, False)
    client.post(SETTINGS, {"promotions_enabled": "on"})
    assert flags(owner) == (False, True)
    assert client.get(SETTINGS).context["form"].initial == {
        "reminders_enabled": False,
        "promotions_enabled": True,
        "check_reports_enabled": False,
    }


def test_switching_on_in_the_portal_lifts_an_opt_out_made_by_link(client_for, owner):
    EmailOptOut.objects.create(email=owner.email, topic=Topic.REMINDERS)
    EmailOptOut.objects.create(email=owner.email, topic=Topic.PROMOTIONS)
    EmailOptOut.objects.create(email="ander@example.nl", topic=Topic.REMINDERS)

    client_for(owner).post(SETTINGS, {"reminders_enabled": "on"})

    assert set(EmailOptOut.objects.values_list("email", "topic")) == {
        (owner.email, Topic.PROMOTIONS),
        ("ander@example.nl", Topic.REMINDERS),
    }


def test_the_settings_page_changes_only_the_logged_in_owner(client_for, owner, other_owner):
    client_for(owner).post(SETTINGS, {}, **EN)

    assert flags(other_owner) == (True, True)
