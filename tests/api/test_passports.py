"""POST/GET /api/v1/passports and GET /api/v1/passports/{plate}: creating (stock or for a
customer, idempotent on the plate), reading in any plate spelling, the cursor-paginated list and
the representation, including what one garage's GMS may (not) see of another's cars."""

import base64
import json
from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from accounts.services import user_change_login_email
from accounts.tokens import activation_token_generator
from autopaspoort.models import Passport
from fleet.models import FleetMembership
from fleet.services import fleet_create, fleet_link
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.api.conftest import assert_error, customer_body, stock_body
from tests.autopaspoort.factories import PassportFactory, plate_for
from tests.transfers.factories import contact, transfer
from transfers.models import Transfer
from transfers.services import owner_activate, transfer_accept, transfer_confirm

pytestmark = pytest.mark.django_db

REPRESENTATION_KEYS = {
    "plate",
    "state",
    "vehicle",
    "odometer_km",
    "owner",
    "fleet_id",
    "created_at",
    "updated_at",
}
VEHICLE_KEYS = {"make", "model", "fuel", "colour", "first_registration", "apk_expires"}
# Bulk-made passports of these tests start far above PassportFactory's sequence.
MANY_FROM = 600_000


def assert_representation(data, *, plate, state, owner_email):
    assert set(data) == REPRESENTATION_KEYS
    assert set(data["vehicle"]) == VEHICLE_KEYS
    assert data["plate"] == plate
    assert data["state"] == state
    assert data["owner"] == ({"email": owner_email} if owner_email else None)


def many_passports(garage, count, *, start=0, **fields):
    """`count` stock passports of `garage` in one INSERT."""
    defaults = {
        "garage": garage,
        "state": Passport.State.STOCK,
        "owner": garage.account_user,
        "activated_at": timezone.now(),
        "created_by": garage.account_user,
    }
    return Passport.objects.bulk_create(
        Passport(plate=plate_for(MANY_FROM + start + n), **{**defaults, **fields})
        for n in range(count)
    )


# --- POST /passports: 201 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["garage-a@example.nl", "GARAGE-A@EXAMPLE.NL", "Garage-A@Example.nl"]
)
def test_create_with_the_garage_account_email_in_any_case_is_a_stock_car(api, garage, email):
    response = api.post(
        "/passports", {"plate": "gj-55-55", "owner": {"email": email}, "odometer_km": 12_345}
    )

    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert_representation(data, plate="GJ-55-55", state="stock", owner_email="garage-a@example.nl")
    assert data["odometer_km"] == 12_345
    assert data["fleet_id"] is None
    passport = Passport.objects.get(plate="GJ-55-55")
    assert passport.garage == garage
    assert passport.state == Passport.State.STOCK
    assert passport.owner == garage.account_user
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()


def test_create_for_a_customer_email_hands_the_car_over_with_one_activation_email(
    api, garage, django_capture_on_commit_callbacks
):
    body = customer_body("hx 12 34", "Piet.Koper@Example.nl", odometer_km=80_000)
    body["owner"].update(street="Kerkstraat", house_number="12", postcode="3511 AB", city="Utrecht")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/passports", body)

    assert response.status_code == 201
    assert_representation(
        response.json(), plate="HX-12-34", state="customer", owner_email="piet.koper@example.nl"
    )
    passport = Passport.objects.get(plate="HX-12-34")
    assert passport.garage == garage
    assert passport.state == Passport.State.CUSTOMER
    assert passport.owner.email == "piet.koper@example.nl"
    assert passport.owner_street == "Kerkstraat"
    (handover,) = Transfer.objects.filter(passport=passport)
    assert handover.via == Transfer.Via.API
    assert handover.state == Transfer.State.AWAITING_ACTIVATION
    assert handover.garage == garage
    (notification,) = Notification.objects.all()
    assert notification.kind == Notification.Kind.OWNER_ACTIVATION
    assert notification.recipient == "piet.koper@example.nl"
    assert [message.to for message in mail.outbox] == [["piet.koper@example.nl"]]


