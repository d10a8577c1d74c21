"""Pages: who reaches what (owners their own cars, garages their own requests, mechanics read
only), the warning-light page with search and "ask my garage", garage advice, query counts."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from appointments import services
from appointments.models import Appointment, GarageLightAdvice
from appointments.selectors import OWNER_HISTORY
from tests.appointments.factories import (
    EN,
    HTMX,
    LIGHTS_URL,
    MORNING,
    Reason,
    State,
    accept_url,
    advise,
    ask,
    bulk_requests,
    car_state_url,
    detail_url,
    form_data,
    garage_url,
    in_days,
    light_ask_url,
    owner_url,
    request_url,
)
from tests.autopaspoort.factories import PassportFactory
from tests.garage.factories import GarageFactory
from tests.transfers.factories import customer_passport, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def car(garage, owner):
    return customer_passport(garage, owner)


@pytest.fixture
def request_(car):
    return ask(car)


# --- Owners: only their own cars ---------------------------------------------------------------


def test_another_owners_car_and_its_requests_are_a_404(client_for, garage, owner, other_owner):
    theirs = customer_passport(garage, other_owner)
    their_request = ask(theirs)
    client = client_for(owner)

    assert client.get(request_url(theirs)).status_code == 404
    assert client.post(request_url(theirs), form_data()).status_code == 404
    assert client.get(car_state_url(theirs), **HTMX).status_code == 404
    for name in ("appointment_accept", "appointment_cancel"):
        assert client.post(owner_url(name, their_request)).status_code == 404
    their_request.refresh_from_db()
    assert their_request.state == State.REQUESTED
    assert Appointment.objects.count() == 1


def test_a_request_is_reached_only_through_its_own_car(client_for, garage, owner, car):
    other_car = customer_passport(garage, owner)
    appointment = ask(other_car)
    wrong = reverse(
        "portal:appointment_cancel", kwargs={"plate": car.plate, "appointment_id": appointment.pk}
    )

    assert client_for(owner).post(wrong).status_code == 404


def test_stock_cars_cars_to_confirm_and_unknown_plates_are_a_404(client_for, garage, owner):
    stock = PassportFactory(garage=garage)
    waiting = PassportFactory(garage=garage)
    transfer(waiting, owner.email)
    client = client_for(owner)

    for plate in (stock.plate, waiting.plate, "XX-99-99", "no-plate"):
        assert client.get(request_url(plate)).status_code == 404, plate


def test_the_previous_owner_loses_the_cars_requests(client_for, garage, owner, other_owner, car):
    appointment = ask(car)
    transfer(car, other_owner.email)

    assert client_for(owner).get(request_url(car)).status_code == 404
    assert client_for(owner).post(owner_url("appointment_cancel", appointment)).status_code == 404


def test_a_plate_in_another_spelling_redirects_and_keeps_the_light(client_for, owner, car):
    response = client_for(owner).get(request_url(car.plate.replace("-", "").lower(), "abs"))

    assertRedirects(response, request_url(car, "abs"), fetch_redirect_response=False)


def test_anonymous_visitors_are_sent_to_the_login(anonymous, car, request_):
    for url in (LIGHTS_URL, request_url(car), light_ask_url("abs"), car_state_url(car)):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# --- Garages: only their own requests; mechanics read ------------------------------------------


def test_another_garage_gets_a_404_for_every_page_of_the_request(
    client_for, garage, other_garage, other_garage_staff, request_
):
    client = client_for(other_garage_staff)
    slot_id = request_.slots.first().pk

    assert client.get(garage_url("garage_list", garage)).status_code == 404
    assert client.get(detail_url(request_)).status_code == 404
    assert client.post(accept_url(request_), {"slot": slot_id}).status_code == 404
    # Through its own garage's address the request of another garage does not exist either.
    assert client.get(detail_url(request_, other_garage)).status_code == 404
    assert client.post(accept_url(request_, other_garage), {"slot": slot_id}).status_code == 404
    listing = client.get(garage_url("garage_list", other_garage))
    assert listing.context["appointments"].waiting == []
    request_.refresh_from_db()
    assert request_.state == State.REQUESTED


def test_mechanics_see_requests_but_do_not_answer(client_for, garage, mechanic, request_):
    client = client_for(mechanic, **EN)
    slot_id = request_.slots.first().pk

    listing = client.get(garage_url("garage_list", garage))
    detail = client.get(detail_url(request_))

    assert listing.status_code == detail.status_code == 200
    assertContains(listing, request_.passport.plate)
    assertNotContains(listing, accept_url(request_))
    assertNotContains(detail, "Propose this time")
    assert client.post(accept_url(request_), {"slot": slot_id}).status_code == 403
    proposal = {"date": in_days(9).isoformat(), "part_of_day": MORNING}
    assert client.post(detail_url(request_), proposal).status_code == 403
    request_.refresh_from_db()
    assert request_.state == State.REQUESTED


def test_sales_staff_answer_requests(client_for, garage, sales, request_):
    response = client_for(sales).post(accept_url(request_), {"slot": request_.slots.first().pk})

    assert response.status_code == 302
    request_.refresh_from_db()
    assert (request_.state, request_.answered_by) == (State.CONFIRMED, sales)


def test_a_second_answer_from_a_stale_page_is_refused_with_a_message(
    client_for, garage, garage_admin, sales, request_
):
    services.appointment_accept_slot(
        appointment=request_, slot_id=request_.slots.first().pk, actor=garage_admin
    )

    late = client_for(sales, **EN).post(
        detail_url(request_),
        {"date": in_days(9).isoformat(), "part_of_day": MORNING},
        follow=True,
    )

    assertContains(late, "This request has already been answered by Beheerder A")
    request_.refresh_from_db()
    assert (request_.state, request_.answered_by) == (State.CONFIRMED, garage_admin)


def test_the_dashboard_shows_waiting_requests_with_the_named_light(
    client_for, garage, mechanic, owner
):
    ask(customer_passport(garage, owner), reason=Reason.WARNING_LIGHT, light="abs")

    response = client_for(mechanic, **EN).get(garage.get_absolute_url())

    assertContains(response, "Warning light: ABS fault")
    assert response.context["appointment_requests"].total == 1


# --- Warning lights in the portal --------------------------------------------------------------


def test_the_lights_page_shows_the_whole_catalogue_in_english(client_for, owner, car):
    response = client_for(owner, **EN).get(LIGHTS_URL)

    assert response.templates[0].name == "portal/lights.html"
    assertContains(response, "<h2>Low oil pressure</h2>", html=True)
    assertContains(response, "Stop as soon as it is safe")
    assertContains(response, "<svg", count=len(response.context["rows"]))
    assert len(response.context["rows"]) >= 30


def test_the_lights_page_shows_dutch_texts_by_default(client_for, owner, car):
    response = client_for(owner).get(LIGHTS_URL, {"q": "oliedruk"})

    assertContains(response, "<h2>Oliedruk te laag</h2>", html=True)
    assertNotContains(response, "Low oil pressure")


def test_search_works_without_javascript_in_both_languages(client_for, owner, car):
    client = client_for(owner)

    dutch = client.get(LIGHTS_URL, {"q": "remvloeistof"})
    english = client.get(LIGHTS_URL, {"q": "brake fluid"}, **EN)
    nothing = client.get(LIGHTS_URL, {"q": "flux capacitor"}, **EN)

    assert "brake_system" in [light.code for light, _advice in dutch.context["rows"]]
    assertContains(dutch, "Storing remsysteem")
    assert "brake_system" in [light.code for light, _advice in english.context["rows"]]
    assertContains(english, "Brake system fault")
    assertContains(english, 'value="brake fluid"')
    assert nothing.context["rows"] == []
    assertContains(nothing, "No warning light matches your search.")


def test_search_with_htmx_returns_only_the_results(client_for, owner, car):
    response = client_for(owner, **EN).get(LIGHTS_URL, {"q": "tyre"}, **HTMX)

    assert response.templates[0].name == "portal/_light_results.html"
    assert "HX-Request" in response["Vary"]
    assertNotContains(response, "<html")
    assertContains(response, "Tyre pressure (TPMS)")


def test_ask_my_garage_with_one_car_opens_the_request_with_the_light_chosen(client_for, owner, car):
    client = client_for(owner, **EN)
    page = client.get(LIGHTS_URL, {"q": "oil pressure"})
    assertContains(page, f'href="{light_ask_url("oil_pressure")}"')

    response = client.get(light_ask_url("oil_pressure"), follow=True)

    assertRedirects(response, request_url(car, "oil_pressure"))
    form = response.context["form"]
    assert form.initial == {"reason": Reason.WARNING_LIGHT, "warning_light": "oil_pressure"}
    assertContains(response, '<option value="oil_pressure" selected>', html=False)
    assertContains(response, "Low oil pressure")


def test_ask_my_garage_with_several_cars_lets_the_owner_choose(
    client_for, garage, other_garage, owner, car
):
    second = customer_passport(other_garage, owner)

    response = client_for(owner, **EN).get(light_ask_url("abs"))

    assert response.status_code == 200
    assertContains(response, "Which car is it about?")
    assertContains(response, request_url(car, "abs"))
    assertContains(response, request_url(second, "abs"))
    assertContains(response, "Garage B")


def test_ask_my_garage_for_an_unknown_light_is_a_404(client_for, owner, car):
    assert client_for(owner).get(light_ask_url("flux_capacitor")).status_code == 404


def test_an_owner_without_cars_reads_the_lights_without_ask_buttons(client_for, other_owner):
    response = client_for(other_owner, **EN).get(LIGHTS_URL)

    assert response.status_code == 200
    assertNotContains(response, "Ask my garage")


def test_garage_advice_is_shown_only_to_that_garages_customers(
    client_for, garage, other_garage, owner, other_owner, car
):
    advise(garage, "oil_pressure", "Bel Garage A direct: 030-1234567.")
    advise(other_garage, "oil_pressure", "Sleep de auto naar Garage B.")
    customer_passport(other_garage, other_owner)

    mine = client_for(owner, **EN).get(LIGHTS_URL, {"q": "oil pressure"})
    theirs = client_for(other_owner, **EN).get(LIGHTS_URL, {"q": "oil pressure"})

    assertContains(mine, "Advice from Garage A")
    assertContains(mine, "Bel Garage A direct: 030-1234567.")
    assertNotContains(mine, "Sleep de auto naar Garage B.")
    assertContains(theirs, "Sleep de auto naar Garage B.")
    assertNotContains(theirs, "030-1234567")


# --- Garage advice pages -----------------------------------------------------------------------


def test_an_admin_writes_advice_and_sees_it_on_the_garage_lights_page(
    client_for, garage, garage_admin
):
    client = client_for(garage_admin, **EN)
    edit = garage_url("garage_light_edit", garage, code="dpf")

    saved = client.post(edit, {"text": "Kom langs, wij regenereren het filter."}, follow=True)

    assertRedirects(saved, garage_url("garage_lights", garage) + "#dpf")
    assertContains(saved, "Your advice on “Particulate filter full (DPF)” was saved.")
    assertContains(saved, "Kom langs, wij regenereren het filter.")
    assert GarageLightAdvice.objects.get().updated_by == garage_admin
    removed = client.post(edit, {"text": ""}, follow=True)
    assertContains(removed, "was removed.")
    assert not GarageLightAdvice.objects.exists()


def test_mechanics_read_the_advice_but_do_not_edit_it(client_for, garage, mechanic):
    advise(garage, "dpf", "Kom langs.")
    client = client_for(mechanic, **EN)
    edit = garage_url("garage_light_edit", garage, code="dpf")

    page = client.get(garage_url("garage_lights", garage))

    assertContains(page, "Kom langs.")
    assertNotContains(page, edit)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"text": "Anders"}).status_code == 403


def test_another_garage_cannot_open_or_write_this_garages_advice(
    client_for, garage, other_garage_staff
):
    client = client_for(other_garage_staff)

    assert client.get(garage_url("garage_lights", garage)).status_code == 404
    edit = garage_url("garage_light_edit", garage, code="dpf")
    assert client.post(edit, {"text": "Gekaapt"}).status_code == 404
    assert not GarageLightAdvice.objects.exists()


def test_advice_for_an_unknown_light_is_a_404(client_for, garage, garage_admin):
    url = garage_url("garage_light_edit", garage, code="flux_capacitor")

    assert client_for(garage_admin).get(url).status_code == 404


# --- Query counts ------------------------------------------------------------------------------

# User (the session comes from the cache), membership (with garage and login), the requests with
# their cars, their preferred times, the navigation's memberships.
GARAGE_LIST_QUERIES = 5


@pytest.mark.parametrize("requests", [1, 12])
def test_garage_list_query_count_does_not_depend_on_the_requests(
    client_for, garage, garage_admin, owner, other_garage, django_assert_num_queries, requests
):
    appointments = bulk_requests(garage, owner, count=requests)
    bulk_requests(other_garage, owner, count=3, start=5000)
    answered = appointments[0]
    services.appointment_propose(
        appointment=answered, actor=garage_admin, day=in_days(9), part_of_day=MORNING
    )
    client = client_for(garage_admin)

    with django_assert_num_queries(GARAGE_LIST_QUERIES):
        response = client.get(garage_url("garage_list", garage))

    listed = response.context["appointments"]
    assert (len(listed.waiting), len(listed.proposed)) == (requests - 1, 1)


# User (the session comes from the cache), the owner's cars (with their garages), the advice of
# those garages, the navigation's memberships.
LIGHTS_QUERIES = 4


@pytest.mark.parametrize(("cars", "advised_lights"), [(1, 1), (6, 20)])
def test_portal_lights_query_count_does_not_depend_on_cars_or_advice(
    client_for, owner, django_assert_num_queries, cars, advised_lights
):
    garages = [GarageFactory() for _ in range(min(cars, 3))]
    for n in range(cars):
        customer_passport(garages[n % len(garages)], owner)
    codes = [light.code for light in services.catalogue.all_lights()][:advised_lights]
    GarageLightAdvice.objects.bulk_create(
        GarageLightAdvice(garage=garage, light_code=code, text=f"Advies {code}")
        for garage in garages
        for code in codes
    )
    client = client_for(owner)

    with django_assert_num_queries(LIGHTS_QUERIES):
        response = client.get(LIGHTS_URL)

    advice_shown = sum(len(advice) for _light, advice in response.context["rows"])
    assert advice_shown == len(garages) * advised_lights


# User (the session comes from the cache), the car, its requests with their garage, their preferred
# times, the navigation's memberships.
REQUEST_PAGE_QUERIES = 5


@pytest.mark.parametrize("earlier", [1, 8])
def test_request_page_query_count_does_not_depend_on_earlier_requests(
    client_for, owner, car, django_assert_num_queries, earlier
):
    for _ in range(earlier):
        services.appointment_cancel(appointment=ask(car), actor=owner)
    ask(car)
    client = client_for(owner)

    with django_assert_num_queries(REQUEST_PAGE_QUERIES):
        response = client.get(request_url(car))

    assert response.context["state"].open is not None
    assert len(response.context["state"].earlier) == min(earlier, OWNER_HISTORY)


# As in tests/autopaspoort/test_views.py: user (the session comes from the cache), membership, the
# page of passports, the three summary queries, the waiting appointment requests (with their count),
# the recent private sales, the cars whose maintenance is likely due soon, the navigation.
DASHBOARD_QUERIES = 10


@pytest.mark.parametrize("waiting", [1, 12])
def test_dashboard_query_count_does_not_depend_on_the_waiting_requests(
    client_for, garage, garage_admin, owner, django_assert_num_queries, waiting
):
    bulk_requests(garage, owner, count=waiting)
    client = client_for(garage_admin)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(garage.get_absolute_url())

    summary = response.context["appointment_requests"]
    assert (summary.total, len(summary.requests)) == (waiting, min(waiting, 5))
