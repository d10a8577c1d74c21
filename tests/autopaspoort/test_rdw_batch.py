"""The batched RDW client on its own: each dataset's shapes (found, none, several), paging,
the size of a batch's URL, and what it refuses to put in a query."""

from datetime import date

import httpx

from autopaspoort import rdw_batch
from tests.autopaspoort.factories import plate_for
from tests.autopaspoort.rdw_batch_server import Behaviour


def test_vehicles_found_none_and_several(rdw_batch_server):
    answer, found = rdw_batch.vehicles(["GJ5555", "TK301R", "ZZ9999"])

    assert answer.ok
    assert set(found) == {"GJ5555", "TK301R"}
    golf = found["GJ5555"]
    assert golf.values["apk_expires"] == date(2026, 3, 14)
    assert golf.values["fuel"] == "Benzine"
    assert golf.wam_insured is True
    assert golf.exported is False
    assert found["TK301R"].open_recall_indicator is True

    answer, found = rdw_batch.vehicles(["ZZ9999"])
    assert answer.ok
    assert found == {}


def test_fuel_failing_leaves_fuel_out_not_the_vehicles(rdw_batch_server, settings):
    settings.RDW_REFRESH_RETRIES = 0
    rdw_batch_server.respond("8ys7-d773", Behaviour(status=500))
    answer, found = rdw_batch.vehicles(["GJ5555"])
    assert answer.ok
    assert "fuel" not in found["GJ5555"].values
    assert found["GJ5555"].values["make"] == "VOLKSWAGEN"


def test_recall_statuses_details_defects_and_words(rdw_batch_server):
    answer, statuses = rdw_batch.recall_statuses(["TK301R", "GJ5555", "ZZ9999"])
    assert answer.ok
    assert {(s.kenteken, s.reference, s.is_open) for s in statuses} == {
        ("TK301R", "TYT230918", True),
        ("TK301R", "TYT210305", False),
        ("GJ5555", "VWG240412", True),
    }
    answer, details = rdw_batch.recall_details(["TYT230918", "NOPE000"])
    assert answer.ok
    assert list(details) == ["TYT230918"]
    assert details["TYT230918"].remedy == "De dealer vervangt de brandstofpomp."
    assert details["TYT230918"].published_on == date(2023, 9, 18)

    answer, defects = rdw_batch.apk_defects(["GJ5555"])
    assert answer.ok
    assert len(defects) == 3
    assert {d.count for d in defects if d.code == "205"} == {2}
    answer, words = rdw_batch.defect_descriptions(["AC1", "XXX"])
    assert words == {"AC1": "Band(en) onvoldoende profieldiepte"}


def test_nothing_to_ask_makes_no_request(rdw_batch_server):
    answer, details = rdw_batch.recall_details([])
    assert answer.ok
    assert details == {}
    assert rdw_batch.select_in("af5r-44mf", "referentiecode_rdw", []).ok
    assert rdw_batch_server.requests == []


def test_values_that_could_break_the_query_are_never_sent(rdw_batch_server):
    rdw_batch.select_in("m9d7-ebf2", "kenteken", ["GJ5555", "x') or 1=1 --", "AB'12"])
    [request] = rdw_batch_server.requests
    assert request.params["$where"] == "kenteken in('GJ5555')"


def test_a_dataset_larger_than_a_page_is_read_in_pages(rdw_batch_server, monkeypatch):
    monkeypatch.setattr(rdw_batch, "PAGE_ROWS", 2)
    answer = rdw_batch.select_in("a34c-vvps", "kenteken", ["GJ5555", "TK301R"])
    assert answer.ok
    assert len(answer.rows) == 4
    assert [r.params["$offset"] for r in rdw_batch_server.requests] == ["0", "2", "4"]
    assert answer.requests == 3


def test_a_full_batch_stays_under_8_kb_of_url(rdw_batch_server):
    plates = [plate_for(n).replace("-", "") for n in range(rdw_batch.BATCH_SIZE)]
    request = httpx.Request(
        "GET",
        "https://opendata.rdw.nl/resource/m9d7-ebf2.json",
        params={
            "$where": f"kenteken in({rdw_batch._in_list(plates)})",
            "$order": ":id",
            "$limit": str(rdw_batch.PAGE_ROWS),
            "$offset": "0",
        },
    )
    assert len(str(request.url)) < 8 * 1024


def test_a_long_retry_after_is_not_waited_for(rdw_batch_server):
    rdw_batch_server.respond("m9d7-ebf2", Behaviour(status=429, headers={"Retry-After": "3600"}))
    answer = rdw_batch.select_in("m9d7-ebf2", "kenteken", ["GJ5555"])
    assert answer.status == rdw_batch.BUSY
    assert answer.requests == 1
    assert rdw_batch_server.sleeps == []


def test_a_client_error_is_reported_not_raised(rdw_batch_server, settings):
    settings.RDW_REFRESH_RETRIES = 0
    rdw_batch_server.respond("m9d7-ebf2", Behaviour(status=400))
    answer = rdw_batch.select_in("m9d7-ebf2", "kenteken", ["GJ5555"])
    assert answer.status == rdw_batch.UNAVAILABLE
    assert "400" in answer.reason


def test_nothing_answers_at_all(rdw_batch_server, settings):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.RDW_BASE_URL = f"http://127.0.0.1:{port}/resource"
    settings.RDW_REFRESH_RETRIES = 1
    answer = rdw_batch.select_in("m9d7-ebf2", "kenteken", ["GJ5555"])
    assert answer.status == rdw_batch.UNAVAILABLE
    assert answer.requests == 2


def test_switched_off(rdw_batch_server, settings):
    settings.RDW_LOOKUP_ENABLED = False
    assert rdw_batch.select_in("m9d7-ebf2", "kenteken", ["GJ5555"]).status == rdw_batch.DISABLED
