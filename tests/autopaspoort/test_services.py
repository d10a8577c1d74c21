from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from autopaspoort import rdw, services, tasks
from autopaspoort.models import HistoryEntry, Passport, StatusCheck, StatusCheckItem
from core.errors import ApplicationError
from tests.autopaspoort.factories import (
    Component,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.helpers import queued_work

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Service messages are compared in English (the app speaks Dutch by default)."""
    with translation.override("en"):
        yield


def create(garage, actor=None, **kwargs):
    kwargs.setdefault("plate", "gj-555-k")
    kwargs.setdefault("owner_email", garage.email)
    kwargs.setdefault("vehicle", {"make": "VOLKSWAGEN", "model": "GOLF"})
    return services.passport_create(garage=garage, actor=actor or garage.account_user, **kwargs)


def add_history(passport, *, on, km, reason="", actor=None):
    return services.history_entry_add(
        passport=passport,
        actor=actor or passport.garage.account_user,
        kind=HistoryEntry.Kind.REPAIR,
        on=on,
        odometer_km=km,
        description="Uitlaat vervangen",
        odometer_correction_reason=reason,
    )


today = timezone.localdate


# --- Stock rule ---------------------------------------------------------------------------------


def test_garage_account_email_in_any_case_makes_a_stock_passport(garage, garage_admin):
    passport = create(garage, owner_email="  GARAGE-A@Example.nl ", odometer_km=12_000)

    assert passport.state == Passport.State.STOCK
    assert passport.is_stock
    assert passport.owner == garage.account_user
    assert passport.activated_at is not None
    assert passport.contact_email == "garage-a@example.nl"
    assert passport.plate == "GJ-555-K"
    assert passport.plate_compact == "GJ555K"
    assert passport.created_by == garage_admin
    assert (passport.odometer_km, passport.initial_odometer_km) == (12_000, 12_000)
    assert passport.odometer_read_on == today()


def test_another_owner_email_is_refused_until_transfers_exist(garage):
    with pytest.raises(ApplicationError) as refused:
        create(garage, owner_email="klant@example.nl")

    assert refused.value.field == "owner_email"
    assert "garage-a@example.nl" in refused.value.message
    assert not Passport.objects.exists()


def test_a_sales_person_may_create_but_a_mechanic_may_not(garage, sales, mechanic):
    assert create(garage, actor=sales).is_stock

    with pytest.raises(PermissionDenied):
        create(garage, actor=mechanic, plate="GJ-556-K")
    assert Passport.objects.count() == 1


def test_staff_of_another_garage_cannot_create_for_this_garage(garage, other_garage_staff):
    with pytest.raises(PermissionDenied):
        create(garage, actor=other_garage_staff)

    assert not Passport.objects.exists()


def test_an_invalid_plate_is_a_validation_error(garage):
    with pytest.raises(ValidationError):
        create(garage, plate="AA-12-34")

    assert not Passport.objects.exists()


def test_a_plate_with_a_passport_at_this_garage_is_refused_with_its_own_message(garage):
    create(garage, plate="GJ-555-K")

    with pytest.raises(ApplicationError) as refused:
        create(garage, plate="gj555k")

    assert refused.value.field == "plate"
    assert "Your garage already has" in refused.value.message
    assert Passport.objects.count() == 1


def test_a_plate_with_a_passport_at_another_garage_is_refused_with_another_message(
    garage, other_garage
):
    create(other_garage, plate="GJ-555-K")

    with pytest.raises(ApplicationError) as refused:
        create(garage, plate="GJ555K")

    assert refused.value.field == "plate"
    assert "another garage or owner" in refused.value.message
    assert Passport.objects.get().garage == other_garage


def test_a_plate_registered_meanwhile_is_refused_not_a_server_error(garage, other_garage):
    """No lookup before the insert (a caller may have looked already, or another request may
    register the plate a moment later): the unique index refuses the insert and the service
    says what a person can act on."""
    create(other_garage, plate="GJ-555-K")

    with CaptureQueriesContext(connection) as queries, pytest.raises(ApplicationError) as refused:
        create(garage, plate="GJ-555-K")

    assert refused.value.field == "plate"
    assert "another garage or owner" in refused.value.message
    assert Passport.objects.filter(plate="GJ-555-K").count() == 1
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1  # refused by the index, then explained


# --- RDW enrichment -----------------------------------------------------------------------------


def test_a_passport_without_vehicle_data_enqueues_the_rdw_lookup_after_commit(
    garage, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks.enrich_passport_from_rdw, "apply_async") as publish:
        with django_capture_on_commit_callbacks() as callbacks:
            passport = create(garage, vehicle=None)
        assert not publish.called, "enqueued inside the transaction"

        (enqueue,) = queued_work(callbacks)
        enqueue()
        publish.assert_called_once_with(args=(passport.pk,), countdown=None)


def test_a_passport_with_typed_vehicle_data_is_not_looked_up_afterwards(
    garage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        create(garage, vehicle={"make": "VOLKSWAGEN", "model": "", "colour": None})

    assert queued_work(callbacks) == []


def test_a_broker_that_is_down_does_not_fail_the_creation(
    garage, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(
            tasks.enrich_passport_from_rdw,
            "apply_async",
            side_effect=ConnectionError("broker down"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        passport = create(garage, vehicle=None)

    assert Passport.objects.filter(pk=passport.pk).exists()


def test_enrichment_with_the_lookup_switched_off_changes_nothing(garage):
    passport = create(garage, vehicle=None)

    assert services.passport_enrich_from_rdw(passport_id=passport.pk) == rdw.DISABLED

    passport.refresh_from_db()
    assert passport.rdw_status == Passport.RdwStatus.NOT_ASKED
    assert passport.make == ""


def test_enrichment_fills_the_vehicle_data_from_the_rdw_after_commit(
    garage, rdw_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        passport = create(garage, plate="gj-55-55", vehicle=None)

    passport.refresh_from_db()
    assert passport.rdw_status == Passport.RdwStatus.FOUND
    assert passport.rdw_checked_at is not None
    assert (passport.make, passport.model, passport.colour, passport.fuel) == (
        "VOLKSWAGEN",
        "GOLF",
        "GRIJS",
        "Benzine",
    )
    assert passport.first_admission.isoformat() == "2016-03-14"
    assert passport.rdw_odometer_judgement == "Logisch"


def test_enrichment_fills_only_empty_fields_and_never_overwrites_typed_ones(garage, rdw_server):
    passport = create(garage, plate="GJ-55-55", vehicle={"make": "VW", "colour": "ZWART"})

    assert services.passport_enrich_from_rdw(passport_id=passport.pk) == rdw.FOUND

    passport.refresh_from_db()
    assert passport.make == "VW"
    assert passport.colour == "ZWART"
    assert passport.model == "GOLF"
    assert passport.fuel == "Benzine"
    assert passport.rdw_status == Passport.RdwStatus.FOUND


def test_enrichment_of_a_plate_unknown_to_the_rdw_records_not_found(garage, rdw_server):
    passport = create(garage, plate="XB-001-B", vehicle=None)

    assert services.passport_enrich_from_rdw(passport_id=passport.pk) == rdw.NOT_FOUND

    passport.refresh_from_db()
    assert passport.rdw_status == Passport.RdwStatus.NOT_FOUND
    assert passport.make == ""


def test_enrichment_with_the_rdw_unreachable_records_unavailable(garage, rdw_server):
    passport = create(garage, plate="GJ-55-55", vehicle=None)
    rdw_server.respond(rdw.VEHICLES_DATASET, "GJ5555", status=503)

    assert services.passport_enrich_from_rdw(passport_id=passport.pk) == rdw.UNAVAILABLE

    passport.refresh_from_db()
    assert passport.rdw_status == Passport.RdwStatus.UNAVAILABLE
    assert passport.rdw_checked_at is not None
    assert passport.make == ""


def test_enrichment_of_a_deleted_passport_does_nothing(garage):
    passport = create(garage, vehicle=None)
    passport_id = passport.pk
    passport.delete()

    assert services.passport_enrich_from_rdw(passport_id=passport_id) is None


# --- Status checks ------------------------------------------------------------------------------


def test_a_status_check_is_saved_with_its_items_and_becomes_the_latest(garage, mechanic):
    passport = PassportFactory(garage=garage)

    check = record_check(
        passport,
        actor=mechanic,
        odometer_km=51_000,
        items=[
            item(Component.TYRES_FRONT, Rating.SOON, "240.00", tread_depth_mm=Decimal("2.5")),
            item(Component.OTHER, Rating.NOW, "80.00", description="Trekhaak"),
        ],
    )

    passport.refresh_from_db()
    assert passport.latest_check == check
    assert passport.odometer_km == 51_000
    assert check.performed_by == mechanic
    assert check.garage == garage
    labels = [str(i) for i in check.items.order_by("id")]
    assert labels == ["Tyres front", "Trekhaak"]


def test_a_correcting_check_is_a_new_check_and_leaves_the_original_unchanged(garage, mechanic):
    passport = PassportFactory(garage=garage)
    original = record_check(passport, actor=mechanic, items=[item(rating=Rating.NOW, cost="99")])
    before = list(original.items.values_list("component", "rating", "estimated_cost"))

    correction = record_check(
        passport, actor=mechanic, items=[item(rating=Rating.OK)], corrects=original
    )

    original.refresh_from_db()
    passport.refresh_from_db()
    assert correction.pk != original.pk
    assert correction.corrects == original
    assert list(original.items.values_list("component", "rating", "estimated_cost")) == before
    assert passport.latest_check == correction
    assert StatusCheck.objects.count() == 2


def test_a_correction_must_be_for_a_check_of_the_same_car(garage):
    passport, other = PassportFactory(garage=garage), PassportFactory(garage=garage)
    others_check = record_check(other)

    with pytest.raises(ApplicationError):
        record_check(passport, corrects=others_check)

    assert not StatusCheck.objects.filter(passport=passport).exists()


def test_a_status_check_needs_items(garage):
    passport = PassportFactory(garage=garage)

    with pytest.raises(ApplicationError):
        services.status_check_record(
            passport=passport, actor=garage.account_user, odometer_km=50_000, items=[]
        )


def test_a_sales_person_cannot_record_a_check(garage, sales):
    with pytest.raises(PermissionDenied):
        record_check(PassportFactory(garage=garage), actor=sales)


def test_delivery_marks_of_a_customer_car_are_ignored(garage):
    passport = PassportFactory(garage=garage, customer=True)

    check = record_check(passport, items=[item(rating=Rating.NOW, fix_before_delivery=True)])

    assert check.items.get().fix_before_delivery is False


# --- Delivery planning --------------------------------------------------------------------------


def test_sales_plans_an_item_of_the_latest_check_for_delivery(garage, sales):
    check = record_check(PassportFactory(garage=garage), items=[item(rating=Rating.NOW)])
    finding = check.items.get()

    services.check_item_set_delivery(item=finding, actor=sales, fix_before_delivery=True)

    finding.refresh_from_db()
    assert finding.fix_before_delivery is True


def test_a_mechanic_cannot_plan_delivery(garage, mechanic):
    finding = record_check(PassportFactory(garage=garage)).items.get()

    with pytest.raises(PermissionDenied):
        services.check_item_set_delivery(item=finding, actor=mechanic, fix_before_delivery=True)


def test_only_items_of_the_latest_check_can_be_planned(garage):
    passport = PassportFactory(garage=garage)
    old_check = record_check(passport, items=[item(rating=Rating.NOW)])
    record_check(passport)
    old_finding = StatusCheckItem.objects.get(status_check=old_check)  # as the view loads it

    with pytest.raises(ApplicationError):
        services.check_item_set_delivery(
            item=old_finding, actor=garage.account_user, fix_before_delivery=True
        )

    old_finding.refresh_from_db()
    assert old_finding.fix_before_delivery is False


def test_delivery_cannot_be_planned_for_a_customer_car(garage):
    finding = record_check(PassportFactory(garage=garage, customer=True)).items.get()

    with pytest.raises(ApplicationError):
        services.check_item_set_delivery(
            item=finding, actor=garage.account_user, fix_before_delivery=True
        )


# --- Odometer rule ------------------------------------------------------------------------------


def test_a_lower_reading_in_the_history_needs_a_correction_reason(garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    with pytest.raises(ApplicationError) as refused:
        add_history(passport, on=today(), km=49_000)

    assert refused.value.field == "odometer_km"
    assert not HistoryEntry.objects.exists()
    passport.refresh_from_db()
    assert passport.odometer_logical is True


def test_a_lower_reading_with_a_reason_is_saved_and_marks_the_series_not_logical(garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    entry = add_history(passport, on=today(), km=49_000, reason="Teller vervangen")

    passport.refresh_from_db()
    assert entry.odometer_correction_reason == "Teller vervangen"
    assert passport.odometer_logical is False
    assert passport.odometer_km == 49_000


def test_a_blank_reason_is_no_reason(garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    with pytest.raises(ApplicationError):
        add_history(passport, on=today(), km=49_000, reason="   ")


def test_back_dated_history_with_a_lower_reading_before_a_higher_one_is_logical(garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    add_history(passport, on=today() - timedelta(days=365), km=30_000)
    add_history(passport, on=today() - timedelta(days=100), km=42_000)

    passport.refresh_from_db()
    assert passport.odometer_logical is True
    assert passport.odometer_km == 50_000, "an older reading does not replace the current one"
    assert passport.odometer_read_on == today()


def test_back_dated_history_higher_than_a_later_reading_needs_a_reason(garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    with pytest.raises(ApplicationError) as refused:
        add_history(passport, on=today() - timedelta(days=30), km=60_000)

    assert refused.value.field == "odometer_km"


def test_history_in_the_future_is_refused(garage):
    passport = PassportFactory(garage=garage)

    with pytest.raises(ApplicationError) as refused:
        add_history(passport, on=today() + timedelta(days=1), km=60_000)

    assert refused.value.field == "date"
    assert not HistoryEntry.objects.exists()


def test_a_check_with_a_lower_reading_needs_a_reason_and_then_marks_not_logical(garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    with pytest.raises(ApplicationError) as refused:
        record_check(passport, odometer_km=40_000)
    assert refused.value.field == "odometer_km"
    assert not StatusCheck.objects.exists()

    record_check(passport, odometer_km=40_000, odometer_correction_reason="Typefout bij intake")

    passport.refresh_from_db()
    assert passport.odometer_logical is False
    assert passport.odometer_km == 40_000


def test_a_mechanic_adds_history_but_a_sales_person_may_not(garage, mechanic, sales):
    passport = PassportFactory(garage=garage)

    entry = add_history(passport, on=today(), km=50_100, actor=mechanic)
    assert entry.created_by == mechanic

    with pytest.raises(PermissionDenied):
        add_history(passport, on=today(), km=50_200, actor=sales)
