"""Races of a private sale: two sessions of the same owner confirm at once, each on its own
database connection (the pattern of tests/transfers/test_concurrency.py)."""

import threading

import pytest
from django.db import connection

from notifications.models import Notification
from tests.transfers.factories import contact, customer_passport
from transfers.models import Transfer
from transfers.services import transfer_confirm

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def race(passport, actor, emails):
    """One owner's confirmation per email, each from its own thread, all let go at once against
    the version the page showed. Each thread's outcome or exception."""
    barrier = threading.Barrier(len(emails))
    results = [None] * len(emails)
    version = passport.owner_version

    def confirm(index, email):
        try:
            barrier.wait(timeout=10)
            results[index] = transfer_confirm(
                passport=passport,
                contact=contact(email),
                actor=actor,
                via=Transfer.Via.OWNER,
                expected_version=version,
            )
        except Exception as error:  # noqa: BLE001 - the test looks at what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(i, email)) for i, email in enumerate(emails)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_two_sessions_selling_to_two_buyers_at_once_make_one_transfer(garage, owner):
    for round_ in range(3):
        passport = customer_passport(garage, owner)
        buyers = [f"koper{round_}a@example.nl", f"koper{round_}b@example.nl"]

        results = race(passport, owner, buyers)

        won = [result for result in results if not isinstance(result, Exception)]
        assert len(won) == 1, results
        lost = [result for result in results if isinstance(result, Exception)]
        assert "another window" in str(lost[0]) or "ander venster" in str(lost[0]), lost
        sale = Transfer.objects.get(passport=passport)
        passport.refresh_from_db()
        assert passport.owner == sale.new_owner
        assert passport.owner_version == 1
        assert (
            Notification.objects.filter(
                kind=Notification.Kind.GARAGE_PRIVATE_SALE, context__plate=passport.plate
            ).count()
            == 1
        )


def test_the_same_sale_confirmed_twice_at_once_is_one_transfer_and_one_email(garage, owner):
    passport = customer_passport(garage, owner)

    results = race(passport, owner, ["koper@example.nl", "koper@example.nl"])

    assert sorted(result.already_done for result in results) == [False, True], results
    assert Transfer.objects.filter(passport=passport).count() == 1
    assert Notification.objects.filter(context__plate=passport.plate).count() == 3  # buyer,
    # seller's receipt and the garage's notice: once each
