"""The new owner's activation link: accounts/tokens.py and the activation pages."""

import random
import re
import string
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from accounts.tokens import ActivationTokenGenerator, activation_token_generator
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.helpers import can_log_in
from tests.transfers.factories import (
    EN,
    NEW_PASSWORD,
    activation_path,
    portal_car_url,
    transfer,
)
from transfers import services
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

INVALID = "This link no longer works"
SET_PASSWORD = "Activate your AutoPaspoort"
DAY = 24 * 60 * 60


@pytest.fixture
def sold(garage, django_capture_on_commit_callbacks):
    """A stock car transferred to a new owner, the activation email delivered."""
    passport = PassportFactory(garage=garage)
    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(passport, "piet@example.nl")
    (message,) = mail.outbox
    return record, activation_path(message.body)


def password_form(password=NEW_PASSWORD):
    return {"new_password1": password, "new_password2": password}


def is_invalid_page(response) -> bool:
    return response.status_code == 200 and [t.name for t in response.templates][:1] == [
        "portal/activation_invalid.html"
    ]


def activation_path_for(user, token) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("portal:activate", kwargs={"uidb64": uidb64, "token": token})


# --- The link ---------------------------------------------------------------------------------


def test_opening_the_link_shows_the_set_password_form_and_changes_nothing(sold):
    record, link = sold
    client = Client()

    response = client.get(link, follow=True, **EN)

    assertContains(response, SET_PASSWORD)
    assertContains(response, "You log in with <strong>piet@example.nl</strong>.")
    owner = User.objects.get(pk=record.new_owner_id)
    assert not owner.is_active
    assert not owner.has_usable_password()
    record.refresh_from_db()
    assert record.is_open
    assert "_auth_user_id" not in client.session
    # Opening it again (a mail scanner, a second click) still works.
    assertContains(client.get(link, follow=True, **EN), SET_PASSWORD)


def test_setting_the_password_activates_and_logs_in_on_the_cars_page(sold):
    record, link = sold
    client = Client()

    response = client.post(link, password_form(), **EN)

    assert response.status_code == 302
    assert response["Location"] == portal_car_url(record.passport)
    assert client.session["_auth_user_id"] == str(record.new_owner_id)
    owner = User.objects.get(pk=record.new_owner_id)
    assert owner.is_active
    assert owner.check_password(NEW_PASSWORD)
    record.refresh_from_db()
    assert record.state == Transfer.State.COMPLETED
    car = client.get(response["Location"], **EN)
    assertContains(car, record.passport.plate)
    assertContains(car, "Welcome! Your AutoPaspoort is active.")


def test_passwords_that_do_not_match_activate_nothing(sold):
    record, link = sold

    response = Client().post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}, **EN
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.get(pk=record.new_owner_id).is_active


def test_the_link_works_once(sold):
    record, link = sold
    Client().post(link, password_form(), **EN)

    for method in ("get", "post"):
        again = getattr(Client(), method)(link, password_form("Ander-wachtwoord-99"), **EN)
        assert is_invalid_page(again), method
        assertContains(again, INVALID)
    owner = User.objects.get(pk=record.new_owner_id)
    assert owner.check_password(NEW_PASSWORD)  # the second use changed nothing


@pytest.mark.parametrize(
    ("age", "works"),
    [
        (timedelta(days=settings.ACTIVATION_TIMEOUT_DAYS) - timedelta(seconds=1), True),
        (timedelta(days=settings.ACTIVATION_TIMEOUT_DAYS) + timedelta(seconds=1), False),
    ],
)
def test_the_link_expires_after_the_activation_timeout(
    garage, monkeypatch, django_capture_on_commit_callbacks, age, works
):
    sent_at = datetime(2026, 3, 2, 9, 30)
    monkeypatch.setattr(ActivationTokenGenerator, "_now", lambda self: sent_at)
    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    link = activation_path(mail.outbox[0].body)

    monkeypatch.setattr(ActivationTokenGenerator, "_now", lambda self: sent_at + age)
    response = Client().get(link, follow=True, **EN)

    assert is_invalid_page(response) is not works
    assertContains(response, SET_PASSWORD if works else INVALID)
    posted = Client().post(link, password_form(), **EN)
    assert User.objects.get(pk=record.new_owner_id).is_active is works
    assert (posted.status_code == 302) is works


