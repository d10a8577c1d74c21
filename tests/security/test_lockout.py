"""The login lockout cannot be turned against an account's owner: it counts per account and
client address, with a far higher ceiling per account; an emailed link unlocks; and pages that
ask for the current password count wrong guesses in the same counter."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.lockout import ACCOUNT_FAILURE_CEILING
from tests.accounts.factories import PASSWORD, UserFactory
from tests.helpers import set_password_path

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LOGIN_PAGES = {"site": "accounts:login", "admin": "admin:login"}
LOCKED = "Too many failed attempts to log in to this account"
PER_ADDRESS = 5


def attempt(client, page, email, password):
    return client.post(reverse(LOGIN_PAGES[page]), {"username": email, "password": password}, **EN)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff_person(db):
    return UserFactory(email="support@autopaspoort.nl", is_staff=True)


@pytest.mark.parametrize("page", ["site", "admin"])
def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(page, staff_person):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(PER_ADDRESS + 2):
        response = attempt(attacker, page, staff_person.email, "wrong-password")
    assert response.status_code == 429  # the attacker's address is locked for this account
    assert LOCKED in response.text

    owner_at_home = Client(REMOTE_ADDR="198.51.100.20")
    response = attempt(owner_at_home, page, staff_person.email, PASSWORD)

    assert response.status_code == 302
    assert logged_in(owner_at_home)


def test_many_addresses_together_reach_the_account_ceiling_and_a_reset_link_unlocks(
    staff_person, django_capture_on_commit_callbacks
):
    per_address = PER_ADDRESS - 1  # stay below each address's own limit
    addresses = -(-ACCOUNT_FAILURE_CEILING // per_address)
    for number in range(addresses):
        client = Client(REMOTE_ADDR=f"203.0.113.{number + 1}")
        for _ in range(per_address):
            attempt(client, "site", staff_person.email, "wrong-password")

    owner = Client(REMOTE_ADDR="198.51.100.20")
    response = attempt(owner, "site", staff_person.email, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(owner)

    # The emailed reset link proves the mailbox: setting a password there unlocks everywhere.
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("accounts:password_reset"), {"email": staff_person.email})
    browser = Client(REMOTE_ADDR="198.51.100.20")
    form = browser.get(set_password_path(mail.outbox[-1]), follow=True)
    browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Nieuw-Slot-2031", "new_password2": "Nieuw-Slot-2031"},
    )
    response = attempt(
        Client(REMOTE_ADDR="192.0.2.9"), "site", staff_person.email, "Nieuw-Slot-2031"
    )
    assert response.status_code == 302


def change_password(client, old):
    return client.post(
        reverse("accounts:password_change"),
        {
            "old_password": old,
            "new_password1": "Ander-Slot-2031",
            "new_password2": "Ander-Slot-2031",
        },
        **EN,
    )


def test_guessing_the_current_password_on_the_change_page_locks_like_the_login(staff_person):
    client = Client(REMOTE_ADDR="203.0.113.50")
    client.force_login(staff_person)
    for _ in range(PER_ADDRESS):
        response = change_password(client, "wrong-guess")
        assert response.status_code == 200

    # Locked now: even the right current password is refused, at the field ...
    response = change_password(client, PASSWORD)
    assert LOCKED in response.text
    staff_person.refresh_from_db()
    assert staff_person.check_password(PASSWORD)
    # ... and the login from that address is locked too: one counter.
    response = attempt(Client(REMOTE_ADDR="203.0.113.50"), "site", staff_person.email, PASSWORD)
    assert response.status_code == 429


def test_guessing_the_admins_password_on_the_garage_settings_locks_like_the_login(
    garage, garage_admin
):
    client = Client(REMOTE_ADDR="203.0.113.60")
    client.force_login(garage_admin)
    url = reverse("garage:settings", kwargs={"garage_id": garage.pk})
    data = {"name": garage.name, "email": "nieuw-adres@example.nl"}
    for _ in range(PER_ADDRESS):
        response = client.post(url, {**data, "current_password": "wrong-guess"}, **EN)
        assert response.status_code == 200

    response = client.post(url, {**data, "current_password": PASSWORD}, **EN)

    assert LOCKED in response.text
    garage.account_user.refresh_from_db()
    assert garage.account_user.email == "garage-a@example.nl"
    response = attempt(Client(REMOTE_ADDR="203.0.113.60"), "site", garage_admin.email, PASSWORD)
    assert response.status_code == 429
