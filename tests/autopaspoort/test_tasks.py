from unittest import mock

import pytest
from celery.exceptions import Retry

from autopaspoort import rdw
from autopaspoort.models import Passport
from autopaspoort.tasks import enrich_passport_from_rdw
from tests.autopaspoort.factories import PassportFactory

pytestmark = pytest.mark.django_db

VEHICLES = rdw.VEHICLES_DATASET


def bare_passport(garage, plate="GJ-55-55", **fields):
    """A passport as the API or an import makes one: no vehicle data yet."""
    defaults = {"make": "", "model": "", "colour": "", "fuel": ""}
    return PassportFactory(garage=garage, plate=plate, **{**defaults, **fields})


def test_the_task_fills_the_vehicle_data_from_the_rdw(garage, rdw_server):
    passport = bare_passport(garage)

    enrich_passport_from_rdw.delay(passport.pk)

    passport.refresh_from_db()
    assert passport.rdw_status == Passport.RdwStatus.FOUND
    assert (passport.make, passport.model, passport.fuel) == ("VOLKSWAGEN", "GOLF", "Benzine")


def test_the_task_is_safe_to_run_twice_and_keeps_typed_data(garage, rdw_server):
    passport = bare_passport(garage, plate="TK-301-R", make="Toyota (handmatig)")

    enrich_passport_from_rdw.delay(passport.pk)
    passport.refresh_from_db()
    first = {field: getattr(passport, field) for field in ("make", "model", "fuel", "colour")}
    enrich_passport_from_rdw.delay(passport.pk)
    passport.refresh_from_db()

    assert first["make"] == "Toyota (handmatig)"
    assert first["fuel"] == "Benzine, Elektriciteit"
    assert {field: getattr(passport, field) for field in first} == first
    assert passport.rdw_status == Passport.RdwStatus.FOUND


def test_the_task_retries_with_backoff_while_the_rdw_is_unavailable(garage, rdw_server):
    passport = bare_passport(garage)
    rdw_server.respond(VEHICLES, "GJ5555", status=429)

    with (
        mock.patch.object(enrich_passport_from_rdw, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        enrich_passport_from_rdw(passport.pk)

    retry.assert_called_once_with(countdown=60)
    passport.refresh_from_db()
    assert passport.rdw_status == Passport.RdwStatus.UNAVAILABLE
    assert passport.make == ""


def test_the_task_does_not_retry_a_plate_unknown_to_the_rdw(garage, rdw_server):
    passport = bare_passport(garage, plate="XB-001-B")

    with mock.patch.object(enrich_passport_from_rdw, "retry") as retry:
        enrich_passport_from_rdw(passport.pk)

    assert not retry.called
    passport.refresh_from_db()
    assert passport.rdw_status == Passport.RdwStatus.NOT_FOUND


def test_the_task_does_nothing_when_the_lookup_is_switched_off(garage):
    passport = bare_passport(garage)

    with mock.patch.object(enrich_passport_from_rdw, "retry") as retry:
        enrich_passport_from_rdw(passport.pk)

    assert not retry.called
    passport.refresh_from_db()
    assert passport.rdw_status == Passport.RdwStatus.NOT_ASKED
    assert passport.rdw_checked_at is None


def test_the_task_for_a_deleted_passport_does_nothing(garage):
    passport = bare_passport(garage)
    passport_id = passport.pk
    passport.delete()

    enrich_passport_from_rdw.delay(passport_id)

    assert not Passport.objects.exists()


def test_the_task_is_acknowledged_late():
    assert enrich_passport_from_rdw.acks_late is True
    assert enrich_passport_from_rdw.max_retries == 5
