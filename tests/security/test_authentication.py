"""Authentication under attack: lockouts and rate limits that stop guessing without locking out
the colleague at the next desk, answers that tell a stranger nothing, sessions that rotate and
die, and emailed links that survive any garbage put into them."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import ratelimit
from garage.services import api_token_create
from tests import figures
from tests.accounts.factories import PASSWORD, UserFactory
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import transfer

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LOGIN_PAGES = {"site": "accounts:login", "admin": "admin:login"}
FAILURE_LIMIT = 5


def attempt(client, page, email, password):
    return client.post(reverse(LOGIN_PAGES[page]), {"username": email, "password": password}, **EN)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff_person(db):
    return UserFactory(email="support@autopaspoort.nl", is_staff=True)


@pytest.mark.parametrize("page", ["site", "admin"])
def test_five_wrong_passwords_lock_the_account_for_five_minutes(page, staff_person):
    client = Client()
    for _ in range(FAILURE_LIMIT - 1):
        response = attempt(client, page, staff_person.email, "wrong-password")
        assert response.status_code == 200  # the form again, with its error
        assert not logged_in(client)
    # The fifth failure locks the account, and the page says so at once.
    response = attempt(client, page, staff_person.email, "wrong-password")
    assert response.status_code == 429
    assert "Too many failed attempts to log in to this account" in response.text

    # The right password no longer helps.
    response = attempt(client, page, staff_person.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts to log in to this account" in response.text
    assert reverse("accounts:password_reset") in response.text
    assert not logged_in(client)
    # Another spelling of the same address is the same account, and just as locked.
    response = attempt(client, page, " SUPPORT@AutoPaspoort.nl ", PASSWORD)
    assert response.status_code == 429
    figures.add("auth.lockout_scenarios")

    # Five minutes later the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=5, seconds=1))
    response = attempt(client, page, staff_person.email, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.parametrize("page", ["site", "admin"])
def test_a_locked_account_does_not_lock_out_others_on_the_same_address(page, staff_person):
    colleague = UserFactory(email="collega@autopaspoort.nl", is_staff=True)
    attacker = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(FAILURE_LIMIT + 3):
        attempt(attacker, page, staff_person.email, "wrong-password")

    same_office = Client(REMOTE_ADDR="10.0.0.7")
    response = attempt(same_office, page, colleague.email, PASSWORD)

    assert response.status_code == 302
    assert logged_in(same_office)
    figures.add("auth.lockout_scenarios")


def test_a_successful_login_resets_the_count(staff_person):
    client = Client()
    for _ in range(FAILURE_LIMIT - 1):
        attempt(client, "site", staff_person.email, "wrong-password")
    assert attempt(client, "site", staff_person.email, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))

    for _ in range(FAILURE_LIMIT - 1):
        attempt(client, "site", staff_person.email, "wrong-password")
    assert attempt(client, "site", staff_person.email, PASSWORD).status_code == 302


# --- Emailed links: password reset and activation resend --------------------------------------


def reset(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email}, **EN)


def resend(client, email):
    return client.post(reverse("portal:activation_resend"), {"email": email}, **EN)


@pytest.fixture
def waiting_owner(garage, garage_admin):
    """Someone a car was transferred to, who has not activated their account yet."""
    done = transfer(PassportFactory(garage=garage), "wacht@example.nl", actor=garage_admin)
    mail.outbox.clear()
    return done.new_owner


@pytest.mark.parametrize("send", [reset, resend], ids=["password-reset", "activation-resend"])
def test_link_requests_are_limited_per_address_and_answer_alike(send, waiting_owner):
    known, unknown = waiting_owner.email, "niemand@example.nl"
    if send is reset:
        waiting_owner.set_password(PASSWORD)
        waiting_owner.is_active = True
        waiting_owner.save()
    client = Client()

    answers = {}
    for email in (known, unknown):
        for _ in range(ratelimit.EMAIL_LINK_PER_ADDRESS.max_hits):
            response = send(client, email)
            assert response.status_code in (200, 302)
        answers[email] = (response.status_code, response.get("Location"), page_text(response))
    sent = len(mail.outbox)
    # A stranger learns nothing: a known and an unknown address get the same answer.
    assert answers[known] == answers[unknown]

    limited = {email: send(client, email) for email in (known, unknown)}
    for response in limited.values():
        assert response.status_code == 429
        assert "We have just sent several links for this address" in response.text
        assert 'aria-invalid="true"' in response.text  # the error sits at the email field
    assert page_text(limited[known]) == page_text(limited[unknown]).replace(unknown, known)
    assert len(mail.outbox) == sent  # nothing more was sent

    # The next person on the same address is not held up by it.
    assert send(client, "iemand.anders@example.nl").status_code in (200, 302)
    figures.add("auth.rate_limit_scenarios")


def page_text(response) -> str:
    text = response.content.decode() if response.status_code == 200 else ""
    # The CSRF token differs per response; it says nothing about the address.
    return "".join(line for line in text.splitlines() if "csrf" not in line.lower())


def test_wrong_api_tokens_are_limited_per_client_but_a_valid_token_still_works(garage):
    _token, secret = api_token_create(garage=garage, name="GMS", actor=garage.account_user)
    url = "/api/v1/passports"
    guesser = Client(REMOTE_ADDR="10.0.0.9")

    statuses = [
        guesser.get(url, HTTP_AUTHORIZATION=f"Bearer guess-{n}").status_code
        for n in range(ratelimit.API_BAD_TOKEN_PER_IP.max_hits + 2)
    ]

    assert statuses[: ratelimit.API_BAD_TOKEN_PER_IP.max_hits] == [401] * 20
    assert statuses[-2:] == [429, 429]
    limited = guesser.get(url, HTTP_AUTHORIZATION="Bearer guess-again")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    # The garage's own GMS behind the same address keeps working.
    assert guesser.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    figures.add("auth.rate_limit_scenarios")


# --- Sessions ---------------------------------------------------------------------------------


def test_the_session_key_changes_at_login(owner):
    client = Client()
    client.get(reverse("accounts:login"))
    session = client.session
    session["seen"] = True  # an anonymous session someone might have planted
    session.save()
    before = session.session_key

    attempt(client, "site", owner.email, PASSWORD)

    assert logged_in(client)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_logout_ends_the_session_on_the_server(owner):
    client = Client()
    attempt(client, "site", owner.email, PASSWORD)
    stolen_cookie = client.cookies["sessionid"].value

    client.post(reverse("accounts:logout"))

    assert not Session.objects.filter(session_key=stolen_cookie).exists()
    replay = Client()
    replay.cookies["sessionid"] = stolen_cookie
    response = replay.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_logout_is_post_only(owner):
    client = Client()
    client.force_login(owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in(client)


# --- Emailed links with garbage in them -------------------------------------------------------

LINK_PAGES = ["accounts:password_set", "portal:activate"]
# Anything a mangled email client, a curious person or a scanner could put into the two path
# segments: base64-ish, digits, unicode, percent escapes, dots, very long, NUL.
segment = st.one_of(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=", min_size=1
    ),
    st.text(min_size=1, max_size=300).filter(lambda s: s.strip("/") == s and "/" not in s),
    st.sampled_from(["..", ".", "%00", "MQ", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA", "-", "set-password"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet="0123456789abcdef-", min_size=1, max_size=80),
)


@pytest.mark.parametrize("page", LINK_PAGES)
@settings(
    max_examples=110,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(uidb64=segment, token=segment)
def test_malformed_links_never_cause_a_server_error(page, uidb64, token, owner):
    client = Client(raise_request_exception=False)
    path = reverse(page, kwargs={"uidb64": "UID", "token": "TOKEN"})
    path = path.replace("UID", quote(uidb64, safe="")).replace("TOKEN", quote(token, safe=""))

    for method in (client.get, client.post):
        response = method(path, {"new_password1": "x", "new_password2": "x"}, **EN)
        figures.add("auth.malformed_links")
        assert response.status_code < 500, (path, response.status_code)
        assert "_auth_user_id" not in client.session