def test_create_for_an_existing_owner_sends_the_car_added_email_instead(api, owner):
    response = api.post("/passports", customer_body("HX-12-34", owner.email))

    assert response.status_code == 201
    (notification,) = Notification.objects.all()
    assert notification.kind == Notification.Kind.CAR_ADDED


def test_create_with_a_fleet_of_the_garage_links_the_car(api, garage, garage_admin):
    fleet = fleet_create(
        garage=garage,
        actor=garage_admin,
        name="Wagenpark BV",
        email="wagenpark@example.nl",
        manager_email="beheer@example.nl",
    )

    response = api.post("/passports", stock_body("GJ-55-55", garage, fleet_id=fleet.pk))

    assert response.status_code == 201
    assert response.json()["fleet_id"] == fleet.pk
    assert Passport.objects.get(plate="GJ-55-55").fleet == fleet


# --- POST /passports: 200 (resent) ------------------------------------------------------------


@pytest.mark.parametrize("again", ["HX-12-34", "hx1234", " hx-12 34 "])
def test_resending_the_same_plate_returns_it_with_200_and_no_second_email(
    api, again, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/passports", customer_body("HX-12-34"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = api.post("/passports", customer_body(again))

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == first.json()
    assert Passport.objects.filter(plate="HX-12-34").count() == 1
    assert Transfer.objects.count() == 1
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert callbacks == []


def test_resending_a_stock_plate_with_a_customer_email_changes_nothing(api, garage):
    first = api.post("/passports", stock_body("GJ-55-55", garage))

    second = api.post("/passports", customer_body("GJ-55-55"))

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["state"] == "stock"
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()


def test_a_car_made_on_the_dashboard_is_returned_with_200(api, garage):
    PassportFactory(garage=garage, plate="GJ-55-55")

    response = api.post("/passports", stock_body("GJ-55-55", garage))

    assert response.status_code == 200
    assert response.json()["plate"] == "GJ-55-55"


# --- POST /passports: 409 ---------------------------------------------------------------------


@pytest.mark.parametrize("customer", [False, True])
def test_the_plate_of_another_garage_or_its_customer_is_409_plate_taken(
    api, garage, other_garage, customer
):
    theirs = PassportFactory(garage=other_garage, plate="GJ-55-55", customer=customer)
    before = Passport.objects.values().get(pk=theirs.pk)

    response = api.post("/passports", customer_body("gj5555"))

    error = assert_error(response, 409, "plate_taken")
    assert "plate" in error["fields"]
    assert Passport.objects.values().get(pk=theirs.pk) == before
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()
    for leak in (other_garage.name, other_garage.email, theirs.contact_email):
        assert leak.lower() not in response.content.decode().lower()


# --- POST /passports: 400 ---------------------------------------------------------------------


@pytest.mark.parametrize("plate", ["!!", "GJ-55-55-55", "1234567", "", "  ", "ÄB-12-34"])
def test_an_invalid_plate_is_400_invalid_plate_with_the_plate_field(api, garage, plate):
    error = assert_error(api.post("/passports", stock_body(plate, garage)), 400, "invalid_plate")

    assert list(error["fields"]) == ["plate"]
    assert error["fields"]["plate"]
    assert not Passport.objects.exists()


VALID = {"plate": "GJ-55-55", "owner": {"email": "x@example.nl"}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plate": "GJ-55-55"}, "owner"),
        ({"owner": {"email": "x@example.nl"}}, "plate"),
        ({**VALID, "owner": {}}, "owner.email"),
        ({**VALID, "owner": {"email": "not-an-email"}}, "owner.email"),
        ({**VALID, "owner": {"email": ""}}, "owner.email"),
        ({**VALID, "owner": "x@example.nl"}, "owner"),
        ({**VALID, "owner": None}, "owner"),
        ({**VALID, "odometer_km": -1}, "odometer_km"),
        ({**VALID, "odometer_km": "a"}, "odometer_km"),
        ({**VALID, "odometer_km": 2_000_001}, "odometer_km"),
        ({**VALID, "plate": 5555}, "plate"),
        ({**VALID, "plate": "G" * 21}, "plate"),
        ({**VALID, "owner": {"email": "x@example.nl", "postcode": "9" * 8}}, "owner.postcode"),
        ({**VALID, "fleet_id": "mine"}, "fleet_id"),
    ],
)
def test_a_body_that_does_not_fit_the_schema_is_400_with_the_field(api, body, field):
    error = assert_error(api.post("/passports", body), 400, "invalid_input")

    named = [name for name in error["fields"] if name == field or name.startswith(field + ".")]
    assert named, error
    assert all(isinstance(message, str) for name in named for message in error["fields"][name])
    assert not Passport.objects.exists()