@pytest.mark.parametrize(("days", "works"), [(0, False), (1, True)])
def test_the_timeout_comes_from_the_setting(garage, days, works):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    generator = ActivationTokenGenerator()
    an_hour_ago = generator._num_seconds(generator._now()) - 60 * 60
    token = generator._make_token_with_timestamp(record.new_owner, an_hour_ago, generator.secret)

    with override_settings(ACTIVATION_TIMEOUT_DAYS=days):
        assert generator.check_token(record.new_owner, token) is works
        response = Client().get(activation_path_for(record.new_owner, token), **EN)

    assert is_invalid_page(response) is not works


def test_a_password_reset_token_is_not_an_activation_token_and_vice_versa(garage):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    owner = record.new_owner
    reset_token = default_token_generator.make_token(owner)
    activation_token = activation_token_generator.make_token(owner)
    assert reset_token != activation_token

    response = Client().post(activation_path_for(owner, reset_token), password_form(), **EN)

    assert is_invalid_page(response)
    assert not activation_token_generator.check_token(owner, reset_token)
    assert not default_token_generator.check_token(owner, activation_token)
    owner.refresh_from_db()
    assert not owner.is_active
    assert not owner.has_usable_password()


def test_an_email_correction_by_the_garage_kills_the_old_link_and_the_new_link_works(
    sold, garage_admin, django_capture_on_commit_callbacks
):
    record, old_link = sold
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        Client().get(old_link)  # opened before the correction: still nothing changes
        services.transfer_correct_email(
            transfer=record, new_email="piet.jansen@example.nl", actor=garage_admin
        )

    assert is_invalid_page(Client().get(old_link, **EN))
    assert is_invalid_page(Client().post(old_link, password_form(), **EN))
    (message,) = mail.outbox
    assert message.to == ["piet.jansen@example.nl"]
    new_link = activation_path(message.body)
    assert new_link != old_link
    client = Client()
    response = client.post(new_link, password_form(), **EN)
    assert response["Location"] == portal_car_url(record.passport)
    assert can_log_in("piet.jansen@example.nl", NEW_PASSWORD)
    assert not can_log_in("piet@example.nl", NEW_PASSWORD)


def test_an_active_account_never_gets_the_set_password_form(owner):
    token = activation_token_generator.make_token(owner)

    response = Client().get(activation_path_for(owner, token), **EN)

    assert is_invalid_page(response)


# --- Malformed links --------------------------------------------------------------------------

ALPHABET = string.ascii_letters + string.digits + "-_=.~!$&'()*+,;:@%" + "éß€漢\u200b "


def _mangle(rng: random.Random, text: str) -> str:
    """Change a valid string a little: cut, extend, flip a character, or swap its halves."""
    choice = rng.randrange(4)
    if choice == 0:
        return text[: rng.randrange(1, len(text))] if len(text) > 1 else text + "x"
    if choice == 1:
        return text + "".join(rng.choices(ALPHABET, k=rng.randrange(1, 40)))
    if choice == 2:
        position = rng.randrange(len(text))
        return (
            text[:position]
            + rng.choice(ALPHABET.replace(text[position], ""))
            + text[position + 1 :]
        )
    middle = len(text) // 2
    return text[middle:] + text[:middle] or "x"


