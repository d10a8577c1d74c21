"""The owner portal (/mijn/): the owner's own cars, never another's, never garage internals, never
a previous owner's personal data."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.tokens import activation_token_generator
from core.phones import format_phone, normalize_phone
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.transfers.factories import (
    EN,
    NEW_PASSWORD,
    activation_path,
    customer_passport,
    message_texts,
    messages_to,
    portal_car_url,
    transfer,
)
from transfers import services
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

HOME = reverse("portal:home")


def accept_url(passport):
    return reverse("portal:accept", kwargs={"plate": passport.plate})


def listed_plates(response) -> tuple[set[str], set[str]]:
    """(cars, to confirm) on /mijn/."""
    return (
        {car.plate for car in response.context["cars"]},
        {car.plate for car in response.context["to_confirm"]},
    )


# --- Only one's own cars ----------------------------------------------------------------------


def test_owners_see_only_their_own_cars(client_for, garage, other_garage, owner, other_owner):
    own = customer_passport(garage, owner)
    own_elsewhere = customer_passport(other_garage, owner)
    waiting = PassportFactory(garage=garage)
    transfer(waiting, owner.email)
    others = customer_passport(garage, other_owner)
    stock = PassportFactory(garage=garage)

    response = client_for(owner).get(HOME, **EN)

    assert listed_plates(response) == ({own.plate, own_elsewhere.plate}, {waiting.plate})
    for hidden in (others, stock):
        assertNotContains(response, hidden.plate)


def test_another_owners_car_is_a_404(client_for, garage, owner, other_owner):
    others = customer_passport(garage, other_owner)
    waiting_for_other = PassportFactory(garage=garage)
    record = transfer(waiting_for_other, other_owner.email)
    stock = PassportFactory(garage=garage)
    client = client_for(owner)

    for passport in (others, waiting_for_other, stock):
        assert client.get(portal_car_url(passport)).status_code == 404, passport
    assert client.post(accept_url(waiting_for_other)).status_code == 404
    assert client.post(accept_url(others)).status_code == 404
    record.refresh_from_db()
    assert record.is_open


def test_an_unknown_or_invalid_plate_is_a_404(client_for, owner):
    client = client_for(owner)

    assert client.get(portal_car_url("XX-99-99")).status_code == 404
    assert client.get(portal_car_url("not-a-plate")).status_code == 404


def test_a_plate_in_another_spelling_redirects_to_the_canonical_address(client_for, garage, owner):
    passport = customer_passport(garage, owner)

    response = client_for(owner).get(portal_car_url(passport.plate.replace("-", "").lower()))

    assert response.status_code == 302
    assert response["Location"] == portal_car_url(passport)


def test_the_garages_stock_is_not_in_the_garage_accounts_portal(client_for, garage, garage_admin):
    stock = PassportFactory(garage=garage)
    client = client_for(garage_admin)

    assertRedirects(
        client.get(HOME, **EN), reverse("home"), fetch_redirect_response=False
    )  # no cars of their own: no empty "My cars" page
    assert client.get(portal_car_url(stock)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(anonymous, garage, owner):
    passport = customer_passport(garage, owner)

    for url in (HOME, portal_car_url(passport)):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_portal_is_labelled_my_cars(client_for, owner):
    response = client_for(owner).get(HOME, **EN)

    assertContains(response, "<h1>My cars</h1>", html=True)
    assertContains(response, "There are no cars in your account yet.")


# --- Existing owner: to confirm, accept -------------------------------------------------------


def test_a_car_for_an_existing_owner_waits_under_to_confirm_until_accepted(
    client_for, garage, other_owner, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)
    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(passport, other_owner.email)
    (email,) = messages_to(mail.outbox, other_owner.email)
    assert "/mijn/activeren/" not in message_texts(email)
    client = client_for(other_owner)

    home = client.get(HOME, **EN)
    assertContains(home, "To confirm")
    assert listed_plates(home) == (set(), {passport.plate})
    page = client.get(portal_car_url(passport), **EN)
    assert page.templates[0].name == "portal/accept.html"
    assertContains(page, "Garage A has added this car (VOLKSWAGEN GOLF) to your account.")
    assertContains(page, "Yes, add it to my cars")

    accepted = client.post(accept_url(passport), follow=True, **EN)

    assert accepted.redirect_chain[-1][0] == portal_car_url(passport)
    assertContains(accepted, f"{passport.plate} is now in your account.")
    assert accepted.templates[0].name == "portal/car.html"
    assert listed_plates(client.get(HOME, **EN)) == ({passport.plate}, set())
    record.refresh_from_db()
    assert record.state == Transfer.State.COMPLETED


def test_accepting_a_car_that_is_already_accepted_is_a_404(client_for, garage, other_owner):
    passport = PassportFactory(garage=garage)
    transfer(passport, other_owner.email)
    client = client_for(other_owner)
    client.post(accept_url(passport))

    assert client.post(accept_url(passport)).status_code == 404


def test_accept_only_takes_a_post(client_for, garage, other_owner):
    passport = PassportFactory(garage=garage)
    transfer(passport, other_owner.email)

    assert client_for(other_owner).get(accept_url(passport)).status_code == 405


# --- The car page -----------------------------------------------------------------------------


@pytest.fixture
def checked_car(garage, garage_admin, owner):
    """A car with a status check (with an item planned for delivery and check notes) and
    history, sold to `owner`, who has accepted it."""
    passport = PassportFactory(garage=garage, apk_expires="2027-05-31")
    record_check(
        passport,
        actor=garage_admin,
        notes="INTERN-QX-NOTITIE klant wil korting",
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "185.50", fix_before_delivery=True),
            item(Component.TYRES_FRONT, Rating.SOON, "240.00", tread_depth_mm=Decimal("2.5")),
            item(Component.LIGHTS, Rating.OK),
        ],
    )
    HistoryEntryFactory(passport=passport, description="Distributieriem vervangen")
    passport.refresh_from_db()
    record = transfer(passport, owner.email)
    services.transfer_accept(transfer=record, user=owner)
    return passport


def test_the_car_page_shows_vehicle_data_expected_costs_the_latest_check_and_history(
    client_for, owner, checked_car
):
    response = client_for(owner).get(portal_car_url(checked_car), **EN)

    assert response.status_code == 200
    assertContains(response, checked_car.plate)
    assertContains(response, "VOLKSWAGEN GOLF")
    assertContains(response, "31 May 2027")  # APK
    assertContains(response, "Expected costs")
    assertContains(response, "€240.00")
    assertContains(response, "now €0.00 · soon €240.00")  # the brakes: planned before delivery
    assertContains(response, "Brakes rear")
    assertContains(response, "Distributieriem vervangen")


def test_work_planned_before_delivery_is_shown_as_repaired_not_as_expected_costs(
    client_for, owner, checked_car
):
    """Walkthrough defect: the buyer saw the garage's planned delivery work as "Now € 185.50"
    expected costs."""
    response = client_for(owner).get(portal_car_url(checked_car), **EN)

    brakes = response.content.decode().split("Brakes rear", 1)[1].split("</tr>", 1)[0]
    assert "Repaired before delivery" in brakes
    assert "185.50" not in brakes
    assert response.context["costs"].expected == Decimal("240.00")
    assert response.context["costs"].now == Decimal("0.00")
    timeline_check = response.context["timeline"][0].item
    assert timeline_check.expected_costs == Decimal("240.00")
    dutch = client_for(owner).get(portal_car_url(checked_car), HTTP_ACCEPT_LANGUAGE="nl")
    assertContains(dutch, "Gerepareerd vóór aflevering")


def test_garage_internal_data_never_appears_on_the_car_page(
    client_for, owner, garage_admin, checked_car
):
    check = checked_car.latest_check
    assert check.notes
    assert check.items.filter(fix_before_delivery=True).exists()

    response = client_for(owner).get(portal_car_url(checked_car), **EN)

    page = response.content.decode()
    assert "INTERN-QX-NOTITIE" not in page  # the check's notes
    assert "delivery costs" not in page.lower()
    assert "fix before delivery" not in page.lower()
    assert "185.50" not in page  # the planned work's cost is the garage's
    assert garage_admin.full_name not in page  # who performed the check
    assert garage_admin.email not in page


def test_the_car_page_shows_earlier_owners_as_previous_owner_with_their_period(
    client_for, garage, owner, other_owner, checked_car
):
    record = transfer(checked_car, other_owner.email)
    services.transfer_accept(transfer=record, user=other_owner)

    response = client_for(other_owner).get(portal_car_url(checked_car), **EN)

    periods = response.context["periods"]
    assert [(p.is_you, p.garage_name, p.end is None) for p in periods] == [
        (True, "", True),
        (False, "", False),  # the previous owner
        (False, "Garage A", False),  # the garage's stock
    ]
    assertContains(response, "Previous owner")
    assertContains(response, "Garage A (stock)")
    assertContains(response, "<strong>You</strong>", html=True)
    assertNotContains(response, owner.full_name)
    assertNotContains(response, owner.email)


def test_the_previous_owner_no_longer_sees_the_car(client_for, owner, other_owner, checked_car):
    transfer(checked_car, other_owner.email)
    client = client_for(owner)

    assert client.get(portal_car_url(checked_car)).status_code == 404
    assertNotContains(client.get(HOME), checked_car.plate)


# --- Privacy: nothing of a previous owner reaches the next one ---------------------------------

PREVIOUS_OWNER = {
    "name": "Zyxwvut Quorra",
    "email": "zyxwvut.quorra@example.nl",
    "street": "Blorpstraat",
    "house_number": "99",
    "postcode": "9999 ZQ",
    "city": "Quorrastad",
    "phone": "0612983746",
}
DRIVER = {
    "driver_name": "Xanthippe Drijver",
    "driver_email": "xanthippe.drijver@example.nl",
    "driver_phone": "0655443322",
}
# Every string that would give the previous owner away (the house number only with its street:
# "99" alone turns up in random CSRF tokens).
SECRETS = [
    *(value for key, value in PREVIOUS_OWNER.items() if key != "house_number"),
    "Blorpstraat 99",
    "Zyxwvut",
    "Quorra",
    *DRIVER.values(),
    "Xanthippe",
    # the phones as stored (E.164) and as shown
    *(
        normalize_phone(PREVIOUS_OWNER["phone"]),
        format_phone(normalize_phone(PREVIOUS_OWNER["phone"])),
    ),
    *(
        normalize_phone(DRIVER["driver_phone"]),
        format_phone(normalize_phone(DRIVER["driver_phone"])),
    ),
]


@pytest.fixture
def previously_owned(garage, mechanic, django_capture_on_commit_callbacks):
    """A car whose previous owner (a person who activated it) and their driver are on record."""
    passport = PassportFactory(garage=garage)
    record_check(passport, actor=mechanic, items=[item(Component.WIPERS, Rating.SOON, "35.00")])
    HistoryEntryFactory(passport=passport)
    passport.refresh_from_db()
    fields = {k: v for k, v in PREVIOUS_OWNER.items() if k != "email"}
    record = transfer(passport, PREVIOUS_OWNER["email"], **fields)
    services.owner_activate(
        user=record.new_owner,
        token=activation_token_generator.make_token(record.new_owner),
        password=NEW_PASSWORD,
    )
    passport.refresh_from_db()
    for field, value in DRIVER.items():
        setattr(passport, field, value)
    passport.save(update_fields=list(DRIVER))
    assert passport.owner_name == PREVIOUS_OWNER["name"]
    mail.outbox.clear()
    return passport


def assert_nothing_of_the_previous_owner(text: str, where: str):
    leaked = [secret for secret in SECRETS if secret.lower() in text.lower()]
    assert not leaked, f"{where} shows {leaked}"


def test_a_new_owner_never_sees_the_previous_owners_personal_data(
    previously_owned, django_capture_on_commit_callbacks
):
    passport = previously_owned
    with django_capture_on_commit_callbacks(execute=True):
        transfer(passport, "nieuw@example.nl", name="Nieuwe Eigenaar")
    received = messages_to(mail.outbox, "nieuw@example.nl")
    assert received  # the activation email
    client = Client()
    pages = {}

    link = activation_path(received[0].body)
    pages["activation page"] = client.get(link, follow=True, **EN)
    activated = client.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True, **EN
    )
    pages["car page after activation"] = activated
    pages["/mijn/"] = client.get(HOME, **EN)
    pages["/mijn/<plate>/"] = client.get(portal_car_url(passport), **EN)
    pages["/mijn/ (nl)"] = client.get(HOME)
    pages["/mijn/<plate>/ (nl)"] = client.get(portal_car_url(passport))

    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_nothing_of_the_previous_owner(response.content.decode(), where)
    assertContains(pages["/mijn/<plate>/"], "Previous owner")
    for message in messages_to(mail.outbox, "nieuw@example.nl"):
        assert_nothing_of_the_previous_owner(message_texts(message), f"email {message.subject}")


def test_an_existing_owner_never_sees_the_previous_owners_personal_data(
    previously_owned, other_owner, client_for, django_capture_on_commit_callbacks
):
    passport = previously_owned
    with django_capture_on_commit_callbacks(execute=True):
        transfer(passport, other_owner.email, name=other_owner.full_name)
    client = client_for(other_owner)
    pages = {
        "/mijn/ to confirm": client.get(HOME, **EN),
        "accept page": client.get(portal_car_url(passport), **EN),
    }
    client.post(accept_url(passport))
    pages["/mijn/"] = client.get(HOME, **EN)
    pages["/mijn/<plate>/"] = client.get(portal_car_url(passport), **EN)

    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_nothing_of_the_previous_owner(response.content.decode(), where)
    received = messages_to(mail.outbox, other_owner.email)
    assert [message.to for message in received] == [[other_owner.email]]
    for message in received:
        assert_nothing_of_the_previous_owner(message_texts(message), f"email {message.subject}")


# --- Query counts -----------------------------------------------------------------------------

# User (the session comes from the cache), the owner's cars with their latest check and garage,
# garages asking to service a car, the private sales waiting for the buyer, the navigation's
# memberships.
HOME_QUERIES = 5


@pytest.mark.parametrize("cars", [1, 5])
def test_my_cars_query_count_does_not_depend_on_the_number_of_cars(
    client_for, garage, other_garage, owner, django_assert_num_queries, cars
):
    for n in range(cars):
        passport = customer_passport(garage if n % 2 else other_garage, owner)
        record_check(passport, items=[item(Component.LIGHTS, Rating.NOW, "20.00")])
    waiting = PassportFactory(garage=garage)
    transfer(waiting, owner.email)
    client = client_for(owner)

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(HOME)

    assert len(response.context["cars"]) == cars
    assert len(response.context["to_confirm"]) == 1


# User (the session comes from the cache), the car with its garage and latest check, that check's
# items, the timeline's checks and history entries, the owners' periods, open fleet link requests,
# garages asking to service it, the navigation's memberships, the open share links, the recalls, the
# APK defects, the latest check's photos, the quotes sent to the owner for this car (+1, issue 19),
# the network's figures for the car and its own service interval (+2, issue 21).
CAR_QUERIES = 16


@pytest.mark.parametrize("entries", [1, 5])
def test_my_car_query_count_does_not_depend_on_its_history(
    client_for, garage, other_garage, owner, django_assert_num_queries, entries
):
    # With a first admission: the network's figures are looked up (a car without one has none).
    passport = PassportFactory(garage=garage, first_admission=date(2019, 4, 12))
    record_check(passport, items=[item(Component.LIGHTS, Rating.NOW, "20.00")] * 3)
    for n in range(entries):
        HistoryEntryFactory(passport=passport, garage=garage if n % 2 else other_garage)
    passport.refresh_from_db()
    record = transfer(passport, owner.email)
    services.transfer_accept(transfer=record, user=owner)
    client = client_for(owner)

    with django_assert_num_queries(CAR_QUERIES):
        response = client.get(portal_car_url(passport))

    assert response.status_code == 200
    assert len(response.context["timeline"]) == entries + 1