@pytest.mark.parametrize("raw", ["[]", '"GJ-55-55"', "null", "42", "true"])
def test_a_json_body_that_is_not_an_object_is_400_not_500(api, raw):
    assert_error(api.post("/passports", raw=raw), 400)


def test_an_unknown_fleet_is_400_invalid_fleet(api, garage, other_garage, garage_admin):
    theirs = fleet_create(
        garage=other_garage,
        actor=other_garage.account_user,
        name="Hun Wagenpark",
        email="hun@example.nl",
        manager_email="hunbeheer@example.nl",
    )

    for fleet_id in (theirs.pk, 999_999_999):
        response = api.post("/passports", stock_body("GJ-55-55", garage, fleet_id=fleet_id))
        error = assert_error(response, 400, "invalid_fleet")
        assert list(error["fields"]) == ["fleet_id"]
    assert not Passport.objects.exists()


def test_a_refused_transfer_leaves_no_passport_behind(api, garage, garage_admin):
    """A customer car cannot be created straight into a fleet (the transfer refuses): all or
    nothing, so the GMS can correct and resend."""
    fleet = fleet_create(
        garage=garage,
        actor=garage_admin,
        name="Wagenpark BV",
        email="wagenpark@example.nl",
        manager_email="beheer@example.nl",
    )

    response = api.post("/passports", customer_body("HX-12-34", fleet_id=fleet.pk))

    assert_error(response, 400)
    assert not Passport.objects.filter(plate="HX-12-34").exists()
    assert not Transfer.objects.exists()


# --- GET /passports/{plate} -------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["GJ-55-55", "gj-55-55", "gj 55-55", "gj5555", "GJ5555", "gj%2055%2055"]
)
def test_get_a_passport_by_plate_in_any_spelling(api, garage, spelling):
    PassportFactory(garage=garage, plate="GJ-55-55", make="VOLKSWAGEN", model="GOLF")

    response = api.get(f"/passports/{spelling}")

    assert response.status_code == 200, response.content
    data = response.json()
    assert_representation(data, plate="GJ-55-55", state="stock", owner_email=garage.email)
    assert data["vehicle"]["make"] == "VOLKSWAGEN"
    assert data["vehicle"]["model"] == "GOLF"


def test_another_garages_plate_is_404_exactly_like_an_unknown_plate(api, garage, other_garage):
    PassportFactory(garage=other_garage, plate="GJ-55-55", make="TESLA")

    theirs = api.get("/passports/GJ-55-55")
    unknown = api.get("/passports/HX-12-34")
    invalid = api.get("/passports/not-a-plate")

    assert_error(theirs, 404, "not_found")
    assert_error(invalid, 404, "not_found")
    assert theirs.content == unknown.content
    assert b"TESLA" not in theirs.content


def test_garage_b_sees_its_own_car_and_not_garage_as(api, api_b, garage, other_garage):
    PassportFactory(garage=garage, plate="GJ-55-55")
    PassportFactory(garage=other_garage, plate="HX-12-34")

    assert api_b.get("/passports/HX-12-34").status_code == 200
    assert_error(api_b.get("/passports/GJ-55-55"), 404, "not_found")
    assert_error(api.get("/passports/HX-12-34"), 404, "not_found")


# --- Trailing slashes -------------------------------------------------------------------------


