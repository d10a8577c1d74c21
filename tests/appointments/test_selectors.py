"""appointments.selectors: each reader sees only its own rows (an owner their requests for a car
they still own, a garage the requests made to it), in the order the pages show them, with a
fixed number of queries."""

import pytest
from django.http import Http404
from django.utils import timezone

from appointments import selectors, services
from appointments.models import Appointment
from autopaspoort.models import Passport
from tests.appointments.factories import AFTERNOON, MORNING, advise, ask, in_days, slot
from tests.garage.factories import GarageFactory
from tests.transfers.factories import customer_passport, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def car(garage, owner):
    return customer_passport(garage, owner)


def confirm(appointment, actor, position=1):
    return services.appointment_accept_slot(
        appointment=appointment,
        slot_id=appointment.slots.get(position=position).pk,
        actor=actor,
    )


def propose(appointment, actor, days=10):
    return services.appointment_propose(
        appointment=appointment, actor=actor, day=in_days(days), part_of_day=MORNING
    )


def set_planned(appointment, days, part=MORNING):
    Appointment.objects.filter(pk=appointment.pk).update(
        planned_date=in_days(days), planned_part_of_day=part
    )


# --- Owner -----------------------------------------------------------------------------------


def test_the_owner_sees_the_open_request_agreed_visits_and_earlier_requests_apart(
    garage, garage_admin, owner, car, django_assert_num_queries
):
    cancelled = ask(car)
    services.appointment_cancel(appointment=cancelled, actor=owner)
    later = confirm(ask(car), garage_admin)  # 3 days ahead
    sooner = confirm(ask(car), garage_admin)
    set_planned(sooner, 1, AFTERNOON)
    morning = confirm(ask(car), garage_admin)
    set_planned(morning, 1, MORNING)
    past = confirm(ask(car), garage_admin)
    set_planned(past, -7)
    open_ = ask(car)

    with django_assert_num_queries(2):
        state = selectors.owner_car_appointments(user=owner, passport=car)
        times = [[s.position for s in row.slots.all()] for row in [state.open, *state.earlier]]

    assert state.open == open_
    assert state.upcoming == [morning, sooner, later]  # by day, the morning first
    assert state.earlier == [past, cancelled]  # newest first
    assert times == [[1, 2], [1, 2], [1, 2]]


def test_the_owner_sees_none_of_another_owners_requests_for_the_same_car(
    garage, owner, other_owner, car
):
    ask(car)
    transfer(car, other_owner.email)
    Passport.objects.filter(pk=car.pk).update(activated_at=timezone.now())  # they accepted it
    car.refresh_from_db()
    assert car.owner == other_owner
    theirs = ask(car, owner=other_owner)

    mine = selectors.owner_car_appointments(user=owner, passport=car)
    new = selectors.owner_car_appointments(user=other_owner, passport=car)

    assert theirs not in [mine.open, *mine.upcoming, *mine.earlier]
    assert (new.open, new.upcoming, new.earlier) == (theirs, [], [])


def test_an_owner_opens_only_their_own_request(owner, other_owner, car, garage):
    appointment = ask(car)
    other_car = customer_passport(garage, other_owner)

    assert (
        selectors.owner_appointment_get(user=owner, passport=car, appointment_id=appointment.pk)
        == appointment
    )
    with pytest.raises(Http404):
        selectors.owner_appointment_get(
            user=other_owner, passport=car, appointment_id=appointment.pk
        )
    with pytest.raises(Http404):  # the right person, through another car
        selectors.owner_appointment_get(
            user=owner, passport=other_car, appointment_id=appointment.pk
        )


def test_light_advice_comes_from_the_garages_of_the_owners_cars_only(
    garage, other_garage, owner, django_assert_num_queries
):
    third = GarageFactory(name="Autobedrijf C")
    advise(garage, "oil_pressure", "Garage A: stop direct")
    advise(third, "oil_pressure", "C: bel ons")
    advise(garage, "dpf", "Garage A: rijd een stuk over de snelweg")
    advise(other_garage, "oil_pressure", "Garage B: niet voor u")
    cars = [customer_passport(garage, owner), customer_passport(third, owner)]

    with django_assert_num_queries(1):
        advice = selectors.light_advice_for_cars(cars=cars)
        names = {code: [row.garage.name for row in rows] for code, rows in advice.items()}

    assert names == {"dpf": ["Garage A"], "oil_pressure": ["Autobedrijf C", "Garage A"]}
    with django_assert_num_queries(0):
        assert selectors.light_advice_for_cars(cars=[]) == {}


