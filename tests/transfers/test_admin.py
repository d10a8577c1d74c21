"""Support corrects a transferred owner's email in the admin (transfers/admin.py)."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.tokens import activation_token_generator
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory
from tests.helpers import can_log_in
from tests.transfers.factories import (
    EN,
    NEW_PASSWORD,
    activation_path,
    customer_passport,
    portal_car_url,
    transfer,
)
from transfers import services
from transfers.models import EmailCorrection, Transfer

pytestmark = pytest.mark.django_db

WRONG, RIGHT = "piet@gmial.com", "piet@gmail.com"
REASON = "Ticket 4711: klant belde, adres verkeerd getypt door de garage."


def correct_url(record):
    return reverse("admin:transfers_transfer_correct_email", args=[record.pk])


def change_url(record):
    return reverse("admin:transfers_transfer_change", args=[record.pk])


def password_form():
    return {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}


@pytest.fixture
def sent_to_the_wrong_address(garage, django_capture_on_commit_callbacks):
    """A car transferred to a mistyped address; the activation email went out there."""
    passport = PassportFactory(garage=garage)
    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(passport, WRONG)
    (message,) = mail.outbox
    mail.outbox.clear()
    return record, activation_path(message.body)


def test_support_corrects_the_email_with_a_reason_an_audit_record_and_a_new_activation(
    client_for, support_user, sent_to_the_wrong_address, django_capture_on_commit_callbacks
):
    record, old_link = sent_to_the_wrong_address
    old_notification = record.notification
    client = client_for(support_user)
    page = client.get(correct_url(record), **EN)
    assert page.status_code == 200
    assert page.context["form"]["new_email"].value() == WRONG

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            correct_url(record), {"new_email": RIGHT, "reason": REASON}, follow=True, **EN
        )

    assert response.redirect_chain[-1][0] == change_url(record)
    assertContains(response, f"Email corrected; a new activation email goes to {RIGHT}.")
    correction = EmailCorrection.objects.get()
    assert (
        correction.transfer,
        correction.old_email,
        correction.new_email,
        correction.reason,
        correction.by_support,
        correction.corrected_by,
    ) == (record, WRONG, RIGHT, REASON, True, support_user)
    assert correction.created_at is not None
    assert LogEntry.objects.filter(user=support_user, object_id=str(record.pk)).exists()
    record.refresh_from_db()
    assert (record.email, record.state) == (RIGHT, Transfer.State.AWAITING_ACTIVATION)
    record.passport.refresh_from_db()
    assert record.passport.contact_email == RIGHT
    old_notification.refresh_from_db()
    assert old_notification.state == Notification.State.SENT  # it had gone out already
    (message,) = mail.outbox
    assert message.to == [RIGHT]
    assert record.notification.kind == Notification.Kind.OWNER_ACTIVATION
    # The old link is dead; the new one works and lands on the car.
    assertContains(Client().get(old_link, **EN), "This link no longer works")
    new_owner_client = Client()
    activated = new_owner_client.post(activation_path(message.body), password_form())
    assert activated["Location"] == portal_car_url(record.passport)
    assert new_owner_client.get(portal_car_url(record.passport)).status_code == 200


def test_the_correction_and_its_audit_trail_show_on_the_transfer_page(
    client_for, support_user, sent_to_the_wrong_address
):
    record, _link = sent_to_the_wrong_address
    client = client_for(support_user)
    client.post(correct_url(record), {"new_email": RIGHT, "reason": REASON})

    response = client.get(change_url(record), **EN)

    assertContains(response, f'href="{correct_url(record)}"')
    assertContains(response, REASON)
    assertContains(response, WRONG)


def test_a_support_correction_needs_a_reason(client_for, support_user, sent_to_the_wrong_address):
    record, old_link = sent_to_the_wrong_address
    client = client_for(support_user)

    for reason in ({}, {"reason": ""}, {"reason": "   "}):
        response = client.post(correct_url(record), {"new_email": RIGHT, **reason}, **EN)
        assert response.status_code == 200
        assert "reason" in response.context["form"].errors, reason

    assert not EmailCorrection.objects.exists()
    record.refresh_from_db()
    assert record.email == WRONG
    assert Notification.objects.count() == 1
    assertContains(Client().get(old_link, follow=True, **EN), "Activate your AutoPaspoort")


def test_correcting_to_the_address_it_already_has_is_a_field_error(
    client_for, support_user, sent_to_the_wrong_address
):
    record, _link = sent_to_the_wrong_address

    response = client_for(support_user).post(
        correct_url(record), {"new_email": WRONG.upper(), "reason": REASON}, **EN
    )

    assert "new_email" in response.context["form"].errors
    assert not EmailCorrection.objects.exists()


def test_a_wrong_person_who_activated_loses_access_after_the_support_correction(
    client_for, support_user, sent_to_the_wrong_address, django_capture_on_commit_callbacks
):
    record, wrong_link = sent_to_the_wrong_address
    wrong_person = Client()
    wrong_person.post(wrong_link, password_form())
    car = portal_car_url(record.passport)
    assert wrong_person.get(car).status_code == 200
    assert can_log_in(WRONG, NEW_PASSWORD)
    record.refresh_from_db()
    assert record.state == Transfer.State.COMPLETED

    with django_capture_on_commit_callbacks(execute=True):
        client_for(support_user).post(correct_url(record), {"new_email": RIGHT, "reason": REASON})

    # Their session is over, they cannot log in again, and the car is not theirs.
    response = wrong_person.get(car)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not can_log_in(WRONG, NEW_PASSWORD)
    assert not can_log_in(RIGHT, NEW_PASSWORD)  # not until the right person activates
    record.refresh_from_db()
    assert record.is_open
    (message,) = mail.outbox
    assert message.to == [RIGHT]
    assertContains(Client().get(wrong_link, **EN), "This link no longer works")
    right_person = Client()
    right_person.post(
        activation_path(message.body),
        {"new_password1": "Juist-2024!x", "new_password2": "Juist-2024!x"},
    )
    assert right_person.get(car).status_code == 200
    assert can_log_in(RIGHT, "Juist-2024!x")


def test_an_existing_account_that_accepted_by_mistake_loses_the_car_after_the_correction(
    client_for, support_user, garage, other_owner
):
    passport = PassportFactory(garage=garage)
    record = transfer(passport, other_owner.email)
    services.transfer_accept(transfer=record, user=other_owner)

    client_for(support_user).post(correct_url(record), {"new_email": RIGHT, "reason": REASON})

    other_owner_client = client_for(other_owner)
    assert other_owner_client.get(portal_car_url(passport)).status_code == 404
    assertNotContains(other_owner_client.get(reverse("portal:home")), passport.plate)
    other_owner.refresh_from_db()
    assert other_owner.is_active  # their own account stays
    record.refresh_from_db()
    assert record.new_owner.email == RIGHT
    assert record.notification.kind == Notification.Kind.OWNER_ACTIVATION


def test_staff_without_the_permission_get_403(sent_to_the_wrong_address, client_for):
    record, _link = sent_to_the_wrong_address
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_transfer"))
    client = client_for(staff)

    assert client.get(correct_url(record)).status_code == 403
    assert (
        client.post(correct_url(record), {"new_email": RIGHT, "reason": REASON}).status_code == 403
    )
    assertNotContains(client.get(change_url(record), **EN), correct_url(record))
    assert not EmailCorrection.objects.exists()
    record.refresh_from_db()
    assert record.email == WRONG


def test_non_staff_never_reach_the_correction_page(sent_to_the_wrong_address, client_for, owner):
    record, _link = sent_to_the_wrong_address

    response = client_for(owner).post(correct_url(record), {"new_email": RIGHT, "reason": REASON})

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert not EmailCorrection.objects.exists()


def test_transfers_are_read_only_records_in_the_admin(
    client_for, support_user, sent_to_the_wrong_address
):
    record, _link = sent_to_the_wrong_address
    client = client_for(support_user)

    assert client.get(reverse("admin:transfers_transfer_add")).status_code == 403
    client.post(change_url(record), {"email": RIGHT, "state": "completed"})
    assert (
        client.post(reverse("admin:transfers_transfer_delete", args=[record.pk])).status_code == 403
    )
    record.refresh_from_db()
    assert (record.email, record.state) == (WRONG, Transfer.State.AWAITING_ACTIVATION)


def test_a_superseded_transfer_cannot_be_corrected(client_for, support_user, garage, other_owner):
    passport = PassportFactory(garage=garage)
    first = transfer(passport, "piet@example.nl")
    services.owner_activate(
        user=first.new_owner,
        token=activation_token_generator.make_token(first.new_owner),
        password=NEW_PASSWORD,
    )
    passport.refresh_from_db()
    transfer(passport, other_owner.email)

    response = client_for(support_user).post(
        correct_url(first), {"new_email": RIGHT, "reason": REASON}, **EN
    )

    assert response.status_code == 200
    assertContains(response, "Only the latest transfer of a car can be corrected.")
    assert not EmailCorrection.objects.exists()


def test_support_can_correct_a_trade_in_that_was_meant_for_a_buyer_without_a_server_error(
    client_for, support_user, garage, owner
):
    """The garage typed its own address by mistake, so the car became stock again (a trade-in);
    support is asked to give it to the buyer's address."""
    passport = customer_passport(garage, owner)
    record = transfer(passport, garage.email)
    client = client_for(support_user, raise_request_exception=False)

    response = client.post(correct_url(record), {"new_email": RIGHT, "reason": REASON}, **EN)

    assert response.status_code in (200, 302)
    passport.refresh_from_db()
    assert passport.is_stock == (passport.owner_id == garage.account_user_id)
