"""Measure the HTTP cases (B1-B5) against one benchmark database; prints one JSON object.

Run by bench.run in a subprocess whose environment is bench.http.server_env(database), so this
process and the gunicorn it starts read the same database. Every case is measured interleaved
with the baseline page (baseline, subject, baseline, subject ...) and reported as ratios.
"""

import argparse
import json
import random
import statistics
import sys
import time
from urllib.parse import quote

import django

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from autopaspoort import plates  # noqa: E402
from autopaspoort.models import Passport  # noqa: E402
from bench import http  # noqa: E402
from bench.generate import generate_plates  # noqa: E402
from bench.showcase import showcase_extras  # noqa: E402
from core.sessions import SessionStore  # noqa: E402
from garage.models import Garage  # noqa: E402
from notifications.models import Notification  # noqa: E402
from transfers.models import Transfer  # noqa: E402

BASELINE = "/bench/baseline/"
rng = random.Random(20261127)


def session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def summarize(rounds: list[tuple[dict, dict]]) -> dict:
    """Medians over the rounds: the subject's own figures and its ratios to the baseline."""

    def median(values):
        return statistics.median(values)

    return {
        "p50_ms": median(s["p50_us"] for _b, s in rounds) / 1000,
        "p95_ms": median(s["p95_us"] for _b, s in rounds) / 1000,
        "p99_ms": median(s["p99_us"] for _b, s in rounds) / 1000,
        "rps": median(s["rps"] for _b, s in rounds),
        "baseline_p50_ms": median(b["p50_us"] for b, _s in rounds) / 1000,
        "baseline_p95_ms": median(b["p95_us"] for b, _s in rounds) / 1000,
        "baseline_rps": median(b["rps"] for b, _s in rounds),
        "ratio_p50": median(s["p50_us"] / b["p50_us"] for b, s in rounds),
        "ratio_p95": median(s["p95_us"] / b["p95_us"] for b, s in rounds),
        "ratio_rps": median(s["rps"] / b["rps"] for b, s in rounds),
        "rounds": len(rounds),
    }


def interleaved(subject, baseline, *, rounds: int) -> dict:
    subject(), baseline()  # warm-up: connections, caches, the first compiled templates
    return summarize([(baseline(), subject()) for _ in range(rounds)])


def http_case(paths, cookie, *, seconds, rounds, expect=200) -> dict:
    http.check_paths(paths, cookie, expect)
    return interleaved(
        lambda: http.wrk(paths, seconds=seconds, cookie=cookie),
        lambda: http.wrk([BASELINE], seconds=seconds, cookie=cookie),
        rounds=rounds,
    )


def spellings(plate: str) -> str:
    """The plate as a person might type it: any case, with or without dashes or spaces."""
    compact = plates.compact(plate)
    return rng.choice([plate, plate.lower(), compact, compact.lower(), plate.replace("-", " ")])


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- B5: transfers ----------------------------------------------------------------------------


def new_plates(count: int) -> list[str]:
    """`count` valid plates that are not in the database yet (the generator's plate walk)."""
    found: list[str] = []
    while len(found) < count:
        candidates = [plate for plate in generate_plates(2 * count, rng) if plate not in found]
        taken = set(Passport.objects.filter(plate__in=candidates).values_list("plate", flat=True))
        found += [plate for plate in candidates if plate not in taken]
    return found[:count]


def stock_cars(garage: Garage, needed: int) -> list[str]:
    """Stock cars of the garage that were never transferred; made when the earlier runs used
    them up, so the benchmark can be run again and again on the same data."""
    available = list(
        Passport.objects.filter(
            garage=garage, state=Passport.State.STOCK, owner_version=0
        ).values_list("plate", flat=True)[:needed]
    )
    missing = needed - len(available)
    if missing > 0:
        now = timezone.now()
        new = [
            Passport(
                plate=plate,
                garage=garage,
                state=Passport.State.STOCK,
                owner=garage.account_user,
                activated_at=now,
                created_by=garage.account_user,
            )
            for plate in new_plates(missing)
        ]
        Passport.objects.bulk_create(new, batch_size=1000)
        available += [passport.plate for passport in new]
    return available