def test_every_path_answers_the_same_with_a_trailing_slash(api, garage):
    PassportFactory(garage=garage, plate="GJ-55-55")
    history = {
        "date": timezone.localdate().isoformat(),
        "odometer_km": 60_000,
        "kind": "repair",
        "description": "Remblokken",
        "external_id": "WO-1",
    }
    # Creating requests are sent once each way first; the comparison is of the resends.
    api.post("/passports/", stock_body("HX-12-34", garage))
    api.post("/passports/GJ-55-55/history/", history)
    requests = [
        ("post", "/passports", stock_body("GJ-55-55", garage)),
        ("post", "/passports", stock_body("HX-12-34", garage)),
        ("post", "/passports", stock_body("!!", garage)),
        ("get", "/passports", None),
        ("get", "/passports/gj5555", None),
        ("get", "/passports/HX-12-34", None),
        ("post", "/passports/GJ-55-55/history", history),
        ("post", "/passports/GJ-55-55/history", {"date": "2020-02-30"}),
        ("post", "/passports/bulk", {"items": [stock_body("GJ-55-55", garage)]}),
    ]
    for method, path, body in requests:
        plain = api.get(path) if method == "get" else api.post(path, body)
        slashed = api.get(path + "/") if method == "get" else api.post(path + "/", body)
        assert slashed.status_code == plain.status_code, path
        assert slashed["Content-Type"] == plain["Content-Type"], path
        assert slashed.json() == plain.json(), path


def test_a_new_passport_can_be_created_through_the_slashed_path(api, garage):
    response = api.post("/passports/", stock_body("GJ-55-55", garage))

    assert response.status_code == 201
    assert api.get("/passports/GJ-55-55/").json() == response.json()


# --- Representation: the owner's email --------------------------------------------------------


def test_owner_email_is_shown_for_stock(api, garage):
    PassportFactory(garage=garage, plate="GJ-55-55")

    assert api.get("/passports/GJ-55-55").json()["owner"] == {"email": garage.email}


def test_owner_email_is_shown_while_this_garages_transfer_awaits_activation_then_hidden(
    api, garage, owner
):
    passport = PassportFactory(garage=garage, plate="GJ-55-55")
    handover = transfer(passport, owner.email)  # the dashboard's transfer, as the garage admin
    assert handover.state == Transfer.State.AWAITING_ACTIVATION

    waiting = api.get("/passports/GJ-55-55").json()
    transfer_accept(transfer=handover, user=owner)
    activated = api.get("/passports/GJ-55-55").json()

    assert waiting["state"] == "customer"
    assert waiting["owner"] == {"email": owner.email}
    assert activated["state"] == "customer"
    assert activated["owner"] is None
    assert owner.email not in api.get("/passports").content.decode()


def test_owner_email_of_an_api_transfer_is_hidden_after_the_new_owner_activates(api):
    api.post("/passports", customer_body("HX-12-34", "nieuw@example.nl"))
    new_owner = Passport.objects.get(plate="HX-12-34").owner
    assert api.get("/passports/HX-12-34").json()["owner"] == {"email": "nieuw@example.nl"}

    owner_activate(
        user=new_owner,
        token=activation_token_generator.make_token(new_owner),
        password="Nieuw-wachtwoord-2024",
    )

    assert api.get("/passports/HX-12-34").json()["owner"] is None
    assert api.post("/passports", customer_body("HX-12-34")).json()["owner"] is None


def test_owner_email_is_hidden_for_a_customer_car_that_is_already_active(api, garage, owner):
    PassportFactory(
        garage=garage,
        plate="GJ-55-55",
        state=Passport.State.CUSTOMER,
        owner=owner,
        activated_at=timezone.now(),
    )

    data = api.get("/passports/GJ-55-55").json()

    assert data["state"] == "customer"
    assert data["owner"] is None


def test_owner_email_is_hidden_for_a_car_its_fleet_transferred_elsewhere(api, garage, garage_admin):
    """The fleet manager, not the garage, handed this car to a new owner: the garage's GMS must
    not learn that person's email, even while they have not activated."""
    fleet = fleet_create(
        garage=garage,
        actor=garage_admin,
        name="Wagenpark BV",
        email="wagenpark@example.nl",
        manager_email="beheer@example.nl",
    )
    manager = FleetMembership.objects.get(fleet=fleet).user
    passport = PassportFactory(garage=garage, plate="GJ-55-55")
    fleet_link(passport=passport, fleet=fleet, actor=garage_admin)
    handover = transfer_confirm(
        passport=passport,
        contact=contact("koper.van.wagenpark@example.nl"),
        actor=manager,
        via=Transfer.Via.FLEET,
    ).transfer
    assert handover.state == Transfer.State.AWAITING_ACTIVATION

    response = api.get("/passports/GJ-55-55")

    assert response.json()["state"] == "customer"
    assert response.json()["owner"] is None
    assert b"koper.van.wagenpark" not in api.get("/passports").content


