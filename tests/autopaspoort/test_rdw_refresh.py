"""The background RDW refresh against recorded answers: what it writes, in which order it takes
the cars, and what a 429 or 5xx storm leaves behind (nothing half-written; the next run
resumes)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from autopaspoort import rdw_batch, rdw_refresh
from autopaspoort.models import ApkDefect, Passport, PassportRecall, Recall
from autopaspoort.rdw_refresh import rdw_refresh_run
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.autopaspoort.rdw_batch_server import Behaviour

pytestmark = pytest.mark.django_db

VEHICLES = "m9d7-ebf2"
FUEL = "8ys7-d773"
STATUS = "t49b-isb7"
DETAILS = "af5r-44mf"
DEFECTS = "a34c-vvps"
WORDS = "hx2c-gt7k"
DATASETS = (VEHICLES, FUEL, STATUS, DETAILS, DEFECTS, WORDS)
FOUND = Passport.RdwStatus.FOUND
Registration = Passport.RdwRegistration


@pytest.fixture
def cars(db):
    """A customer's Golf with an open recall and APK defects, a stock Toyota with one open and
    one repaired recall, and a stock Peugeot the RDW lists as exported."""
    golf = PassportFactory(plate="GJ-55-55", customer=True, make="", model="", apk_expires=None)
    toyota = PassportFactory(plate="TK-301-R", garage=golf.garage)
    peugeot = PassportFactory(plate="HJ-12-34", garage=golf.garage)
    return golf, toyota, peugeot


def reload(*passports):
    return [Passport.objects.get(pk=p.pk) for p in passports]


def test_one_request_per_dataset_for_a_whole_batch(rdw_batch_server, cars):
    result = rdw_refresh_run()

    assert result.status == rdw_batch.OK
    assert result.cars == 3
    assert result.batches == 1
    assert [r.dataset for r in rdw_batch_server.requests] == list(DATASETS)
    assert result.requests == 6
    vehicles = rdw_batch_server.requests_for(VEHICLES)[0]
    assert vehicles.column == "kenteken"
    assert sorted(vehicles.values) == ["GJ5555", "HJ1234", "TK301R"]
    assert vehicles.params["$limit"] == str(rdw_batch.PAGE_ROWS)
    # Details only for the recalls the cars have, words only for the codes found.
    assert sorted(rdw_batch_server.requests_for(DETAILS)[0].values) == [
        "TYT210305",
        "TYT230918",
        "VWG240412",
    ]
    assert sorted(rdw_batch_server.requests_for(WORDS)[0].values) == ["205", "AC1", "RA2"]
    assert "x-app-token" not in vehicles.headers


def test_the_app_token_is_sent_when_configured(rdw_batch_server, cars, settings):
    settings.RDW_APP_TOKEN = "test-app-token"
    rdw_refresh_run()
    assert {r.headers["x-app-token"] for r in rdw_batch_server.requests} == {"test-app-token"}


def test_vehicle_data_registration_and_insurance_are_written(rdw_batch_server, cars):
    before = timezone.now()
    rdw_refresh_run()
    golf, toyota, peugeot = reload(*cars)

    assert (golf.make, golf.model, golf.apk_expires) == ("VOLKSWAGEN", "GOLF", date(2026, 3, 14))
    assert golf.rdw_odometer_judgement == "Logisch"
    assert golf.fuel == "Benzine"
    assert golf.wam_insured is True
    assert golf.rdw_registration == Registration.REGISTERED
    assert golf.rdw_status == FOUND
    assert golf.rdw_checked_at >= before
    assert golf.rdw_next_check_at > golf.rdw_checked_at
    assert toyota.fuel == "Benzine, Elektriciteit"
    assert peugeot.rdw_registration == Registration.EXPORTED
    assert peugeot.wam_insured is False


def test_recalls_with_their_details_and_status(rdw_batch_server, cars):
    golf, toyota, _peugeot = cars
    rdw_refresh_run()

    airbag = Recall.objects.get(reference="VWG240412")
    assert airbag.remedy.startswith("De dealer vervangt de bevestiging")
    assert airbag.info_url == "https://www.volkswagen.nl/terugroepacties"
    assert airbag.published_on == date(2024, 4, 12)
    assert airbag.category == "Airbag"
    rows = {
        (row.passport.plate, row.recall.reference): row.status
        for row in PassportRecall.objects.select_related("passport", "recall")
    }
    assert rows == {
        ("GJ-55-55", "VWG240412"): "open",
        ("TK-301-R", "TYT230918"): "open",
        ("TK-301-R", "TYT210305"): "repaired",
    }


def test_apk_defects_with_their_descriptions(rdw_batch_server, cars):
    golf, toyota, peugeot = cars
    rdw_refresh_run()

    defects = list(
        ApkDefect.objects.filter(passport=golf).values_list(
            "reported_on", "code", "description", "count"
        )
    )
    assert defects == [
        (date(2025, 3, 10), "205", "Remleiding of -slang beschadigd of te sterk gecorrodeerd", 2),
        (date(2025, 3, 10), "AC1", "Band(en) onvoldoende profieldiepte", 1),
        (date(2024, 3, 1), "RA2", "Ruitenwisser werkt niet naar behoren", 1),
    ]
    assert not ApkDefect.objects.filter(passport=peugeot).exists()


def test_a_second_run_is_idempotent_and_asks_only_what_it_lacks(rdw_batch_server, cars):
    rdw_refresh_run()
    assert rdw_refresh_run().cars == 0  # nothing is due again yet
    Passport.objects.update(rdw_next_check_at=None)
    rdw_batch_server.requests.clear()

    result = rdw_refresh_run()

    assert result.cars == 3
    # Recall details and defect words are known now: four requests, not six.
    assert [r.dataset for r in rdw_batch_server.requests] == [VEHICLES, FUEL, STATUS, DEFECTS]
    assert PassportRecall.objects.count() == 3
    assert ApkDefect.objects.count() == 4
    assert Recall.objects.count() == 3


def test_a_plate_found_before_and_absent_now_is_no_longer_registered(rdw_batch_server, db):
    gone = PassportFactory(plate="GD-01-01", rdw_status=FOUND)
    never = PassportFactory(plate="GD-02-02")

    rdw_refresh_run()
    gone, never = reload(gone, never)

    assert gone.rdw_registration == Registration.GONE
    assert never.rdw_registration == Registration.UNKNOWN
    assert never.rdw_status == Passport.RdwStatus.NOT_FOUND
    assert gone.rdw_next_check_at - gone.rdw_checked_at == rdw_refresh.UNKNOWN_INTERVAL


def test_a_recall_the_rdw_no_longer_lists_as_open_is_closed(rdw_batch_server, cars):
    golf = cars[0]
    rdw_refresh_run()
    Passport.objects.update(rdw_next_check_at=None)
    rdw_batch_server.respond(STATUS, Behaviour(body=b"[]"))

    rdw_refresh_run()

    row = PassportRecall.objects.get(passport=golf)
    assert row.status == PassportRecall.Status.REPAIRED
    assert row.closed_at is not None


# --- Failures: nothing half-written, the next run resumes -------------------------------------


def nothing_written(*passports):
    return (
        all(p.rdw_checked_at is None and p.rdw_next_check_at is None for p in reload(*passports))
        and not PassportRecall.objects.exists()
        and not ApkDefect.objects.exists()
    )


def test_a_429_storm_writes_nothing_and_the_next_run_resumes(rdw_batch_server, cars):
    rdw_batch_server.respond(VEHICLES, Behaviour(status=429, headers={"Retry-After": "7"}))

    result = rdw_refresh_run()

    assert result.status == rdw_batch.BUSY
    assert result.cars == 0
    assert len(rdw_batch_server.requests_for(VEHICLES)) == 4  # one try and three retries
    assert rdw_batch_server.sleeps.count(7.0) == 3  # Retry-After honoured
    assert nothing_written(*cars)

    rdw_batch_server.reset()
    assert rdw_refresh_run().cars == 3
    assert all(p.rdw_checked_at for p in reload(*cars))
    assert PassportRecall.objects.count() == 3


def test_a_5xx_storm_on_a_later_dataset_writes_nothing_of_the_batch(rdw_batch_server, cars):
    rdw_batch_server.respond(STATUS, Behaviour(status=503))

    result = rdw_refresh_run()

    assert result.status == rdw_batch.UNAVAILABLE
    assert rdw_batch_server.sleeps == [1.0, 2.0, 4.0]  # exponential back-off
    # The vehicle data had arrived, but the batch is all or nothing.
    assert nothing_written(*cars)
    assert reload(cars[0])[0].make == ""

    rdw_batch_server.reset()
    assert rdw_refresh_run().cars == 3


def test_a_storm_mid_run_keeps_the_batches_written_and_resumes_with_the_rest(
    rdw_batch_server, cars
):
    golf, toyota, peugeot = cars
    # Batches of one car: the first batch passes, then the vehicles dataset fails.
    rdw_batch_server.respond(VEHICLES, Behaviour(), Behaviour(status=500))

    first = rdw_refresh_run(batch_size=1)

    assert first.status == rdw_batch.UNAVAILABLE
    assert first.cars == 1
    checked = [p for p in reload(*cars) if p.rdw_checked_at]
    assert len(checked) == 1

    rdw_batch_server.reset()
    second = rdw_refresh_run(batch_size=1)
    assert second.cars == 2
    assert set(second.plates) | {checked[0].plate} == {"GJ-55-55", "TK-301-R", "HJ-12-34"}


def test_one_429_then_an_answer_is_retried_transparently(rdw_batch_server, cars):
    rdw_batch_server.respond(VEHICLES, Behaviour(status=429), Behaviour())
    result = rdw_refresh_run()
    assert result.status == rdw_batch.OK
    assert result.cars == 3
    assert rdw_batch_server.sleeps == [1.0]  # no Retry-After: the first back-off step


def test_a_timeout_is_unavailable(rdw_batch_server, cars, settings):
    settings.RDW_REFRESH_TIMEOUT_SECONDS = 0.2
    settings.RDW_REFRESH_RETRIES = 0
    rdw_batch_server.respond(DEFECTS, Behaviour(delay=1.0))

    result = rdw_refresh_run()

    assert result.status == rdw_batch.UNAVAILABLE
    assert nothing_written(*cars)


@pytest.mark.parametrize("body", [b"{not json", b'{"rows": []}', b"[1, 2]"])
def test_a_malformed_answer_is_unavailable(rdw_batch_server, cars, settings, body):
    settings.RDW_REFRESH_RETRIES = 1
    rdw_batch_server.respond(VEHICLES, Behaviour(body=body))

    result = rdw_refresh_run()

    assert result.status == rdw_batch.UNAVAILABLE
    assert len(rdw_batch_server.requests_for(VEHICLES)) == 2
    assert nothing_written(*cars)


def test_missing_defect_words_do_not_stop_the_batch(rdw_batch_server, cars, settings):
    settings.RDW_REFRESH_RETRIES = 0
    rdw_batch_server.respond(WORDS, Behaviour(status=502))

    assert rdw_refresh_run().cars == 3
    assert set(ApkDefect.objects.values_list("description", flat=True)) == {""}

    Passport.objects.update(rdw_next_check_at=None)
    rdw_batch_server.reset()
    rdw_refresh_run()
    assert "" not in set(ApkDefect.objects.values_list("description", flat=True))


def test_switched_off_asks_nothing(rdw_batch_server, cars, settings):
    settings.RDW_REFRESH_ENABLED = False
    assert rdw_refresh_run().status == rdw_batch.DISABLED
    assert rdw_batch_server.requests == []


def test_a_second_run_while_one_runs_does_nothing(rdw_batch_server, cars):
    from django.core.cache import cache

    cache.add(rdw_refresh.LOCK_KEY, "another run", 60)
    assert rdw_refresh_run().skipped
    assert rdw_batch_server.requests == []


def test_the_pace_is_the_setting(rdw_batch_server, cars, settings):
    settings.RDW_REFRESH_REQUESTS_PER_MINUTE = 60  # one a second
    rdw_refresh_run()
    # Six requests in quick succession: the five after the first wait their turn.
    waits = rdw_batch_server.paces
    assert len(waits) == 5
    assert all(0.5 < s <= 5.0 for s in waits)
    assert rdw_batch_server.sleeps == []  # no back-off: every answer came


# --- Order by need ------------------------------------------------------------------------------


def test_cars_are_taken_by_need(db):
    now = timezone.now()
    today = timezone.localdate()
    long_ago = now - timedelta(days=100)
    recently = now - timedelta(days=20)
    make = PassportFactory
    apk_far = today + timedelta(days=200)
    checked_long_ago = make(rdw_checked_at=long_ago, apk_expires=apk_far)
    checked_recently = make(rdw_checked_at=recently, apk_expires=apk_far)
    never_checked = make(rdw_checked_at=None, apk_expires=apk_far)
    apk_soon = make(rdw_checked_at=recently, apk_expires=today + timedelta(days=30))
    apk_just_expired = make(rdw_checked_at=long_ago, apk_expires=today - timedelta(days=10))
    apk_long_expired = make(rdw_checked_at=long_ago, apk_expires=today - timedelta(days=90))
    not_due = make(
        rdw_checked_at=recently, rdw_next_check_at=now + timedelta(days=1), apk_expires=today
    )

    order = list(rdw_refresh.due_cars(now=now).values_list("pk", flat=True))

    assert not_due.pk not in order
    assert order == [
        apk_just_expired.pk,
        apk_soon.pk,
        never_checked.pk,
        checked_long_ago.pk,
        apk_long_expired.pk,
        checked_recently.pk,
    ]


def test_the_next_check_follows_the_apk_date():
    now = timezone.now()
    today = timezone.localdate(now)

    def after(apk, **kwargs):
        kwargs.setdefault("registration", Registration.REGISTERED)
        kwargs.setdefault("found", True)
        return rdw_refresh.next_check_at(apk_expires=apk, now=now, **kwargs) - now

    assert after(today + timedelta(days=30)) == timedelta(days=7)
    assert after(today - timedelta(days=20)) == timedelta(days=7)
    assert after(today + timedelta(days=65)) == timedelta(days=5)  # back when the window opens
    assert after(today + timedelta(days=300)) == timedelta(days=14)
    assert after(None) == timedelta(days=14)
    assert after(today, found=False) == rdw_refresh.UNKNOWN_INTERVAL
    assert after(today, registration=Registration.GONE) == rdw_refresh.UNKNOWN_INTERVAL


def test_the_beat_task_runs_the_refresh(rdw_batch_server, cars, settings):
    from autopaspoort.tasks import refresh_rdw_data

    assert "autopaspoort-refresh-rdw" in settings.CELERY_BEAT_SCHEDULE
    refresh_rdw_data.delay()
    assert all(p.rdw_checked_at for p in reload(*cars))
    assert Notification.objects.filter(kind=Notification.Kind.RECALL_OPEN).count() == 1


def test_a_hand_correction_is_kept_and_the_rdw_value_shown_beside_it(rdw_batch_server, db):
    # Through autopaspoort.vehicle_data.vehicle_data_apply_rdw: the refresh never overwrites a
    # field the garage corrected; the differing RDW value waits for the garage to choose.
    golf = PassportFactory(plate="GJ-55-55", colour="ZWART", vehicle_sources={"colour": "garage"})

    rdw_refresh_run()
    golf = reload(golf)[0]

    assert golf.colour == "ZWART"
    assert golf.rdw_disagreements["colour"]["value"] == "GRIJS"
    assert golf.apk_expires == date(2026, 3, 14)  # not corrected: the RDW's value