def transfers_case(garage: Garage, cookie: str, *, seconds, rounds, clients=20) -> dict:
    # Enough cars for 8 transfers a second per client (far above what 20 clients get here);
    # a client that runs out stops early, which would show as a lower throughput.
    per_client = int(seconds * 8) * (rounds + 1)
    cars = stock_cars(garage, clients * per_client)
    queues = [cars[index::clients] for index in range(clients)]
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    transfers_before = Transfer.objects.count()
    emails_before = Notification.objects.filter(kind=Notification.Kind.OWNER_ACTIVATION).count()

    def transfer(index, client):
        if not queues[index]:
            return None
        plate = queues[index].pop()
        url = f"/garage/{garage.pk}/passports/{plate}/transfer/"
        page = client.get(url)
        typed = {
            "name": "Bench Koper",
            "email": f"koper.{plates.compact(plate).lower()}@example.nl",
            "street": "Kerkstraat",
            "house_number": "1",
            "postcode": "3511 AB",
            "city": "Utrecht",
        }
        details = client.post(url, data=http.form_data(page.text, ("step", "details"), typed))
        data = http.form_data(details.text, ("step", "confirm"))
        started = time.perf_counter()
        done = client.post(url, data=data)
        elapsed = time.perf_counter() - started
        if done.status_code != 302:
            raise RuntimeError(f"Transfer of {plate} answered {done.status_code}")
        return elapsed

    def baseline(index, client):
        started = time.perf_counter()
        client.get(BASELINE)
        return time.perf_counter() - started

    result = interleaved(
        lambda: http.threaded_load(transfer, clients=clients, seconds=seconds, cookie=cookie),
        lambda: http.threaded_load(baseline, clients=clients, seconds=seconds, cookie=cookie),
        rounds=rounds,
    )
    committed = Transfer.objects.count() - transfers_before
    emails = (
        Notification.objects.filter(kind=Notification.Kind.OWNER_ACTIVATION).count() - emails_before
    )
    result.update(
        transfers_committed=committed,
        emails_queued=emails,
        tasks_enqueued=broker.llen("celery"),
        p99_over_p50=result["p99_ms"] / result["p50_ms"],
    )
    broker.delete("celery")  # no worker runs here: the outbox rows stay pending
    return result


# --- The cases --------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", default="B1,B2,B3,B4,B5,B8")
    args = parser.parse_args()
    manifest = json.loads(open(args.manifest).read())  # noqa: SIM115, PTH123
    cases = set(args.cases.split(","))
    timing = {"seconds": args.seconds, "rounds": args.rounds}

    big = Garage.objects.select_related("account_user").get(pk=manifest["big_garage"]["id"])
    garage_cookie = session_cookie(big.account_user)
    showcase = Passport.objects.get(plate=manifest["showcase"]["plate"])
    owner_cookie = session_cookie(showcase.owner)
    results = {"passports": Passport.objects.count()}

    # The server publishes to the Redis database this process counts tasks in (REDIS_URL).
    redis_db = int(settings.REDIS_URL.rsplit("/", 1)[1] or 0)
    server = http.server_env(settings.DATABASES["default"]["NAME"], redis_db=redis_db)
    with http.running_server(server):
        if "B1" in cases:
            sample = [row[0] for row in fetch(
                "SELECT plate FROM autopaspoort_passport WHERE garage_id = %s "
                "ORDER BY md5(plate) LIMIT 300", [big.pk])]  # fmt: skip
            paths = [f"/garage/{big.pk}/?q={quote(spellings(plate))}" for plate in sample]
            results["B1"] = http_case(paths, garage_cookie, expect=302, **timing)
        if "B2" in cases:
            sample = [row[0] for row in fetch(
                "SELECT plate_compact FROM autopaspoort_passport WHERE garage_id = %s "
                "ORDER BY md5(plate) LIMIT 300", [big.pk])]  # fmt: skip
            paths = []
            for compact in sample:
                length = rng.choice([3, 4])
                start = rng.randrange(0, len(compact) - length + 1)
                paths.append(f"/garage/{big.pk}/?q={compact[start : start + length].lower()}")
            results["B2"] = http_case(paths, garage_cookie, **timing)
        if "B3" in cases:
            (after,) = fetch(
                "SELECT id FROM autopaspoort_passport WHERE garage_id = %s "
                "ORDER BY id DESC OFFSET %s LIMIT 1",
                [big.pk, 199 * 25 - 1],
            )[0]
            page1 = http_case([f"/garage/{big.pk}/"], garage_cookie, **timing)
            page200 = http_case([f"/garage/{big.pk}/?after={after}"], garage_cookie, **timing)
            results["B3"] = {
                "page1": page1,
                "page200": page200,
                "page200_over_page1_p95": page200["p95_ms"] / page1["p95_ms"],
            }
        if "B4" in cases:
            results["B4"] = {
                "profile": http_case(
                    [f"/garage/{big.pk}/passports/{showcase.plate}/"], garage_cookie, **timing
                ),
                "portal": http_case([f"/mijn/{showcase.plate}/"], owner_cookie, **timing),
            }
        if "B8" in cases:
            # The pages issue 22 added: a share link with photos and a check with photos.
            extras = showcase_extras(showcase)
            results["B8"] = {
                "share": http_case([extras["share_url"]], "", **timing),
                "check": http_case([extras["check_url"]], garage_cookie, **timing),
            }
        if "B5" in cases:
            transfer_garage = Garage.objects.select_related("account_user").get(
                pk=manifest["transfer_garage"]["id"]
            )
            results["B5"] = transfers_case(
                transfer_garage, session_cookie(transfer_garage.account_user), **timing
            )
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