def _random_text(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(rng.choices(ALPHABET, k=rng.randrange(1, 80)))
    if kind == 1:  # something that looks like a token: base36 timestamp - hex hash
        timestamp = "".join(
            rng.choices(string.digits + string.ascii_lowercase, k=rng.randrange(1, 20))
        )
        return f"{timestamp}-{rng.getrandbits(80):x}"
    if kind == 2:
        return str(rng.choice([0, -1, 2**31, 2**63, 10**30]))
    return urlsafe_base64_encode(force_bytes(rng.choice(["-1", "0", "9" * 25, "abc", "\xff\xfe"])))


def malformed_links(user, valid_token, count=200, seed=20260302):
    rng = random.Random(seed)
    valid_uid = urlsafe_base64_encode(force_bytes(user.pk))
    for _ in range(count):
        shape = rng.randrange(4)
        uid = valid_uid if shape in (0, 1) else _random_text(rng)
        token = {
            0: lambda: _mangle(rng, valid_token),
            1: lambda: _random_text(rng),
            2: lambda: valid_token,
            3: lambda: _random_text(rng),
        }[shape]()
        uid, token = uid.replace("/", "_") or "x", token.replace("/", "_") or "x"
        if (uid, token) != (valid_uid, valid_token):
            yield reverse("portal:activate", kwargs={"uidb64": uid, "token": token})


def test_200_malformed_links_all_answer_the_invalid_page_never_a_server_error(garage):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    valid_token = activation_token_generator.make_token(record.new_owner)
    client = Client(raise_request_exception=True)
    links = list(malformed_links(record.new_owner, valid_token))
    assert len(links) >= 190

    for link in links:
        response = client.get(link, **EN)
        assert is_invalid_page(response), link

    for link in links[:20]:
        assert is_invalid_page(client.post(link, password_form(), **EN)), link
    owner = User.objects.get(pk=record.new_owner_id)
    assert not owner.is_active
    assert not owner.has_usable_password()


# --- "Send me a new link" ---------------------------------------------------------------------


def _without_csrf(response) -> str:
    return re.sub(
        r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', "", response.content.decode()
    )


def test_send_me_a_new_link_answers_the_same_whether_or_not_the_address_exists(
    garage, owner, other_owner, django_capture_on_commit_callbacks
):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    transfer(PassportFactory(garage=garage), other_owner.email)  # waits to be accepted
    before = set(Notification.objects.values_list("pk", flat=True))
    url = reverse("portal:activation_resend")

    pages = {}
    for address in ("nobody@example.nl", owner.email, other_owner.email, garage.email):
        pages[address] = _without_csrf(Client().post(url, {"email": address}, **EN))
    assert set(Notification.objects.values_list("pk", flat=True)) == before

    with django_capture_on_commit_callbacks(execute=True):
        waiting = Client().post(url, {"email": "Piet@Example.nl"}, **EN)

    assert len(set(pages.values())) == 1
    assert _without_csrf(waiting) == pages["nobody@example.nl"]
    assertContains(
        waiting, "If a car is waiting for this address, we have sent it a new activation link."
    )
    assertNotContains(waiting, "piet@example.nl")
    (new,) = Notification.objects.exclude(pk__in=before)
    assert (new.kind, new.recipient, new.state) == (
        Notification.Kind.OWNER_ACTIVATION,
        "piet@example.nl",
        Notification.State.SENT,
    )
    record.notification.refresh_from_db()
    assert record.notification.state == Notification.State.CANCELLED
    (message,) = mail.outbox
    assert Client().post(activation_path(message.body), password_form()).status_code == 302
    assert User.objects.get(email="piet@example.nl").is_active


def test_the_invalid_page_offers_the_new_link_form_and_the_login(sold):
    record, link = sold
    Client().post(link, password_form())

    response = Client().get(link, **EN)

    assertContains(response, "Send me a new link")
    assertContains(response, f'action="{reverse("portal:activation_resend")}"')
    assertContains(response, f'href="{reverse("accounts:login")}"')


def test_send_me_a_new_link_with_a_malformed_address_is_a_field_error(db):
    response = Client().post(reverse("portal:activation_resend"), {"email": "piet@"}, **EN)

    assert is_invalid_page(response)
    assert response.context["form"].errors["email"]
    assert not Notification.objects.exists()


def test_the_new_link_page_only_accepts_post(db):
    assert Client().get(reverse("portal:activation_resend")).status_code == 405
