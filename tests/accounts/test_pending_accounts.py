"""A pending account (a new owner who has not activated yet) and the emailed links that reach
it: every link that sets a password activates the same account, and the pages that email a
link do the same work for a known and an unknown address."""

import time

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from autopaspoort.models import Passport
from fleet.services import fleet_manager_invite
from garage.models import Membership
from garage.services import staff_invite
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.fleet.factories import FleetFactory
from tests.helpers import can_log_in, set_password_path
from tests.transfers.factories import activation_path, portal_car_url, transfer

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zomer-Fiets-2031"
EMAIL = "koper@example.nl"


@pytest.fixture
def pending_owner_car(garage, garage_admin, django_capture_on_commit_callbacks):
    """A car transferred to EMAIL, whose account waits for activation."""
    with django_capture_on_commit_callbacks(execute=True):
        done = transfer(PassportFactory(garage=garage), EMAIL, actor=garage_admin)
    mail.outbox.clear()
    return done.passport


def invite_as_staff(garage, garage_admin):
    staff_invite(garage=garage, actor=garage_admin, email=EMAIL, role=Membership.Role.SALES)


def invite_as_fleet_manager(garage, garage_admin):
    fleet = FleetFactory(garages=[garage])
    fleet_manager_invite(fleet=fleet, actor=garage_admin, email=EMAIL)


def set_password_by_link(message) -> Client:
    browser = Client()
    response = browser.get(set_password_path(message), follow=True)
    assert response.context["validlink"] is True
    response = browser.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    return browser


@pytest.mark.parametrize(
    "invite", [invite_as_staff, invite_as_fleet_manager], ids=["staff", "fleet"]
)
def test_an_invitation_to_a_pending_owner_activates_the_same_account(
    invite, garage, garage_admin, pending_owner_car, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(garage, garage_admin)
    [invitation] = mail.outbox

    browser = set_password_by_link(invitation)

    account = User.objects.get(email=EMAIL)
    assert account.is_active
    assert can_log_in(EMAIL, NEW_PASSWORD)
    # The car waiting for this account is theirs now, as after the activation link.
    pending_owner_car.refresh_from_db()
    assert pending_owner_car.activated_at is not None
    assert pending_owner_car.transfers.get().state == "completed"
    car_page = browser.get(portal_car_url(pending_owner_car))
    assert car_page.status_code == 200
    assert pending_owner_car.plate in car_page.content.decode()


def test_a_pending_owner_can_ask_for_a_password_link_and_it_activates(
    pending_owner_car, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("accounts:password_reset"), {"email": EMAIL})
    [message] = mail.outbox

    set_password_by_link(message)

    assert User.objects.get(email=EMAIL).is_active
    assert can_log_in(EMAIL, NEW_PASSWORD)


def test_the_activation_link_still_activates_and_completes_the_transfer(
    pending_owner_car, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("portal:activation_resend"), {"email": EMAIL})
    [message] = mail.outbox
    browser = Client()
    response = browser.post(
        activation_path(message.body),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == portal_car_url(pending_owner_car)
    pending_owner_car.refresh_from_db()
    assert pending_owner_car.state == Passport.State.CUSTOMER
    assert pending_owner_car.activated_at is not None


# --- Known and unknown addresses: the same work ------------------------------------------------

PAGES = {
    "password-reset": "accounts:password_reset",
    "activation-resend": "portal:activation_resend",
}


def request_link(page, address, capture):
    client = Client(REMOTE_ADDR=f"10.9.{len(address)}.{hash(address) % 250}")
    with CaptureQueriesContext(connection) as queries, capture(execute=False) as callbacks:
        started = time.perf_counter()
        response = client.post(reverse(PAGES[page]), {"email": address})
        elapsed = time.perf_counter() - started
    outbox_rows = Notification.objects.count()
    return response, len(queries), callbacks, outbox_rows, elapsed


@pytest.mark.parametrize("page", list(PAGES))
def test_link_pages_do_the_same_work_for_known_and_unknown_addresses(
    page, pending_owner_car, owner, django_capture_on_commit_callbacks
):
    Notification.objects.all().delete()
    known = EMAIL if page == "activation-resend" else owner.email
    known_answer, known_queries, known_callbacks, known_rows, _ = request_link(
        page, known, django_capture_on_commit_callbacks
    )
    unknown_answer, unknown_queries, unknown_callbacks, unknown_rows, _ = request_link(
        page, "niemand@example.nl", django_capture_on_commit_callbacks
    )

    assert known_answer.status_code == unknown_answer.status_code
    assert [t.name for t in known_answer.templates] == [t.name for t in unknown_answer.templates]
    assert known_queries == unknown_queries
    assert known_rows == unknown_rows == 0  # the lookup and the email happen in the task
    assert len(known_callbacks) == len(unknown_callbacks) == 1  # one task enqueued, alike