def test_owner_email_is_hidden_when_a_transfer_is_awaiting_a_new_owner_of_another_garages_car(
    api, api_b, garage, other_garage
):
    """Garage B's customer hand-over is B's business: A's GMS never sees the car at all."""
    passport = PassportFactory(garage=other_garage, plate="GJ-55-55")
    transfer(passport, "klant.van.b@example.nl")

    assert_error(api.get("/passports/GJ-55-55"), 404, "not_found")
    assert api_b.get("/passports/GJ-55-55").json()["owner"] == {"email": "klant.van.b@example.nl"}


def test_vehicle_data_and_dates_are_represented(api, garage):
    today = timezone.localdate()
    PassportFactory(
        garage=garage,
        plate="GJ-55-55",
        make="VOLKSWAGEN",
        model="GOLF",
        fuel="Benzine",
        colour="GRIJS",
        first_admission=today - timedelta(days=3_650),
        apk_expires=today + timedelta(days=100),
        odometer_km=54_321,
    )

    data = api.get("/passports/GJ-55-55").json()

    assert data["vehicle"] == {
        "make": "VOLKSWAGEN",
        "model": "GOLF",
        "fuel": "Benzine",
        "colour": "GRIJS",
        "first_registration": (today - timedelta(days=3_650)).isoformat(),
        "apk_expires": (today + timedelta(days=100)).isoformat(),
    }
    assert data["odometer_km"] == 54_321
    assert data["created_at"]
    assert data["updated_at"]


# --- GET /passports: the list -----------------------------------------------------------------


def plates_of(response):
    assert response.status_code == 200, response.content
    return [row["plate"] for row in response.json()["results"]]


def test_the_list_shows_only_the_tokens_garages_passports(api, api_b, garage, other_garage):
    mine = {PassportFactory(garage=garage).plate for _ in range(3)}
    theirs = {PassportFactory(garage=other_garage).plate for _ in range(2)}

    assert set(plates_of(api.get("/passports"))) == mine
    assert set(plates_of(api_b.get("/passports"))) == theirs
    for state in ("stock", "customer"):
        assert not set(plates_of(api.get("/passports", {"state": state}))) & theirs


def test_the_list_filters_on_state(api, garage):
    stock = {PassportFactory(garage=garage).plate for _ in range(2)}
    customers = {PassportFactory(garage=garage, customer=True).plate for _ in range(3)}

    assert set(plates_of(api.get("/passports", {"state": "stock"}))) == stock
    assert set(plates_of(api.get("/passports", {"state": "customer"}))) == customers
    assert set(plates_of(api.get("/passports"))) == stock | customers
    assert_error(api.get("/passports", {"state": "sold"}), 400, "invalid_input")