# --- Garage ----------------------------------------------------------------------------------


def test_the_garage_list_sorts_requests_by_what_they_wait_for(
    garage, garage_admin, owner, django_assert_num_queries
):
    cars = [customer_passport(garage, owner) for _ in range(5)]
    first, second = ask(cars[0]), ask(cars[1])
    proposed = propose(ask(cars[2]), garage_admin)
    later = confirm(ask(cars[3]), garage_admin, position=2)  # 4 days ahead
    sooner = confirm(ask(cars[4]), garage_admin)  # 3 days ahead
    gone = confirm(ask(customer_passport(garage, owner)), garage_admin)
    set_planned(gone, -1)
    cancelled = ask(customer_passport(garage, owner))
    services.appointment_cancel(appointment=cancelled, actor=owner)

    with django_assert_num_queries(2):
        listed = selectors.garage_appointment_list(garage=garage)
        shown = [
            (row.passport.plate, [s.position for s in row.slots.all()])
            for row in [*listed.waiting, *listed.proposed, *listed.upcoming]
        ]

    assert listed.waiting == [first, second]  # oldest first
    assert listed.proposed == [proposed]
    assert listed.upcoming == [sooner, later]  # by planned day
    assert len(shown) == 5


def test_a_garage_never_sees_another_garages_requests(garage, other_garage, owner, other_owner):
    ours = ask(customer_passport(garage, owner))
    theirs = ask(customer_passport(other_garage, other_owner))

    assert selectors.garage_appointment_list(garage=garage).waiting == [ours]
    assert selectors.dashboard_requests(garage=garage).requests == [ours]
    assert selectors.garage_appointment_get(garage=garage, appointment_id=ours.pk) == ours
    with pytest.raises(Http404):
        selectors.garage_appointment_get(garage=garage, appointment_id=theirs.pk)


def test_an_open_request_of_a_previous_owner_leaves_the_garages_lists(
    garage, garage_admin, owner, other_owner, car
):
    old = ask(car)
    agreed_car = customer_passport(garage, owner)
    agreed = confirm(ask(agreed_car), garage_admin)
    transfer(car, other_owner.email)
    transfer(agreed_car, other_owner.email)

    listed = selectors.garage_appointment_list(garage=garage)
    assert (listed.waiting, listed.upcoming) == ([], [agreed])  # an agreed visit stays
    assert selectors.dashboard_requests(garage=garage).total == 0
    with pytest.raises(Http404):
        selectors.garage_appointment_get(garage=garage, appointment_id=old.pk)


def test_the_dashboard_shows_the_oldest_waiting_requests_and_counts_all_in_one_query(
    garage, garage_admin, owner, django_assert_num_queries
):
    requests = [ask(customer_passport(garage, owner)) for _ in range(4)]
    propose(requests[0], garage_admin)

    with django_assert_num_queries(1):
        shown = selectors.dashboard_requests(garage=garage, limit=2)
        plates = [row.passport.plate for row in shown.requests]

    assert (shown.total, shown.requests) == (3, requests[1:3])
    assert plates == [row.passport.plate for row in requests[1:3]]


def test_an_empty_dashboard_has_no_requests():
    assert selectors.dashboard_requests(garage=GarageFactory()) == selectors.DashboardRequests(
        total=0, requests=[]
    )


def test_a_garage_reads_and_edits_only_its_own_light_advice(garage, other_garage):
    ours = advise(garage, "oil_pressure", "Stop direct")
    advise(other_garage, "oil_pressure", "Garage B")
    advise(other_garage, "dpf", "Garage B")

    assert selectors.garage_light_advice(garage=garage) == {"oil_pressure": ours}
    assert selectors.garage_light_advice_get(garage=garage, code="oil_pressure") == ours
    assert selectors.garage_light_advice_get(garage=garage, code="dpf") is None


def test_asking_with_one_time_keeps_one_time(car):
    appointment = ask(car, slots=[slot(5)])
    listed = selectors.garage_appointment_list(garage=car.garage).waiting
    assert [[s.position for s in row.slots.all()] for row in listed] == [[1]]
    assert listed == [appointment]
