"""AVG retention: a previous owner's contact details on the hand-over records are erased
PREVIOUS_OWNER_RETENTION_DAYS after the transfer that made them previous (beat task); the
transfers themselves and the car's history stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from autopaspoort.models import HistoryEntry
from tests.autopaspoort.factories import HistoryEntryFactory, PassportFactory
from tests.transfers.factories import transfer
from transfers.models import EmailCorrection, OwnerContactChange, Transfer
from transfers.services import owner_contact_update, previous_owners_erase, transfer_accept
from transfers.tasks import erase_previous_owner_details

pytestmark = pytest.mark.django_db

DAYS = 730


@pytest.fixture
def history(garage, owner, other_owner, settings):
    """The car went from stock to `owner` (typed details), whose details the garage corrected;
    then to `other_owner`. Returns (the car, the transfer to owner, the one to other_owner)."""
    settings.PREVIOUS_OWNER_RETENTION_DAYS = DAYS
    car = PassportFactory(garage=garage)
    first = transfer(car, owner.email, name="Eerste Eigenaar", city="Zwolle", phone="0612345678")
    transfer_accept(transfer=first, user=owner)
    car.refresh_from_db()
    owner_contact_update(
        passport=car,
        actor=garage.account_user,
        expected_version=car.owner_version,
        name="Eerste Eigenaar",
        city="Deventer",
        phone="0612345678",
    )
    EmailCorrection.objects.create(
        transfer=first, old_email="typo@example.nl", new_email=owner.email
    )
    HistoryEntryFactory(passport=car, garage=garage)
    second = transfer(car, other_owner.email, name="Tweede Eigenaar")
    transfer_accept(transfer=second, user=other_owner)
    second.refresh_from_db()
    return car, first, second


def test_the_details_stay_until_the_period_has_passed(history):
    car, first, second = history
    just_before = second.created_at + timedelta(days=DAYS) - timedelta(seconds=1)

    assert previous_owners_erase(now=just_before) == 0

    first.refresh_from_db()
    assert (first.name, first.email, first.city) == ("Eerste Eigenaar", first.email, "Zwolle")
    assert first.email != ""
    assert OwnerContactChange.objects.get(passport=car).before != {}


def test_after_the_period_the_previous_owners_details_go_and_the_rest_stays(history):
    car, first, second = history
    history_count = HistoryEntry.objects.filter(passport=car).count()
    at_the_boundary = second.created_at + timedelta(days=DAYS)

    assert previous_owners_erase(now=at_the_boundary) == 1

    first.refresh_from_db()
    assert [first.name, first.email, first.city, first.phone, first.street] == [""] * 5
    assert first.previous_contact == {}
    correction = EmailCorrection.objects.get(transfer=first)
    assert (correction.old_email, correction.new_email) == ("", "")
    change = OwnerContactChange.objects.get(passport=car)
    assert (change.before, change.after) == ({}, {})
    # The current owner's record is untouched; the transfers and the history stay.
    second.refresh_from_db()
    assert second.name == "Tweede Eigenaar"
    assert first.state == Transfer.State.COMPLETED
    assert first.new_owner_id is not None
    assert HistoryEntry.objects.filter(passport=car).count() == history_count
    # Running again erases nothing more (idempotent).
    assert previous_owners_erase(now=at_the_boundary + timedelta(days=1)) == 0


def test_a_cancelled_transfer_does_not_make_anyone_previous(garage, owner, settings):
    from transfers.services import transfer_cancel

    settings.PREVIOUS_OWNER_RETENTION_DAYS = DAYS
    car = PassportFactory(garage=garage)
    first = transfer(car, owner.email, name="Eerste Eigenaar")
    transfer_accept(transfer=first, user=owner)
    sale = transfer(car, "koper@example.nl")
    transfer_cancel(transfer=sale, actor=garage.account_user)

    assert previous_owners_erase(now=timezone.now() + timedelta(days=DAYS + 1)) == 0
    first.refresh_from_db()
    assert (first.name, first.email) == ("Eerste Eigenaar", owner.email)


def test_the_beat_task_runs_the_erasure(history, settings):
    _car, first, second = history
    Transfer.objects.filter(pk=second.pk).update(
        created_at=timezone.now() - timedelta(days=DAYS + 1)
    )

    assert erase_previous_owner_details.apply().get() == 1
    assert "transfers-erase-previous-owners" in settings.CELERY_BEAT_SCHEDULE
    first.refresh_from_db()
    assert first.email == ""
