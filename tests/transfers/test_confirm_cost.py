"""What one confirmation costs (issue 22, B5): a fixed set of queries, no password hashed, the
transfer row written once with its email, and nothing shared between the transfers of one garage
(many at once, each on its own connection, all commit with one email each)."""

import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from autopaspoort.models import Passport
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import EN, TYPED, contact, submit, transfer_url
from transfers.models import Transfer
from transfers.services import transfer_confirm


def confirm_step(client, passport, email):
    """The form and "Next"; returns the confirmation page whose green check is pressed."""
    url = transfer_url(passport)
    page = client.get(url, **EN)
    return client.post(
        url, submit(page, button=("step", "details"), changes={**TYPED, "email": email}), **EN
    )


@pytest.mark.django_db
def test_the_green_check_costs_a_fixed_number_of_queries_and_hashes_no_password(
    client_for, garage, sales, django_assert_num_queries
):
    passport = PassportFactory(garage=garage)
    client = client_for(sales)
    confirm = confirm_step(client, passport, "piet@example.nl")

    # The user and the car (session and membership come from the shared cache, warmed by the
    # steps before); then the transaction (here a savepoint and its
    # release, inside the test's own): the car locked, its last transfer, the role, the
    # buyer's address looked up, the buyer's account (inserted inactive, not updated after),
    # the email in the outbox, the transfer (written once, with its email), the car, share
    # links revoked, quotes withdrawn. No session write: nothing was prefilled.
    with django_assert_num_queries(14):
        response = client.post(
            transfer_url(passport), submit(confirm, button=("step", "confirm")), **EN
        )

    assert response.status_code == 302
    record = Transfer.objects.select_related("new_owner", "notification").get()
    buyer = record.new_owner
    assert (buyer.email, buyer.is_active, buyer.has_usable_password()) == (
        "piet@example.nl",
        False,
        False,  # activation sets the password: nothing to hash now
    )
    assert (record.notification.kind, record.notification.recipient) == (
        Notification.Kind.OWNER_ACTIVATION,
        "piet@example.nl",
    )


CARS = 8


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_many_transfers_of_one_garage_at_once_all_commit_with_one_email_each(garage, sales):
    """No row is shared by a garage's transfers (no counter, no garage row locked): eight at
    once, each on its own connection, all commit; committed = emails queued = emails sent."""
    cars = [PassportFactory(garage=garage) for _ in range(CARS)]
    barrier = threading.Barrier(CARS)
    results = [None] * CARS

    def confirm(index, passport):
        try:
            barrier.wait(timeout=10)
            results[index] = transfer_confirm(
                passport=passport,
                contact=contact(f"koper{index}@example.nl"),
                actor=sales,
                expected_version=0,
            )
        except Exception as error:  # noqa: BLE001 - the test looks at what each thread got
            results[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=confirm, args=(index, passport))
        for index, passport in enumerate(cars)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads)
    assert [type(result).__name__ for result in results] == ["TransferOutcome"] * CARS
    assert Transfer.objects.filter(garage=garage).count() == CARS
    assert Passport.objects.filter(garage=garage, owner_version=1).count() == CARS
    emails = Notification.objects.filter(kind=Notification.Kind.OWNER_ACTIVATION)
    assert sorted(emails.values_list("recipient", flat=True)) == sorted(
        f"koper{index}@example.nl" for index in range(CARS)
    )
    assert all(t.notification_id for t in Transfer.objects.all())
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        f"koper{index}@example.nl" for index in range(CARS)
    )


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_transfer_waits_for_no_other_open_transfer_of_the_same_garage(garage, sales):
    """While one transfer's transaction is still open (its locks held), a transfer of another
    car of the same garage goes through at once: nothing per garage (a counter, the garage
    row) is locked by a transfer, so a garage's clients never queue on each other."""
    first, second = PassportFactory(garage=garage), PassportFactory(garage=garage)
    held, release = threading.Event(), threading.Event()
    errors = []

    def hold_first_open():
        try:
            with transaction.atomic():
                transfer_confirm(
                    passport=first, contact=contact("een@example.nl"), actor=sales,
                    expected_version=0,
                )  # fmt: skip
                held.set()
                release.wait(timeout=20)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            held.set()
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=hold_first_open)
    thread.start()
    try:
        assert held.wait(timeout=10)
        with transaction.atomic():
            with connection.cursor() as cursor:  # a lock wait fails instead of hanging
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            transfer_confirm(
                passport=second, contact=contact("twee@example.nl"), actor=sales,
                expected_version=0,
            )  # fmt: skip
    finally:
        release.set()
        thread.join(timeout=30)

    assert errors == []
    assert sorted(Transfer.objects.values_list("email", flat=True)) == [
        "een@example.nl",
        "twee@example.nl",
    ]
