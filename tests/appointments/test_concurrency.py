"""Races: two colleagues answer the same request at the same moment, each on their own database
connection; an owner cancels while the garage answers; two tabs send the same request."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from appointments import services
from appointments.models import Appointment
from core.errors import ApplicationError
from notifications.models import Notification
from tests.appointments.factories import MORNING, State, ask, form_data, in_days, request_url
from tests.transfers.factories import customer_passport

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


def race(*actions):
    """Run each action in its own thread, all let go at once; each thread's result or error."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        translation.activate("en")  # the language is per thread; messages are asserted in English
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as error:  # noqa: BLE001 - the test looks at what each thread got
            results[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def answers_to_owner(appointment) -> int:
    return Notification.objects.filter(
        kind=Notification.Kind.APPOINTMENT_ANSWERED, context__plate=appointment.passport.plate
    ).count()


def test_of_two_simultaneous_answers_one_wins_and_the_other_is_told(
    garage, garage_admin, sales, owner
):
    for round_ in range(ROUNDS):
        appointment = ask(customer_passport(garage, owner))
        first_slot = appointment.slots.first().pk

        results = race(
            lambda a=appointment, s=first_slot: services.appointment_accept_slot(
                appointment=a, slot_id=s, actor=garage_admin
            ),
            lambda a=appointment, r=round_: services.appointment_propose(
                appointment=a, actor=sales, day=in_days(10 + r), part_of_day=MORNING
            ),
        )

        winners = [result for result in results if isinstance(result, Appointment)]
        losers = [result for result in results if isinstance(result, Exception)]
        assert (len(winners), len(losers)) == (1, 1), results
        assert isinstance(losers[0], ApplicationError), results
        assert "already been answered" in losers[0].message
        appointment.refresh_from_db()
        assert appointment.state == winners[0].state
        assert answers_to_owner(appointment) == 1


def test_a_cancellation_and_an_answer_at_once_leave_one_outcome(garage, garage_admin, owner):
    for _round in range(ROUNDS):
        appointment = ask(customer_passport(garage, owner))
        first_slot = appointment.slots.first().pk

        results = race(
            lambda a=appointment, s=first_slot: services.appointment_accept_slot(
                appointment=a, slot_id=s, actor=garage_admin
            ),
            lambda a=appointment: services.appointment_cancel(appointment=a, actor=owner),
        )

        appointment.refresh_from_db()
        errors = [result for result in results if isinstance(result, Exception)]
        assert len(errors) == 1, results
        assert isinstance(errors[0], ApplicationError), results
        if appointment.state == State.CANCELLED:
            assert answers_to_owner(appointment) == 0
        else:
            assert appointment.state == State.CONFIRMED
            assert answers_to_owner(appointment) == 1


def test_the_same_request_sent_twice_at_once_asks_the_garage_once(garage, owner, client_for):
    passport = customer_passport(garage, owner)
    clients = [client_for(owner), client_for(owner)]

    results = race(*(lambda c=c: c.post(request_url(passport), form_data()) for c in clients))

    # The loser sees the open request (a redirect) or is refused beside the form (200).
    assert sorted(response.status_code for response in results) in ([200, 302], [302, 302])
    assert Appointment.objects.filter(passport=passport).count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.APPOINTMENT_REQUESTED).count() == 1
