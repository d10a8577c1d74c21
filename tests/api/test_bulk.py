"""POST /api/v1/passports/bulk: up to 1,000 create bodies, one result per item in order, each
item on its own, in a fixed number of queries for plain stock."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from autopaspoort.models import Passport
from fleet.services import fleet_create
from notifications.models import Notification
from tests.api.conftest import assert_error, customer_body, stock_body
from tests.autopaspoort.factories import PassportFactory, plate_for
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

BULK_FROM = 700_000  # plates made here stay clear of PassportFactory's sequence


def stock_items(garage, count, start=0):
    return [stock_body(plate_for(BULK_FROM + start + n), garage) for n in range(count)]


def test_a_mixed_batch_gets_one_result_per_item_in_order(
    api, garage, other_garage, django_capture_on_commit_callbacks
):
    PassportFactory(garage=garage, plate="KL-01-01")
    PassportFactory(garage=other_garage, plate="NP-02-02")
    items = [
        stock_body("GJ-55-55", garage, odometer_km=1_000),  # 0 new stock
        customer_body("HX-12-34", "klant@example.nl"),  # 1 new customer
        stock_body("kl0101", garage),  # 2 this garage already has it
        stock_body("NP-02-02", garage),  # 3 another garage's plate
        stock_body("!!", garage),  # 4 invalid plate
        {"plate": "RS-03-03"},  # 5 no owner
        stock_body("gj 55 55", garage),  # 6 the same plate as item 0
        stock_body("TV-04-04", garage),  # 7 new stock after the bad ones
        customer_body("hx1234", "klant@example.nl"),  # 8 the same customer car again
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/passports/bulk", {"items": items})

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    results = response.json()["results"]
    assert [result["status"] for result in results] == [201, 201, 200, 409, 400, 400, 200, 201, 200]
    assert [result["plate"] for result in results] == [
        "GJ-55-55",
        "HX-12-34",
        "KL-01-01",
        "NP-02-02",
        "!!",
        "RS-03-03",
        "GJ-55-55",
        "TV-04-04",
        "HX-12-34",
    ]
    for index in (0, 1, 2, 6, 7, 8):
        assert results[index]["error"] is None
        assert results[index]["passport"]["plate"] == results[index]["plate"]
    assert results[0]["passport"]["state"] == "stock"
    assert results[0]["passport"]["odometer_km"] == 1_000
    assert results[1]["passport"]["state"] == "customer"
    assert results[1]["passport"]["owner"] == {"email": "klant@example.nl"}
    assert results[3]["error"]["code"] == "plate_taken"
    assert results[4]["error"]["code"] == "invalid_plate"
    assert results[5]["error"]["code"] == "invalid_input"
    assert "owner" in results[5]["error"]["fields"]
    for index in (3, 4, 5):
        assert results[index]["passport"] is None
        assert set(results[index]["error"]) == {"code", "message", "fields"}
        assert results[index]["error"]["message"]

    assert set(Passport.objects.filter(garage=garage).values_list("plate", flat=True)) == {
        "GJ-55-55",
        "HX-12-34",
        "KL-01-01",
        "TV-04-04",
    }
    assert Passport.objects.get(plate="NP-02-02").garage == other_garage
    assert not Passport.objects.filter(plate="RS-03-03").exists()
    (handover,) = Transfer.objects.all()
    assert handover.via == Transfer.Via.API
    assert handover.passport.plate == "HX-12-34"
    (notification,) = Notification.objects.all()
    assert notification.kind == Notification.Kind.OWNER_ACTIVATION
    assert [message.to for message in mail.outbox] == [["klant@example.nl"]]


def test_a_failing_item_does_not_undo_the_items_before_or_after_it(api, garage, garage_admin):
    fleet = fleet_create(
        garage=garage,
        actor=garage_admin,
        name="Wagenpark BV",
        email="wagenpark@example.nl",
        manager_email="beheer@example.nl",
    )
    items = [
        customer_body("GJ-55-55", "een@example.nl"),
        customer_body("HX-12-34", "twee@example.nl", fleet_id=fleet.pk),  # the transfer refuses
        stock_body("KL-01-01", garage, fleet_id=999_999_999),  # unknown fleet
        customer_body("NP-02-02", "drie@example.nl"),
    ]

    results = api.post("/passports/bulk", {"items": items}).json()["results"]

    assert [result["status"] for result in results] == [201, 400, 400, 201]
    assert results[2]["error"]["code"] == "invalid_fleet"
    assert "fleet_id" in results[2]["error"]["fields"]
    assert set(Passport.objects.values_list("plate", flat=True)) == {"GJ-55-55", "NP-02-02"}
    assert Transfer.objects.count() == 2
    owners = Notification.objects.filter(kind=Notification.Kind.OWNER_ACTIVATION)
    assert sorted(owners.values_list("recipient", flat=True)) == [
        "drie@example.nl",
        "een@example.nl",
    ]


def test_resending_a_batch_returns_200_for_every_item_and_sends_nothing_again(
    api, garage, django_capture_on_commit_callbacks
):
    items = [*stock_items(garage, 3), customer_body("HX-12-34")]
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/passports/bulk", {"items": items}).json()["results"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = api.post("/passports/bulk", {"items": items}).json()["results"]

    assert [result["status"] for result in first] == [201, 201, 201, 201]
    assert [result["status"] for result in again] == [200, 200, 200, 200]
    assert [r["passport"] for r in again] == [r["passport"] for r in first]
    assert Passport.objects.count() == 4
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert callbacks == []


@pytest.mark.parametrize("item", [42, "GJ-55-55", None, [], {"items": []}, {"plate": None}])
def test_an_item_that_is_not_a_create_body_is_400_on_its_own(api, garage, item):
    results = api.post("/passports/bulk", {"items": [item, stock_body("GJ-55-55", garage)]}).json()[
        "results"
    ]

    assert [result["status"] for result in results] == [400, 201]
    assert results[0]["error"]["code"] == "invalid_input"
    assert results[0]["plate"] is None


def test_an_empty_batch_is_200_with_no_results(api):
    response = api.post("/passports/bulk", {"items": []})

    assert response.status_code == 200
    assert response.json() == {"results": []}


@pytest.mark.parametrize(
    "body", [{}, {"items": None}, {"items": "GJ-55-55"}, {"items": {"0": {}}}, [], None]
)
def test_a_bulk_body_without_an_items_list_is_400(api, body):
    error = assert_error(api.post("/passports/bulk", body), 400, "invalid_input")

    assert error["fields"]


def test_1001_items_is_413_and_nothing_is_created(api, garage):
    response = api.post("/passports/bulk", {"items": stock_items(garage, 1_001)})

    error = assert_error(response, 413, "too_many_items")
    assert "1000" in error["message"].replace(",", "")
    assert not Passport.objects.exists()


def test_1000_items_is_accepted(api, garage):
    response = api.post("/passports/bulk", {"items": stock_items(garage, 1_000)})

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 1_000
    assert {result["status"] for result in results} == {201}
    assert Passport.objects.filter(garage=garage).count() == 1_000


def test_bulk_stock_cars_are_the_same_rows_as_single_creates(api, garage):
    api.post("/passports", stock_body("GJ-55-55", garage, odometer_km=12_000))
    api.post("/passports/bulk", {"items": [stock_body("HX-12-34", garage, odometer_km=12_000)]})

    single = api.get("/passports/GJ-55-55").json()
    bulk = api.get("/passports/HX-12-34").json()
    ignore = {"plate", "created_at", "updated_at"}
    assert {k: v for k, v in bulk.items() if k not in ignore} == {
        k: v for k, v in single.items() if k not in ignore
    }
    fields = ["state", "owner", "contact_email", "activated_at", "odometer_km", "fleet"]
    rows = {p.plate: p for p in Passport.objects.all()}
    for field in fields:
        one, other = getattr(rows["GJ-55-55"], field), getattr(rows["HX-12-34"], field)
        assert (one is None) == (other is None), field
        if field != "activated_at":
            assert one == other, field


def test_plain_stock_items_cost_a_fixed_number_of_queries(api, garage):
    api.post("/passports/bulk", {"items": []})  # last_used_at is written once a minute
    with CaptureQueriesContext(connection) as ten:
        response = api.post("/passports/bulk", {"items": stock_items(garage, 10)})
    assert {r["status"] for r in response.json()["results"]} == {201}
    with CaptureQueriesContext(connection) as two_hundred:
        response = api.post("/passports/bulk", {"items": stock_items(garage, 200, start=100)})
    assert {r["status"] for r in response.json()["results"]} == {201}

    assert len(two_hundred) <= len(ten) + 2, [q["sql"][:120] for q in two_hundred]


def test_resent_plain_stock_costs_a_fixed_number_of_queries(api, garage):
    api.post("/passports/bulk", {"items": stock_items(garage, 210)})
    with CaptureQueriesContext(connection) as ten:
        api.post("/passports/bulk", {"items": stock_items(garage, 10)})
    with CaptureQueriesContext(connection) as two_hundred:
        api.post("/passports/bulk", {"items": stock_items(garage, 200, start=10)})

    assert len(two_hundred) <= len(ten) + 2


def test_the_bulk_path_with_a_trailing_slash_works_the_same(api, garage):
    response = api.post("/passports/bulk/", {"items": stock_items(garage, 2)})

    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == [201, 201]


def test_garage_bs_token_cannot_claim_garage_as_plates_in_bulk(api, api_b, garage, other_garage):
    PassportFactory(garage=garage, plate="GJ-55-55", make="TESLA")

    response = api_b.post("/passports/bulk", {"items": [stock_body("GJ-55-55", other_garage)]})

    (result,) = response.json()["results"]
    assert result["status"] == 409
    assert result["passport"] is None
    assert b"TESLA" not in response.content
    assert Passport.objects.get(plate="GJ-55-55").garage == garage
