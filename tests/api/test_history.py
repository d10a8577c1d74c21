"""POST /api/v1/passports/{plate}/history: a workshop order in the car's history, once per
`external_id`, with the same odometer rule as the dashboard."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from autopaspoort.models import HistoryEntry, Passport
from tests.api.conftest import assert_error
from tests.autopaspoort.factories import PassportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def car(garage):
    """Garage A's stock car, last read at 50,000 km today."""
    return PassportFactory(garage=garage, plate="GJ-55-55", odometer_km=50_000)


def order(**fields):
    return {
        "date": timezone.localdate().isoformat(),
        "odometer_km": 54_321,
        "kind": "maintenance",
        "description": "Kleine beurt met olie en filters",
        "cost_eur": "123.45",
        "external_id": "WO-2024-001",
        **fields,
    }


def test_a_workshop_order_is_added_with_201(api, car):
    today = timezone.localdate()
    response = api.post("/passports/GJ-55-55/history", order(date=today.isoformat()))

    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    entry = HistoryEntry.objects.get()
    assert data == {
        "id": entry.pk,
        "date": today.isoformat(),
        "odometer_km": 54_321,
        "kind": "maintenance",
        "description": "Kleine beurt met olie en filters",
        "cost_eur": "123.45",
        "external_id": "WO-2024-001",
    }
    assert entry.passport == car
    assert entry.garage == car.garage
    assert entry.cost == Decimal("123.45")
    assert entry.created_by == car.garage.account_user
    car.refresh_from_db()
    assert car.odometer_km == 54_321


def test_the_same_external_id_again_is_200_with_the_first_entry_and_no_duplicate(api, car):
    first = api.post("/passports/GJ-55-55/history", order())
    again = api.post("/passports/gj5555/history", order(description="Resent, maybe edited"))

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert HistoryEntry.objects.count() == 1


def test_the_same_external_id_on_another_car_is_another_entry(api, car, garage):
    PassportFactory(garage=garage, plate="HX-12-34", odometer_km=50_000)

    assert api.post("/passports/GJ-55-55/history", order()).status_code == 201
    assert api.post("/passports/HX-12-34/history", order()).status_code == 201
    assert HistoryEntry.objects.count() == 2


def test_entries_without_external_id_are_each_added(api, car):
    body = order()
    del body["external_id"]

    statuses = [api.post("/passports/GJ-55-55/history", body).status_code for _ in range(2)]

    assert statuses == [201, 201]
    assert HistoryEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("kind", "stored"),
    [
        ("maintenance", HistoryEntry.Kind.SMALL_SERVICE),
        ("repair", HistoryEntry.Kind.REPAIR),
        ("apk", HistoryEntry.Kind.APK),
        ("tyres", HistoryEntry.Kind.TYRES),
        ("other", HistoryEntry.Kind.OTHER),
    ],
)
def test_kinds_map_to_the_history_kinds(api, car, kind, stored):
    response = api.post("/passports/GJ-55-55/history", order(kind=kind))

    assert response.status_code == 201
    assert response.json()["kind"] == kind
    assert HistoryEntry.objects.get().kind == stored


def test_an_entry_made_on_the_dashboard_as_large_service_reads_as_maintenance(api, car):
    entry = HistoryEntry.objects.create(
        passport=car,
        garage=car.garage,
        kind=HistoryEntry.Kind.LARGE_SERVICE,
        date=timezone.localdate() - timedelta(days=3),
        odometer_km=50_000,
        description="Grote beurt",
        external_id="WO-9",
        created_by=car.garage.account_user,
    )

    response = api.post("/passports/GJ-55-55/history", order(external_id="WO-9"))

    assert response.status_code == 200
    assert response.json()["id"] == entry.pk
    assert response.json()["kind"] == "maintenance"


@pytest.mark.parametrize("kind", ["small_service", "large_service", "MAINTENANCE", "", "wash"])
def test_an_unknown_kind_is_400(api, car, kind):
    error = assert_error(api.post("/passports/GJ-55-55/history", order(kind=kind)), 400)

    assert "kind" in error["fields"]
    assert not HistoryEntry.objects.exists()


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("123.45", "123.45"),
        (123.45, "123.45"),
        ("0.1", "0.10"),
        ("100", "100.00"),
        (0, "0.00"),
        ("99999.99", "99999.99"),
    ],
)
def test_cost_is_exact_and_returned_as_a_string_with_two_decimals(api, car, sent, stored):
    response = api.post("/passports/GJ-55-55/history", order(cost_eur=sent))

    assert response.status_code == 201, response.content
    assert response.json()["cost_eur"] == stored
    assert HistoryEntry.objects.get().cost == Decimal(stored)


