import json
import logging
import socket
import time
from datetime import date
from unittest import mock

import pytest
from django.utils import translation

from autopaspoort import rdw

VEHICLES = rdw.VEHICLES_DATASET
FUEL = rdw.FUEL_DATASET

NOT_FOUND_MESSAGE = (
    "The RDW does not know this plate. Check it, or enter the vehicle data yourself."
)


def english_lookup(plate):
    with translation.override("en"):
        return rdw.lookup(plate)


def test_found_plate_gives_the_vehicle_data(rdw_server):
    result = rdw.lookup("gj-55-55")

    assert result.status == rdw.FOUND
    assert result.found
    assert result.message == ""
    assert result.vehicle == rdw.VehicleData(
        make="VOLKSWAGEN",
        model="GOLF",
        colour="GRIJS",
        first_admission=date(2016, 3, 14),
        apk_expires=date(2026, 3, 14),
        odometer_judgement="Logisch",
        fuel="Benzine",
    )
    assert [(r.dataset, r.kenteken) for r in rdw_server.requests] == [
        (VEHICLES, "GJ5555"),
        (FUEL, "GJ5555"),
    ]
    assert rdw_server.requests[0].headers["user-agent"] == "AutoPaspoort/1.0"


def test_hybrid_fuels_follow_the_volgnummer_not_the_order_of_the_answer(rdw_server):
    recorded = json.loads((rdw_server.recordings / "8ys7-d773_TK301R.json").read_text())
    assert [row["brandstof_volgnummer"] for row in recorded] == ["2", "1"]

    result = rdw.lookup("TK-301-R")

    assert result.vehicle.fuel == "Benzine, Elektriciteit"
    assert result.vehicle.make == "TOYOTA"
    assert result.vehicle.odometer_judgement == "Geen oordeel"


def test_missing_and_unregistered_fields_are_left_empty(rdw_server):
    row = {
        "kenteken": "GJ5555",
        "merk": "VOLKSWAGEN",
        "handelsbenaming": "GOLF",
        "eerste_kleur": "Niet geregistreerd",
        "datum_eerste_toelating": "20161340",  # no 13th month
        "datum_eerste_toelating_dt": "2016-13-40T00:00:00.000",
    }
    rdw_server.respond(VEHICLES, "GJ5555", body=json.dumps([row]).encode())
    rdw_server.respond(FUEL, "GJ5555", body=b"[]")

    vehicle = rdw.lookup("GJ5555").vehicle

    assert vehicle == rdw.VehicleData(
        make="VOLKSWAGEN",
        model="GOLF",
        colour="",
        first_admission=None,
        apk_expires=None,
        odometer_judgement="",
        fuel="",
    )


def test_unknown_plate_is_not_found_with_a_message(rdw_server):
    result = english_lookup("XB-001-B")

    assert result.status == rdw.NOT_FOUND
    assert not result.found
    assert result.vehicle is None
    assert result.message == NOT_FOUND_MESSAGE
    assert [r.dataset for r in rdw_server.requests] == [VEHICLES]  # no fuel asked for


@pytest.mark.parametrize("plate", ["", " - ", "GJ-55-5ß", "GJ/55/55"])
def test_plate_that_cannot_exist_is_not_found_without_asking(rdw_server, plate):
    assert english_lookup(plate).message == NOT_FOUND_MESSAGE
    assert rdw_server.requests == []


def test_rate_limited_rdw_is_unavailable_and_says_it_is_busy(rdw_server, caplog):
    rdw_server.respond(VEHICLES, "GJ5555", status=429)

    with caplog.at_level(logging.WARNING, logger="autopaspoort.rdw"):
        result = english_lookup("GJ-55-55")

    assert result.status == rdw.UNAVAILABLE
    assert result.vehicle is None
    assert result.message.startswith("The RDW is busy right now.")
    assert "429" in caplog.text


@pytest.mark.parametrize("status", [500, 502, 503])
def test_failing_rdw_is_unavailable(rdw_server, caplog, status):
    rdw_server.respond(VEHICLES, "GJ5555", status=status)

    with caplog.at_level(logging.WARNING, logger="autopaspoort.rdw"):
        result = english_lookup("GJ-55-55")

    assert result.status == rdw.UNAVAILABLE
    assert result.message.startswith("The RDW is not answering right now.")
    assert str(status) in caplog.text


