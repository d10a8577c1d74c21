"""The appointment services against the database: rules, records, emails queued."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from appointments import services
from appointments.models import Appointment, GarageLightAdvice
from core.errors import ApplicationError
from notifications.models import Notification
from tests.appointments.factories import (
    AFTERNOON,
    MORNING,
    Reason,
    State,
    advise,
    ask,
    in_days,
    slot,
)
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import customer_passport, transfer

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture
def car(garage, owner):
    return customer_passport(garage, owner)


def notifications(kind) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("id"))


# --- Asking ------------------------------------------------------------------------------------


def test_a_request_records_the_times_and_queues_one_email_to_the_garage_account(
    garage, owner, car, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = ask(
            car,
            reason=Reason.WARNING_LIGHT,
            light="oil_pressure",
            note="  Lampje brandt sinds gisteren  ",
            slots=[slot(3), slot(3, AFTERNOON), slot(10)],
        )

    assert appointment.state == State.REQUESTED
    assert (appointment.garage, appointment.owner) == (garage, owner)
    assert appointment.note == "Lampje brandt sinds gisteren"
    assert [(s.position, s.date, s.part_of_day) for s in appointment.slots.all()] == [
        (1, in_days(3), MORNING),
        (2, in_days(3), AFTERNOON),
        (3, in_days(10), MORNING),
    ]
    (notice,) = notifications(Kind.APPOINTMENT_REQUESTED)
    assert (notice.recipient, notice.user, notice.state) == (
        "garage-a@example.nl",
        garage.account_user,
        Notification.State.SENT,
    )
    assert notice.context["plate"] == car.plate
    assert notice.context["event"] == "requested"
    assert len(notice.context["slots"]) == 3
    assert [message.to for message in mail.outbox] == [["garage-a@example.nl"]]


def test_the_garage_email_is_written_in_the_language_of_the_garage_login(garage, car):
    garage.account_user.language = "nl"
    garage.account_user.save(update_fields=["language"])

    ask(car, slots=[services.Slot(date=in_days(7), part_of_day=MORNING)], light="oil_pressure")

    (notice,) = notifications(Kind.APPOINTMENT_REQUESTED)
    assert notice.language == "nl"
    assert notice.context["warning_light"] == "Oliedruk te laag"
    weekday = in_days(7).isoweekday()
    dutch_days = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
    assert notice.context["slots"][0].startswith(dutch_days[weekday - 1])


@pytest.mark.parametrize(
    ("slots", "field"),
    [
        ([], "date_1"),
        ([slot(-1)], "date_1"),
        ([slot(3), slot(400)], "date_2"),
        ([slot(3), slot(3)], "date_2"),
    ],
)
def test_bad_times_are_refused_beside_their_field(car, slots, field):
    with pytest.raises(ApplicationError) as refused:
        ask(car, slots=slots)

    assert refused.value.field == field
    assert not Appointment.objects.exists()
    assert not Notification.objects.exists()


def test_more_than_three_times_are_refused(car):
    with pytest.raises(ApplicationError):
        ask(car, slots=[slot(2), slot(3), slot(4), slot(5)])


def test_an_unknown_warning_light_is_refused(car):
    with pytest.raises(ApplicationError) as refused:
        ask(car, reason=Reason.WARNING_LIGHT, light="flux_capacitor")

    assert refused.value.field == "warning_light"


def test_a_second_open_request_for_the_same_car_is_refused(car):
    ask(car)

    with pytest.raises(ApplicationError, match="already asked"):
        ask(car)

    assert Appointment.objects.count() == 1
    assert len(notifications(Kind.APPOINTMENT_REQUESTED)) == 1


def test_after_a_cancellation_the_owner_may_ask_again(car, owner):
    first = ask(car)
    services.appointment_cancel(appointment=first, actor=owner)

    second = ask(car)

    assert second.state == State.REQUESTED


def test_only_the_owner_of_an_accepted_car_may_ask(garage, owner, other_owner):
    theirs = customer_passport(garage, other_owner)
    stock = PassportFactory(garage=garage)
    waiting = PassportFactory(garage=garage)
    transfer(waiting, owner.email)  # not yet accepted by `owner`

    for passport in (theirs, stock, waiting):
        with pytest.raises(PermissionDenied):
            ask(passport, owner=owner)
    assert not Appointment.objects.exists()


# --- Answering ---------------------------------------------------------------------------------


def test_accepting_a_preferred_time_confirms_it_and_emails_the_owner(
    garage, garage_admin, owner, car
):
    appointment = ask(car)
    second = appointment.slots.get(position=2)

    answered = services.appointment_accept_slot(
        appointment=appointment, slot_id=second.pk, actor=garage_admin, message="Tot dan!"
    )

    assert answered.state == State.CONFIRMED
    assert (answered.planned_date, answered.planned_part_of_day) == (in_days(4), AFTERNOON)
    assert answered.answered_by == garage_admin
    assert answered.answered_at is not None
    assert answered.confirmed_at is not None
    (notice,) = notifications(Kind.APPOINTMENT_ANSWERED)
    assert (notice.recipient, notice.user) == (owner.email, owner)
    assert notice.context["proposed"] is False
    assert notice.context["message"] == "Tot dan!"


def test_a_time_of_another_request_cannot_be_accepted(garage_admin, car, garage, other_owner):
    appointment = ask(car)
    other = ask(customer_passport(garage, other_owner))

    with pytest.raises(ApplicationError):
        services.appointment_accept_slot(
            appointment=appointment, slot_id=other.slots.first().pk, actor=garage_admin
        )


def test_proposing_another_time_waits_for_the_owner_who_accepts_it(
    garage, sales, owner, car, django_capture_on_commit_callbacks
):
    appointment = ask(car)

    with django_capture_on_commit_callbacks(execute=True):
        proposed = services.appointment_propose(
            appointment=appointment, actor=sales, day=in_days(8), part_of_day=AFTERNOON
        )
        confirmed = services.appointment_accept_proposal(appointment=proposed, actor=owner)

    assert proposed.state == State.PROPOSED
    assert confirmed.state == State.CONFIRMED
    assert (confirmed.planned_date, confirmed.planned_part_of_day) == (in_days(8), AFTERNOON)
    assert [n.context["proposed"] for n in notifications(Kind.APPOINTMENT_ANSWERED)] == [True]
    garage_events = [n.context["event"] for n in notifications(Kind.APPOINTMENT_REQUESTED)]
    assert garage_events == ["requested", "accepted"]


def test_a_proposal_in_the_past_is_refused(garage_admin, car):
    appointment = ask(car)

    with pytest.raises(ApplicationError) as refused:
        services.appointment_propose(
            appointment=appointment, actor=garage_admin, day=in_days(-1), part_of_day=MORNING
        )

    assert refused.value.field == "date"


def test_a_second_answer_is_refused_and_says_who_answered(garage_admin, sales, car):
    appointment = ask(car)
    services.appointment_accept_slot(
        appointment=appointment, slot_id=appointment.slots.first().pk, actor=garage_admin
    )

    with pytest.raises(ApplicationError, match="already been answered by Beheerder A"):
        services.appointment_propose(
            appointment=appointment, actor=sales, day=in_days(9), part_of_day=MORNING
        )

    appointment.refresh_from_db()
    assert appointment.state == State.CONFIRMED
    assert len(notifications(Kind.APPOINTMENT_ANSWERED)) == 1


def test_answering_a_cancelled_request_is_refused(garage_admin, owner, car):
    appointment = ask(car)
    services.appointment_cancel(appointment=appointment, actor=owner)

    with pytest.raises(ApplicationError, match="cancelled"):
        services.appointment_accept_slot(
            appointment=appointment, slot_id=appointment.slots.first().pk, actor=garage_admin
        )


def test_mechanics_and_other_garages_may_not_answer(mechanic, other_garage_staff, car):
    appointment = ask(car)

    for actor in (mechanic, other_garage_staff):
        with pytest.raises(PermissionDenied):
            services.appointment_accept_slot(
                appointment=appointment, slot_id=appointment.slots.first().pk, actor=actor
            )
        with pytest.raises(PermissionDenied):
            services.appointment_propose(
                appointment=appointment, actor=actor, day=in_days(9), part_of_day=MORNING
            )
    appointment.refresh_from_db()
    assert appointment.state == State.REQUESTED


def test_a_request_of_a_previous_owner_is_not_answered(garage, garage_admin, car, other_owner):
    appointment = ask(car)
    transfer(car, other_owner.email)

    with pytest.raises(ApplicationError, match="changed owner"):
        services.appointment_accept_slot(
            appointment=appointment, slot_id=appointment.slots.first().pk, actor=garage_admin
        )


# --- The owner's side --------------------------------------------------------------------------


def test_the_owner_cancels_an_open_request_and_the_garage_is_told(owner, car):
    appointment = ask(car)

    cancelled = services.appointment_cancel(appointment=appointment, actor=owner)

    assert cancelled.state == State.CANCELLED
    assert cancelled.cancelled_at is not None
    events = [n.context["event"] for n in notifications(Kind.APPOINTMENT_REQUESTED)]
    assert events == ["requested", "cancelled"]


def test_an_agreed_appointment_is_not_cancelled_online(garage_admin, owner, car):
    appointment = ask(car)
    services.appointment_accept_slot(
        appointment=appointment, slot_id=appointment.slots.first().pk, actor=garage_admin
    )

    with pytest.raises(ApplicationError, match="Call Garage A"):
        services.appointment_cancel(appointment=appointment, actor=owner)


def test_accepting_without_a_proposal_is_refused_and_twice_is_harmless(garage_admin, owner, car):
    appointment = ask(car)
    with pytest.raises(ApplicationError):
        services.appointment_accept_proposal(appointment=appointment, actor=owner)
    services.appointment_propose(
        appointment=appointment, actor=garage_admin, day=in_days(6), part_of_day=MORNING
    )

    services.appointment_accept_proposal(appointment=appointment, actor=owner)
    services.appointment_accept_proposal(appointment=appointment, actor=owner)

    events = [n.context["event"] for n in notifications(Kind.APPOINTMENT_REQUESTED)]
    assert events == ["requested", "accepted"]


def test_another_person_cannot_accept_or_cancel(garage_admin, other_owner, car):
    appointment = ask(car)
    services.appointment_propose(
        appointment=appointment, actor=garage_admin, day=in_days(6), part_of_day=MORNING
    )

    for action in (services.appointment_accept_proposal, services.appointment_cancel):
        with pytest.raises(PermissionDenied):
            action(appointment=appointment, actor=other_owner)
        with pytest.raises(PermissionDenied):
            action(appointment=appointment, actor=garage_admin)


# --- Garage advice -----------------------------------------------------------------------------


def test_garage_advice_is_saved_replaced_and_removed(garage, garage_admin, sales):
    advise(garage, "oil_pressure", "Bel ons: 030-1234567", actor=sales)
    advice = advise(garage, "oil_pressure", "  Kom direct langs.  ", actor=garage_admin)

    assert (advice.text, advice.updated_by) == ("Kom direct langs.", garage_admin)
    assert GarageLightAdvice.objects.count() == 1

    assert advise(garage, "oil_pressure", "   ") is None
    assert not GarageLightAdvice.objects.exists()


def test_mechanics_do_not_write_advice_and_unknown_lights_are_refused(garage, mechanic):
    with pytest.raises(PermissionDenied):
        advise(garage, "oil_pressure", "Kom langs", actor=mechanic)
    with pytest.raises(ApplicationError):
        advise(garage, "warp_drive", "Kom langs")