def test_the_list_filters_on_updated_since(api, garage):
    now = timezone.now()
    old = PassportFactory(garage=garage)
    new = PassportFactory(garage=garage)
    Passport.objects.filter(pk=old.pk).update(updated_at=now - timedelta(days=10))
    Passport.objects.filter(pk=new.pk).update(updated_at=now - timedelta(hours=1))

    since = (now - timedelta(days=1)).isoformat()
    assert plates_of(api.get("/passports", {"updated_since": since})) == [new.plate]
    since_utc = (now - timedelta(days=20)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert plates_of(api.get("/passports", {"updated_since": since_utc})) == [old.plate, new.plate]
    assert plates_of(api.get("/passports", {"updated_since": now.isoformat()})) == []
    assert_error(api.get("/passports", {"updated_since": "yesterday"}), 400, "invalid_input")


def test_updated_since_without_a_utc_offset_is_not_a_server_error(api, garage):
    """ISO 8601 allows a local time without offset; it must not reach the ORM as a naive
    datetime (a 500 here, a RuntimeWarning in production)."""
    PassportFactory(garage=garage)

    response = api.get("/passports", {"updated_since": "2020-01-01T00:00:00"})

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("offset", ["+16:00", "+22:24", "-18:30"])
def test_updated_since_with_an_offset_postgresql_cannot_store_is_not_a_server_error(
    api, garage, offset
):
    """ISO 8601 (and Python) allow offsets up to ±23:59; PostgreSQL only ±15:59. Such a value
    must be answered with 400 (or converted), never reach the database as is (found by the
    property-based run in test_schema.py)."""
    PassportFactory(garage=garage)

    response = api.get("/passports", {"updated_since": f"2024-11-05T19:11:02{offset}"})

    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert_error(response, 400)


def test_a_forged_cursor_with_an_unusual_offset_is_read_as_that_moment_not_a_500(api, garage):
    """+22:00 is a valid ISO 8601 offset; the API reads it as that moment in UTC."""
    PassportFactory(garage=garage)
    cursor = base64.urlsafe_b64encode(b"2024-11-05T19:11:02+22:00|1").decode()

    response = api.get("/passports", {"cursor": cursor})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


def test_a_change_moves_a_passport_to_the_end_of_the_list(api, garage):
    first, second = PassportFactory(garage=garage), PassportFactory(garage=garage)
    Passport.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    Passport.objects.filter(pk=second.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert plates_of(api.get("/passports")) == [first.plate, second.plate]

    api.post(
        f"/passports/{first.plate}/history",
        {
            "date": timezone.localdate().isoformat(),
            "odometer_km": 60_000,
            "kind": "other",
            "description": "Ruitenwissers",
        },
    )

    assert plates_of(api.get("/passports")) == [second.plate, first.plate]


def walk(api, params=None):
    """Every page of the list, following next_cursor; returns the plates and the page sizes."""
    plates, sizes, cursor = [], [], None
    for _ in range(100):
        query = dict(params or {})
        if cursor:
            query["cursor"] = cursor
        response = api.get("/passports", query)
        page = plates_of(response)
        plates += page
        sizes.append(len(page))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return plates, sizes
    raise AssertionError("the cursor never ends")


@pytest.mark.parametrize("same_timestamp", [False, True])
def test_cursor_pagination_walks_all_230_passports_once(api, garage, other_garage, same_timestamp):
    made = many_passports(garage, 230)
    many_passports(other_garage, 20, start=1_000)
    if same_timestamp:  # a bulk import: every row changed in the same microsecond
        Passport.objects.filter(garage=garage).update(updated_at=timezone.now())

    plates, sizes = walk(api)

    assert sizes == [100, 100, 30]
    assert len(plates) == len(set(plates)) == 230
    assert set(plates) == {passport.plate for passport in made}


def test_cursor_pagination_with_a_filter_and_exactly_a_full_page(api, garage):
    many_passports(garage, 200)
    many_passports(garage, 50, start=500, state=Passport.State.CUSTOMER, owner=None)

    plates, sizes = walk(api, {"state": "stock"})

    assert len(plates) == len(set(plates)) == 200
    assert sizes in ([100, 100], [100, 100, 0])


def test_a_page_stays_stable_when_a_row_of_an_earlier_page_changes(api, garage):
    made = many_passports(garage, 150)
    first = api.get("/passports")
    seen = plates_of(first)
    # A row of the first page changes while the GMS is paging: it moves to the end, once.
    Passport.objects.filter(plate=seen[0]).update(updated_at=timezone.now())

    rest, _sizes = [], None
    cursor = first.json()["next_cursor"]
    while cursor:
        response = api.get("/passports", {"cursor": cursor})
        rest += plates_of(response)
        cursor = response.json()["next_cursor"]

    assert set(seen) | set(rest) == {passport.plate for passport in made}
    assert len(rest) == len(set(rest)) == 51


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "!!!",
        base64.urlsafe_b64encode(b"no-separator").decode(),
        base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|abc").decode(),
        base64.urlsafe_b64encode(b"not-a-date|12").decode(),
        base64.urlsafe_b64encode(b"a|b|c").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe|1").decode(),
        "é",
    ],
)
def test_an_invalid_cursor_is_400_invalid_cursor(api, garage, cursor):
    PassportFactory(garage=garage)

    error = assert_error(api.get("/passports", {"cursor": cursor}), 400, "invalid_cursor")

    assert list(error["fields"]) == ["cursor"]