def test_other_http_errors_are_unavailable(rdw_server):
    rdw_server.respond(VEHICLES, "GJ5555", status=403)  # e.g. an app token the RDW refuses

    assert rdw.lookup("GJ5555").status == rdw.UNAVAILABLE


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Service Unavailable</body></html>",
        b'[{"kenteken": "GJ5555", "merk": ',
        b'{"error": true, "message": "query timed out"}',
        b'["GJ5555"]',
    ],
    ids=["html", "truncated", "object", "not-rows"],
)
def test_unreadable_answer_is_unavailable(rdw_server, body):
    rdw_server.respond(VEHICLES, "GJ5555", body=body)

    assert rdw.lookup("GJ5555").status == rdw.UNAVAILABLE


def test_slow_rdw_is_unavailable_within_the_timeout(rdw_server, settings):
    settings.RDW_TIMEOUT_SECONDS = 0.5
    rdw_server.respond(VEHICLES, "GJ5555", delay=5)

    started = time.monotonic()
    result = english_lookup("GJ5555")
    elapsed = time.monotonic() - started

    assert result.status == rdw.UNAVAILABLE
    assert result.message.startswith("The RDW is not answering right now.")
    assert 0.4 < elapsed < 1.5


def test_dripping_answer_cannot_outlast_the_timeout(rdw_server, settings):
    """Each byte arrives well within the read timeout; only the total is too slow."""
    settings.RDW_TIMEOUT_SECONDS = 0.5
    rdw_server.respond(VEHICLES, "GJ5555", drip=0.05)

    started = time.monotonic()
    result = rdw.lookup("GJ5555")
    elapsed = time.monotonic() - started

    assert result.status == rdw.UNAVAILABLE
    assert elapsed < 1.5


def test_unreachable_rdw_is_unavailable(rdw_server, settings):
    with socket.socket() as closed:  # a port nobody listens on once this socket is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.RDW_BASE_URL = f"http://127.0.0.1:{port}/resource"

    assert rdw.lookup("GJ5555").status == rdw.UNAVAILABLE


def test_failing_fuel_lookup_still_shows_the_vehicle_but_is_not_cached(rdw_server):
    rdw_server.respond(FUEL, "GJ5555", status=500)

    first = rdw.lookup("GJ5555")
    second = rdw.lookup("GJ5555")

    assert first.status == second.status == rdw.FOUND
    assert first.vehicle.make == "VOLKSWAGEN"
    assert first.vehicle.fuel == ""
    assert len(rdw_server.requests_for(VEHICLES)) == 2


def test_found_plate_is_cached_whatever_its_spelling(rdw_server):
    first = rdw.lookup("gj-55-55")
    requests_after_first = len(rdw_server.requests)
    second = rdw.lookup("GJ5555")

    assert len(rdw_server.requests) == requests_after_first == 2
    assert second == first
    assert isinstance(second.vehicle.first_admission, date)


def test_not_found_plate_is_cached(rdw_server):
    rdw.lookup("XB-001-B")
    result = english_lookup("xb001b")

    assert result.status == rdw.NOT_FOUND
    assert result.message == NOT_FOUND_MESSAGE
    assert len(rdw_server.requests) == 1


@pytest.mark.parametrize(
    ("plate", "expected_seconds"),
    [("GJ5555", 24 * 60 * 60), ("XB001B", 6 * 60 * 60)],
    ids=["found", "not-found"],
)
def test_cache_lifetimes(rdw_server, monkeypatch, plate, expected_seconds):
    spy = mock.Mock(wraps=rdw.cache)
    monkeypatch.setattr(rdw, "cache", spy)

    rdw.lookup(plate)

    spy.set.assert_called_once_with(f"rdw:v1:{plate}", mock.ANY, expected_seconds)


def test_unavailable_is_not_cached(rdw_server):
    rdw_server.respond(VEHICLES, "GJ5555", status=503)

    rdw.lookup("GJ5555")
    rdw.lookup("GJ5555")

    assert len(rdw_server.requests_for(VEHICLES)) == 2


def test_switched_off_lookup_asks_nothing(rdw_server, settings):
    settings.RDW_LOOKUP_ENABLED = False

    result = english_lookup("GJ-55-55")

    assert result.status == rdw.DISABLED
    assert result.vehicle is None
    assert result.message.startswith("Looking up vehicle data at the RDW is switched off.")
    assert rdw_server.requests == []


def test_app_token_is_sent_when_configured(rdw_server, settings):
    settings.RDW_APP_TOKEN = "test-token"

    rdw.lookup("GJ5555")

    assert {r.headers.get("x-app-token") for r in rdw_server.requests} == {"test-token"}


def test_no_app_token_header_without_a_token(rdw_server):
    rdw.lookup("GJ5555")

    assert all("x-app-token" not in r.headers for r in rdw_server.requests)