def test_cost_defaults_to_zero(api, car):
    body = order()
    del body["cost_eur"]

    response = api.post("/passports/GJ-55-55/history", body)

    assert response.status_code == 201
    assert response.json()["cost_eur"] == "0.00"


@pytest.mark.parametrize("cost", ["1.234", "-1.00", "abc", "1e400", "NaN", "Infinity", "100000.01"])
def test_an_invalid_cost_is_400_with_the_cost_field(api, car, cost):
    error = assert_error(api.post("/passports/GJ-55-55/history", order(cost_eur=cost)), 400)

    assert "cost_eur" in error["fields"]
    assert not HistoryEntry.objects.exists()


def test_a_lower_odometer_than_the_cars_last_reading_is_refused_with_the_field(api, car):
    response = api.post(
        "/passports/GJ-55-55/history",
        order(date=timezone.localdate().isoformat(), odometer_km=40_000),
    )

    error = assert_error(response, 400)
    assert list(error["fields"]) == ["odometer_km"]
    assert "40,000 km" in error["fields"]["odometer_km"][0]
    assert "50,000 km" in error["message"]
    assert not HistoryEntry.objects.exists()
    car.refresh_from_db()
    assert car.odometer_km == 50_000


def test_an_older_order_with_a_lower_reading_fits_and_is_added(api, car):
    response = api.post(
        "/passports/GJ-55-55/history",
        order(date=(timezone.localdate() - timedelta(days=60)).isoformat(), odometer_km=45_000),
    )

    assert response.status_code == 201
    car.refresh_from_db()
    assert car.odometer_km == 50_000  # the newer reading stays the car's reading


def test_a_date_in_the_future_is_refused_with_the_date_field(api, car):
    response = api.post(
        "/passports/GJ-55-55/history",
        order(date=(timezone.localdate() + timedelta(days=1)).isoformat()),
    )

    error = assert_error(response, 400)
    assert list(error["fields"]) == ["date"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "2024-02-30"),
        ("date", "yesterday"),
        ("date", None),
        ("odometer_km", -5),
        ("odometer_km", "many"),
        ("odometer_km", None),
        ("description", ""),
        ("description", "x" * 5001),
        ("external_id", "x" * 101),
    ],
)
def test_invalid_fields_are_400_invalid_input_with_the_field(api, car, field, value):
    error = assert_error(
        api.post("/passports/GJ-55-55/history", order(**{field: value})), 400, "invalid_input"
    )

    assert field in error["fields"]
    assert not HistoryEntry.objects.exists()


@pytest.mark.parametrize("missing", ["date", "odometer_km", "kind", "description"])
def test_required_fields_are_named_when_missing(api, car, missing):
    body = order()
    del body[missing]

    error = assert_error(api.post("/passports/GJ-55-55/history", body), 400, "invalid_input")

    assert missing in error["fields"]


def test_another_garages_plate_is_404_and_nothing_is_written(api, other_garage):
    theirs = PassportFactory(garage=other_garage, plate="GJ-55-55", odometer_km=50_000)

    response = api.post("/passports/GJ-55-55/history", order())

    assert_error(response, 404, "not_found")
    assert not HistoryEntry.objects.exists()
    assert Passport.objects.get(pk=theirs.pk).odometer_km == 50_000


def test_a_resent_order_of_another_garage_does_not_reveal_their_entry(api, other_garage):
    """Even with B's external_id, A's GMS learns nothing about B's car."""
    theirs = PassportFactory(garage=other_garage, plate="GJ-55-55", odometer_km=50_000)
    HistoryEntry.objects.create(
        passport=theirs,
        garage=other_garage,
        kind=HistoryEntry.Kind.REPAIR,
        date=timezone.localdate(),
        odometer_km=50_000,
        description="Geheim",
        external_id="WO-2024-001",
        created_by=other_garage.account_user,
    )

    response = api.post("/passports/GJ-55-55/history", order())

    assert_error(response, 404, "not_found")
    assert b"Geheim" not in response.content


