"""A share link asked for while the car's transfer commits, each on its own connection: the
old owner's link never outlives the transfer (both lock the passport row)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from sharing.models import ShareLink
from sharing.services import share_link_create
from tests.transfers.factories import contact, customer_passport
from transfers.services import transfer_confirm

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def run_together(*jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - the test looks at what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_a_link_made_while_the_transfer_commits_dies_with_it(garage, garage_admin, owner):
    for round_ in range(8):
        car = customer_passport(garage, owner)
        shared, transferred = run_together(
            lambda car=car: share_link_create(passport=car, actor=owner),
            lambda car=car, n=round_: transfer_confirm(
                passport=car, contact=contact(f"koper{n}@example.nl"), actor=garage_admin
            ),
        )
        assert not isinstance(transferred, Exception), transferred
        assert isinstance(shared, ShareLink | PermissionDenied), shared
        assert not ShareLink.objects.active().filter(passport=car).exists()