def test_a_cursor_with_an_out_of_range_id_is_not_a_server_error(api, garage):
    PassportFactory(garage=garage)
    cursor = base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|" + b"9" * 30).decode()

    response = api.get("/passports", {"cursor": cursor})

    assert response.status_code in (200, 400)


def test_a_cursor_of_another_garage_shows_nothing_of_that_garage(api, api_b, garage, other_garage):
    many_passports(other_garage, 120)
    many_passports(garage, 3, start=500)
    their_cursor = api_b.get("/passports").json()["next_cursor"]

    plates = plates_of(api.get("/passports", {"cursor": their_cursor}))

    assert set(plates) <= set(
        Passport.objects.filter(garage=garage).values_list("plate", flat=True)
    )


def test_the_list_is_two_queries_at_any_size(api, garage, django_assert_num_queries):
    """The token (with its garage) and the page: nothing per row."""
    many_passports(garage, 5)
    api.get("/passports")  # last_used_at is written at most once a minute: not in the count
    with django_assert_num_queries(2):
        assert len(plates_of(api.get("/passports"))) == 5
    many_passports(garage, 300, start=100)
    with django_assert_num_queries(2):
        assert len(plates_of(api.get("/passports"))) == 100
    with django_assert_num_queries(2):
        assert len(plates_of(api.get("/passports", {"state": "stock"}))) == 100


def test_the_detail_is_two_queries_for_stock_and_a_customer_car(
    api, garage, django_assert_num_queries
):
    stock = PassportFactory(garage=garage)
    handed = PassportFactory(garage=garage)
    transfer(handed, UserFactory().email)
    api.get(f"/passports/{stock.plate}")
    with django_assert_num_queries(2):
        assert api.get(f"/passports/{stock.plate}").status_code == 200
    with django_assert_num_queries(2):
        assert api.get(f"/passports/{handed.plate}").json()["owner"] is not None


def test_a_stock_cars_owner_email_follows_the_garages_new_login_email(api, garage):
    """Issue 14, item 13: stock cars kept a copy of the garage's email, so after the garage
    changed its login email the API still returned the old one, and a GMS that sent it back
    created a customer car (and an account) for the old mailbox."""
    old_email = garage.email
    assert api.post("/passports", stock_body("GJ-55-55", garage)).status_code == 201
    # The garage changes its login email in the account settings.
    user_change_login_email(
        user=garage.account_user,
        new_email="werkplaats@example.nl",
        context={"garage_name": garage.name, "changed_by": garage.account_user.full_name},
    )

    shown = api.get("/passports/GJ-55-55").json()["owner"]
    listed = api.get("/passports").json()["results"][0]["owner"]
    # The GMS registers its next car with the email it was given.
    created = api.post(
        "/passports", {"plate": "GJ-55-56", "owner": {"email": shown["email"]}}
    ).json()

    assert shown == listed == {"email": "werkplaats@example.nl"}
    assert (created["state"], created["owner"]) == ("stock", {"email": "werkplaats@example.nl"})
    assert not User.objects.filter(email=old_email).exists()


def test_the_api_refuses_abc_as_a_phone_and_stores_e164(api):
    """Walkthrough defect (phones): the owner's phone is validated and stored as E.164."""
    body = customer_body("HX-12-34")
    body["owner"]["phone"] = "abc"

    refused = api.post("/passports", body)

    assert refused.status_code in (400, 422), refused.content
    assert "phone" in json.dumps(refused.json()["error"]["fields"])
    assert not Passport.objects.exists()

    body["owner"]["phone"] = "06 12345678"
    created = api.post("/passports", body)
    assert created.status_code == 201, created.content
    assert Passport.objects.get().owner_phone == "+31612345678"