@pytest.mark.parametrize("plate", ["HX-12-34", "not-a-plate"])
def test_an_unknown_or_invalid_plate_is_404(api, car, plate):
    assert_error(api.post(f"/passports/{plate}/history", order()), 404, "not_found")


def test_history_for_a_customer_car_the_garage_services_is_added(api, garage, owner):
    PassportFactory(
        garage=garage,
        plate="GJ-55-55",
        state=Passport.State.CUSTOMER,
        owner=owner,
        odometer_km=50_000,
    )

    assert api.post("/passports/GJ-55-55/history", order()).status_code == 201


# --- Strict types and sane dates (issue 14, item 18) -------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("odometer_km", True),
        ("odometer_km", "12"),
        ("odometer_km", 12.5),
        ("date", "0001-01-01"),
        ("date", "1899-12-31"),
        ("date", 0),
        ("date", "2999-01-01"),
    ],
)
def test_a_history_entry_with_a_loose_type_or_an_impossible_date_is_400(api, car, field, value):
    body = {
        "date": "2024-03-01",
        "odometer_km": 50_000,
        "kind": "maintenance",
        "description": "Grote beurt",
        field: value,
    }

    response = api.post(f"/passports/{car.plate}/history", body)

    error = assert_error(response, 400)
    assert field in error["fields"], error
    assert not car.history.exists()


@pytest.mark.parametrize("value", [True, "12"])
def test_a_passport_with_a_loose_odometer_type_is_400(api, garage, value):
    response = api.post(
        "/passports", {"plate": "GJ-55-55", "owner": {"email": garage.email}, "odometer_km": value}
    )

    error = assert_error(response, 400)
    assert "odometer_km" in error["fields"], error


def test_single_and_bulk_create_refuse_alike_when_the_login_lost_its_admin_membership(api, garage):
    """One rule for both paths: in the API the token already stops at authentication, and the
    registration services refuse alike for any caller."""
    from django.core.exceptions import PermissionDenied

    from garage.models import Membership
    from transfers.models import Transfer
    from transfers.services import OwnerContact, passport_register, passport_register_many

    Membership.objects.filter(garage=garage, user=garage.account_user).delete()
    owner = OwnerContact(email=garage.email)

    single = api.post("/passports", {"plate": "GJ-55-55", "owner": {"email": garage.email}})
    bulk = api.post(
        "/passports/bulk", {"items": [{"plate": "GJ-55-56", "owner": {"email": garage.email}}]}
    )
    assert single.status_code == bulk.status_code == 401
    with pytest.raises(PermissionDenied):
        passport_register(
            garage=garage, actor=garage.account_user, plate="GJ-55-57", owner=owner,
            via=Transfer.Via.API,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        passport_register_many(
            garage=garage, actor=garage.account_user,
            items=[{"plate": "GJ-55-58", "owner": owner}], via=Transfer.Via.API,
        )  # fmt: skip
    assert not garage.passports.exists()


def test_the_gms_api_reports_an_apk_expiry_the_same_way(garage, api):
    car = PassportFactory(garage=garage, apk_expires=date(2027, 3, 1))
    client = api
    today = timezone.localdate()
    new_expiry = today.replace(year=today.year + 1)
    payload = {
        "date": today.isoformat(),
        "odometer_km": 50000,
        "kind": "apk",
        "description": "APK",
        "apk_expires": new_expiry.isoformat(),
    }
    response = client.post(f"/passports/{car.plate}/history", payload)
    assert response.status_code == 201, response.content
    car.refresh_from_db()
    assert car.apk_expires == new_expiry
    assert car.apk_reported_by_garage

    payload.update(kind="repair", external_id="wo-2")
    response = client.post(f"/passports/{car.plate}/history", payload)
    assert response.status_code == 400
    assert "apk_expires" in response.json()["error"]["fields"]


@pytest.mark.parametrize("field", ["external_id", "description"])
def test_a_nul_character_in_a_text_field_is_a_400_not_a_server_error(garage, api, field):
    """Found by the schema fuzzer: PostgreSQL refuses NUL in text, so it is refused first."""
    car = PassportFactory(garage=garage)
    body = {
        "date": timezone.localdate().isoformat(),
        "odometer_km": car.odometer_km + 10,
        "kind": "repair",
        "description": "Remblokken",
        field: "wo\x00-1",
    }
    response = api.post(f"/passports/{car.plate}/history", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not HistoryEntry.objects.filter(passport=car).exists()
