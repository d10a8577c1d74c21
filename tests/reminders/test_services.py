"""The reminder job (reminders.services.reminders_send_due): what is due, for whom, and that
each due event is sent once however often the job runs."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, translation

from autopaspoort.models import HistoryEntry, Passport
from fleet.services import driver_update
from notifications.models import EmailOptOut, Notification, Topic
from notifications.services import email_unsubscribe
from reminders.models import ReminderSent
from reminders.services import reminders_send_due
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory
from tests.fleet.factories import FleetFactory, link, manager_of
from tests.reminders.factories import (
    bulk_due_cars,
    customer_passport,
    days_from_today,
    message_texts,
    messages_to,
    run_job,
    service,
)
from tests.transfers.factories import transfer
from transfers.models import Transfer
from transfers.services import transfer_accept

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def in_english(*users):
    """Text assertions read the English email (the Dutch catalogue is written separately)."""
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def kinds_sent_to(address) -> list[str]:
    return sorted(Notification.objects.filter(recipient=address).values_list("kind", flat=True))


# --- APK ------------------------------------------------------------------------------------


def test_an_owner_is_reminded_of_the_apk_once_however_often_the_job_runs(
    garage, owner, django_capture_on_commit_callbacks
):
    passport = customer_passport(garage, owner, apk_expires=days_from_today(30))

    assert run_job(django_capture_on_commit_callbacks) == 1
    assert run_job(django_capture_on_commit_callbacks) == 0
    assert run_job(django_capture_on_commit_callbacks) == 0

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert passport.plate in message.subject
    notification = Notification.objects.get()
    assert (notification.kind, notification.user, notification.state) == (
        Kind.REMINDER_APK,
        owner,
        Notification.State.SENT,
    )
    record = ReminderSent.objects.get()
    assert (record.kind, record.due_key, record.recipient, record.notification) == (
        ReminderSent.Kind.APK_6_WEEKS,
        passport.apk_expires.isoformat(),
        owner.email,
        notification,
    )


def test_six_weeks_and_one_week_before_the_apk_are_two_separate_reminders(
    garage, owner, django_capture_on_commit_callbacks
):
    in_english(owner)
    apk = days_from_today(40)
    customer_passport(garage, owner, apk_expires=apk)

    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(-10)) == 0  # 50 days
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(0)) == 1  # 40 days
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(20)) == 0  # 20 days
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(34)) == 1  # 6 days
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(38)) == 0  # 2 days
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(41)) == 0  # expired

    assert list(ReminderSent.objects.order_by("id").values_list("kind", flat=True)) == [
        ReminderSent.Kind.APK_6_WEEKS,
        ReminderSent.Kind.APK_1_WEEK,
    ]
    assert len(mail.outbox) == 2
    assert "in 40 days" in mail.outbox[0].body
    assert "in 6 days" in mail.outbox[1].body


def test_an_apk_that_comes_within_a_week_at_once_gets_one_reminder_not_two(
    garage, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner, apk_expires=days_from_today(3))

    assert run_job(django_capture_on_commit_callbacks) == 1

    assert list(ReminderSent.objects.values_list("kind", flat=True)) == [
        ReminderSent.Kind.APK_1_WEEK
    ]


def test_a_renewed_apk_is_a_new_event(garage, owner, django_capture_on_commit_callbacks):
    passport = customer_passport(garage, owner, apk_expires=days_from_today(5))
    run_job(django_capture_on_commit_callbacks)
    Passport.objects.filter(pk=passport.pk).update(apk_expires=days_from_today(30))
    run_job(django_capture_on_commit_callbacks, today=days_from_today(365 - 30 - 5))

    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(0)) == 1
    assert ReminderSent.objects.count() == 2


def test_cars_outside_the_window_get_no_apk_reminder(
    garage, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner, apk_expires=days_from_today(43))
    customer_passport(garage, owner, apk_expires=days_from_today(-1))
    customer_passport(garage, owner, apk_expires=None)

    assert run_job(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


# --- Maintenance ----------------------------------------------------------------------------


def test_a_car_with_three_services_is_reminded_by_its_own_rhythm(
    garage, owner, django_capture_on_commit_callbacks
):
    """Serviced every 8 months: due 8 months after the last service, and the email says so
    instead of "more than a year ago"."""
    in_english(owner)
    passport = customer_passport(garage, owner)
    for days_ago, km in [(730, 40_000), (487, 45_000), (244, 50_000)]:
        service(passport, days_ago=days_ago, km=km)

    assert run_job(django_capture_on_commit_callbacks) == 1

    [message] = mail.outbox
    assert "serviced about every 8 months" in message.body
    assert "more than a year ago" not in message.body


def test_maintenance_is_due_twelve_months_after_the_last_service(
    garage, owner, django_capture_on_commit_callbacks
):
    in_english(owner)
    passport = customer_passport(garage, owner)
    entry = service(passport, days_ago=400, km=49_000)
    service(passport, days_ago=100, km=49_500, kind=HistoryEntry.Kind.REPAIR)  # not maintenance

    assert run_job(django_capture_on_commit_callbacks) == 1
    assert run_job(django_capture_on_commit_callbacks) == 0

    [message] = mail.outbox
    assert message.subject == f"Maintenance is due for {passport.plate}"
    assert "more than a year ago" in message.body
    record = ReminderSent.objects.get()
    assert (record.kind, record.due_key) == (
        ReminderSent.Kind.MAINTENANCE_DATE,
        f"service-{entry.pk}",
    )


def test_a_service_eleven_months_ago_is_not_due_yet(
    garage, owner, django_capture_on_commit_callbacks
):
    passport = customer_passport(garage, owner)
    service(passport, days_ago=335, km=49_000)

    assert run_job(django_capture_on_commit_callbacks) == 0


def test_maintenance_is_due_by_the_estimated_mileage(
    garage, owner, django_capture_on_commit_callbacks
):
    """Service 200 days ago at 10,000 km, a repair 100 days ago at 20,000 km: 100 km a day, so
    about 30,000 km today and 20,000 since the service, though the latest reading says 10,000."""
    in_english(owner)
    passport = customer_passport(garage, owner, initial_odometer_km=None)
    entry = service(passport, days_ago=200, km=10_000, kind=HistoryEntry.Kind.LARGE_SERVICE)
    service(passport, days_ago=100, km=20_000, kind=HistoryEntry.Kind.REPAIR)

    assert run_job(django_capture_on_commit_callbacks) == 1

    record = ReminderSent.objects.get()
    assert (record.kind, record.due_key) == (
        ReminderSent.Kind.MAINTENANCE_KM,
        f"service-{entry.pk}",
    )
    assert "has driven about 20,000 km since its last service" in mail.outbox[0].body


def test_a_new_service_ends_the_due_maintenance_and_starts_a_new_count(
    garage, owner, django_capture_on_commit_callbacks
):
    passport = customer_passport(garage, owner)
    service(passport, days_ago=400, km=40_000)
    run_job(django_capture_on_commit_callbacks)
    service(passport, days_ago=1, km=50_000)

    assert run_job(django_capture_on_commit_callbacks) == 0
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(370)) == 1
    assert ReminderSent.objects.count() == 2


def test_due_by_date_and_mileage_at_once_is_one_email_and_two_records(
    garage, owner, django_capture_on_commit_callbacks
):
    in_english(owner)
    passport = customer_passport(garage, owner, initial_odometer_km=None)
    service(passport, days_ago=500, km=10_000)
    service(passport, days_ago=10, km=40_000, kind=HistoryEntry.Kind.TYRES)

    assert run_job(django_capture_on_commit_callbacks) == 1

    assert set(ReminderSent.objects.values_list("kind", flat=True)) == {
        ReminderSent.Kind.MAINTENANCE_DATE,
        ReminderSent.Kind.MAINTENANCE_KM,
    }
    assert len({r.notification_id for r in ReminderSent.objects.all()}) == 1
    assert "more than a year ago, and the car has driven about 30,612 km" in mail.outbox[0].body


def test_a_car_without_a_service_on_record_gets_no_maintenance_reminder(
    garage, owner, django_capture_on_commit_callbacks
):
    passport = customer_passport(garage, owner)
    service(passport, days_ago=800, km=1_000, kind=HistoryEntry.Kind.APK)

    assert run_job(django_capture_on_commit_callbacks) == 0


# --- Who gets them --------------------------------------------------------------------------


def test_stock_cars_and_cars_awaiting_activation_get_no_reminders(
    garage, django_capture_on_commit_callbacks
):
    stock = PassportFactory(garage=garage, apk_expires=days_from_today(10))
    service(stock, days_ago=500, km=1_000)
    waiting = PassportFactory(garage=garage, apk_expires=days_from_today(10))
    transfer(waiting, "koper@example.nl")
    mail.outbox.clear()

    assert run_job(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_a_transfer_moves_future_reminders_to_the_new_owner(
    garage, owner, other_owner, django_capture_on_commit_callbacks
):
    passport = customer_passport(garage, owner, apk_expires=days_from_today(30))
    run_job(django_capture_on_commit_callbacks)
    assert kinds_sent_to(owner.email) == [Kind.REMINDER_APK]

    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(passport, other_owner.email)
    mail.outbox.clear()
    assert run_job(django_capture_on_commit_callbacks) == 0  # not yet accepted by the new owner

    transfer_accept(transfer=record, user=other_owner)
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(1)) == 1
    assert run_job(django_capture_on_commit_callbacks, today=days_from_today(25)) == 1  # 1 week

    assert [m.to for m in mail.outbox] == [[other_owner.email], [other_owner.email]]
    assert kinds_sent_to(owner.email) == [Kind.REMINDER_APK, Kind.TRANSFER_RECEIPT]
    assert Transfer.objects.get().state == Transfer.State.COMPLETED


def test_the_driver_of_a_fleet_car_is_reminded_too(
    garage, owner, django_capture_on_commit_callbacks
):
    fleet = FleetFactory(garages=[garage])
    passport = customer_passport(garage, owner, apk_expires=days_from_today(30))
    link(passport, fleet)
    driver_update(
        passport=passport,
        actor=manager_of(fleet),
        name="Dirk Rijder",
        email="Dirk@Example.nl",
        phone="",
    )

    assert run_job(django_capture_on_commit_callbacks) == 2
    assert run_job(django_capture_on_commit_callbacks) == 0

    [to_driver] = messages_to(mail.outbox, "dirk@example.nl")
    assert "Dirk Rijder" in to_driver.body
    assert "/mijn/" not in message_texts(to_driver)  # no account: no portal link
    [to_owner] = messages_to(mail.outbox, owner.email)
    assert f"/mijn/{passport.plate}/" in to_owner.body
    driver_row = Notification.objects.get(recipient="dirk@example.nl")
    assert driver_row.user is None


def test_a_driver_who_is_the_owner_gets_one_email(
    garage, owner, django_capture_on_commit_callbacks
):
    fleet = FleetFactory(garages=[garage])
    passport = customer_passport(garage, owner, apk_expires=days_from_today(30))
    link(passport, fleet)
    Passport.objects.filter(pk=passport.pk).update(driver_email=owner.email)

    assert run_job(django_capture_on_commit_callbacks) == 1


def test_a_driver_of_a_car_that_is_not_in_a_fleet_is_not_emailed(
    garage, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner, apk_expires=days_from_today(30), driver_email="oud@example.nl")

    assert run_job(django_capture_on_commit_callbacks) == 1
    assert messages_to(mail.outbox, "oud@example.nl") == []


def test_owners_who_switched_reminders_off_are_skipped(
    garage, owner, django_capture_on_commit_callbacks
):
    owner.reminders_enabled = False
    owner.save(update_fields=["reminders_enabled"])
    customer_passport(garage, owner, apk_expires=days_from_today(30))

    assert run_job(django_capture_on_commit_callbacks) == 0
    assert ReminderSent.objects.count() == 0  # nothing recorded: switched on again, it comes

    owner.reminders_enabled = True
    owner.save(update_fields=["reminders_enabled"])
    assert run_job(django_capture_on_commit_callbacks) == 1


def test_a_driver_who_opted_out_by_link_is_skipped_and_the_owner_still_reminded(
    garage, owner, django_capture_on_commit_callbacks
):
    fleet = FleetFactory(garages=[garage])
    passport = customer_passport(garage, owner, apk_expires=days_from_today(30))
    link(passport, fleet)
    Passport.objects.filter(pk=passport.pk).update(driver_email="dirk@example.nl")
    email_unsubscribe(email="dirk@example.nl", topic=Topic.REMINDERS)

    assert run_job(django_capture_on_commit_callbacks) == 1

    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert EmailOptOut.objects.filter(email="dirk@example.nl", topic=Topic.REMINDERS).exists()


def test_a_driver_with_an_account_that_switched_reminders_off_is_skipped(
    garage, owner, django_capture_on_commit_callbacks
):
    driver = UserFactory(email="dirk@example.nl", reminders_enabled=False)
    fleet = FleetFactory(garages=[garage])
    passport = customer_passport(garage, owner, apk_expires=days_from_today(30))
    link(passport, fleet)
    Passport.objects.filter(pk=passport.pk).update(driver_email=driver.email)

    assert run_job(django_capture_on_commit_callbacks) == 1
    assert messages_to(mail.outbox, driver.email) == []


def test_the_email_is_in_the_owners_language(garage, django_capture_on_commit_callbacks):
    dutch = UserFactory(language="nl")
    english = UserFactory(language="en")
    apk = days_from_today(30)
    customer_passport(garage, dutch, apk_expires=apk)
    customer_passport(garage, english, apk_expires=apk)

    run_job(django_capture_on_commit_callbacks)

    for person in (dutch, english):
        [message] = messages_to(mail.outbox, person.email)
        with translation.override(person.language):
            assert formats.date_format(apk, "DATE_FORMAT") in message.subject
        assert Notification.objects.get(recipient=person.email).language == person.language


# --- Chunks and queries ---------------------------------------------------------------------


def test_the_job_reads_the_cars_in_chunks_and_misses_none(
    garage, django_capture_on_commit_callbacks
):
    cars = bulk_due_cars(garage, count=7)

    assert run_job(django_capture_on_commit_callbacks, chunk_size=3) == 14
    assert run_job(django_capture_on_commit_callbacks, chunk_size=3) == 0

    assert set(ReminderSent.objects.values_list("passport_id", flat=True)) == {
        car.pk for car in cars
    }


# Queries of a run over one chunk in which every reminder was sent before: the chunk with its
# last services, the odometer readings (checks, history), the cars' own service intervals, the
# opt-outs, the records, plus the savepoint around the chunk.
QUERIES_NOTHING_NEW = 8
# A first run: the same, each email's outbox row, and one insert of all records.
QUERIES_FIRST_RUN = QUERIES_NOTHING_NEW + 1


@pytest.mark.parametrize("cars", [5, 50])
def test_the_jobs_queries_do_not_grow_with_the_number_of_cars(
    garage, django_assert_num_queries, cars
):
    bulk_due_cars(garage, count=cars)

    with CaptureQueriesContext(connection) as first:
        emails = reminders_send_due()
    assert emails == 2 * cars
    assert len(first.captured_queries) == QUERIES_FIRST_RUN + emails

    with django_assert_num_queries(QUERIES_NOTHING_NEW):
        assert reminders_send_due() == 0
