"""B7: importing new plates through the GMS API's bulk endpoint, against a bare bulk_create.

    .venv/bin/python -m bench.bulk --database <name> [--plates 10000] [--rounds 3]

In this process, with the production settings (DJANGO_DEBUG=false, the given database, Redis
db 13 as broker and cache): each round (a) POSTs the plates as new stock of one garage to
/api/v1/passports/bulk in batches of 1,000 with the garage's bearer token (Django's test
client over HTTPS, the whole middleware stack and the endpoint's own code), and (b) inserts
the same number of bare rows (garage, plate, state stock, owner, activated_at)
with one `Passport.objects.bulk_create`; the order alternates between rounds and the rows are
deleted after each. Then the queries of one batch of 1,000 and one of 10 are counted
(CaptureQueriesContext): the count should not grow with the batch.

The garage and token come from the manifest var/bench/<database>.json (`transfer_garage`,
`api_token`, `new_plates`) when bench/generate.py wrote one; otherwise a garage and token are
created here (and left for the next run). Prints one JSON object.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_GARAGE_EMAIL = "bench-bulk@bulk-bench.example"
LETTERS = "BDGHJKLNPRSTVX"  # letters a sidecode-1 plate may hold (tests' plate_for)


def database_url(database: str) -> str:
    if "://" in database:
        return database
    host = os.environ.get("BENCH_DATABASE_HOST", "postgres@127.0.0.1:5432")
    return f"postgres://{host}/{database}"


def setup_django(args) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "bench-bulk-" + "x" * 40,
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "DATABASE_URL": database_url(args.database),
            "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
            "CELERY_TASK_ALWAYS_EAGER": "false",  # the RDW lookups are queued, never run here
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def garage_and_token(database: str):
    """(garage, raw token, candidate plates) from the manifest, or made here."""
    from garage.models import Garage
    from garage.services import api_token_create, garage_create

    manifest_path = BASE_DIR / "var" / "bench" / f"{database}.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        special = manifest.get("transfer_garage") or {}
        if special.get("api_token") and manifest.get("new_plates"):
            garage = Garage.objects.select_related("account_user").get(pk=special["id"])
            return garage, special["api_token"], list(manifest["new_plates"]), "manifest"
    garage = Garage.objects.filter(account_user__email=BENCH_GARAGE_EMAIL).first()
    if garage is None:
        garage = garage_create(name="Bulk Bench Garage", email=BENCH_GARAGE_EMAIL)
    _token, raw = api_token_create(garage=garage, actor=garage.account_user, name="bench.bulk")
    return garage, raw, [], "created"


def free_plates(candidates: list[str], count: int) -> list[str]:
    """`count` plates no passport has: the manifest's first, then random sidecode-1 plates."""
    from autopaspoort.models import Passport

    rng = random.Random(10)  # noqa: S311 - plates, not secrets
    chosen: list[str] = []
    pool = list(candidates)
    while len(chosen) < count:
        if not pool:
            pool = [
                f"{rng.choice(LETTERS)}{rng.choice(LETTERS)}-{rng.randrange(100):02d}-"
                f"{rng.randrange(100):02d}"
                for _ in range(count)
            ]
        batch, pool = pool[: count * 2], pool[count * 2 :]
        taken = set(Passport.objects.filter(plate__in=batch).values_list("plate", flat=True))
        seen = set(chosen)
        for plate in batch:
            if plate not in taken and plate not in seen and len(chosen) < count:
                chosen.append(plate)
                seen.add(plate)
    return chosen


def delete_rows(plates: list[str]) -> None:
    from autopaspoort.models import Passport

    for start in range(0, len(plates), 2000):
        Passport.objects.filter(plate__in=plates[start : start + 2000]).delete()


def import_through_api(client, token: str, garage, plates: list[str], batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(plates), batch):
        items = [
            {"plate": plate, "owner": {"email": garage.email}}
            for plate in plates[start : start + batch]
        ]
        response = client.post(
            "/api/v1/passports/bulk",
            json.dumps({"items": items}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
            secure=True,
        )
        if response.status_code != 200:
            raise SystemExit(f"The API answered {response.status_code}: {response.content[:500]}")
        statuses = {result["status"] for result in response.json()["results"]}
        if statuses != {201}:
            raise SystemExit(f"Not all items were created: {statuses}")
    return time.perf_counter() - started


def insert_bare(garage, plates: list[str]) -> float:
    from django.utils import timezone

    from autopaspoort.models import Passport

    started = time.perf_counter()
    now = timezone.now()
    Passport.objects.bulk_create(
        [
            Passport(
                garage=garage,
                plate=plate,
                state=Passport.State.STOCK,
                owner=garage.account_user,
                activated_at=now,
            )
            for plate in plates
        ]
    )
    return time.perf_counter() - started


def count_queries(client, token, garage, plates: list[str]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        import_through_api(client, token, garage, plates, len(plates))
    delete_rows(plates)
    return len(queries)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="database name (or a full URL)")
    parser.add_argument("--plates", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis-db", type=int, default=13)
    args = parser.parse_args(argv)
    setup_django(args)

    import redis
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from config.celery import app as celery_app

    queue = f"bench-bulk-{uuid.uuid4().hex[:8]}"  # no worker: the RDW lookups just wait here
    celery_app.conf.task_default_queue = queue
    garage, token, candidates, source = garage_and_token(args.database)
    plates = free_plates(candidates, args.plates + args.batch + 10)
    plates, spare = plates[: args.plates], plates[args.plates :]
    client = Client()
    rounds = []
    try:
        # Warm up: first requests import modules, fill caches and open connections.
        import_through_api(client, token, garage, spare[:10], 10)
        delete_rows(spare[:10])
        for number in range(args.rounds):
            cache.clear()  # the per-token request counter: 600 a minute is plenty, but be sure
            figures = {"round": number + 1}

            def api(figures=figures):
                figures["api_seconds"] = round(
                    import_through_api(client, token, garage, plates, args.batch), 3
                )
                delete_rows(plates)

            def bare(figures=figures):
                figures["bulk_create_seconds"] = round(insert_bare(garage, plates), 3)
                delete_rows(plates)

            for step in (api, bare) if number % 2 == 0 else (bare, api):
                step()
            figures["ratio"] = round(figures["api_seconds"] / figures["bulk_create_seconds"], 2)
            rounds.append(figures)
            print(json.dumps(figures), file=sys.stderr)
        queries_batch = count_queries(client, token, garage, spare[: args.batch])
        queries_ten = count_queries(client, token, garage, spare[args.batch : args.batch + 10])
    finally:
        delete_rows(plates + spare)
        with redis.Redis.from_url(settings.CELERY_BROKER_URL) as broker:
            broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")

    def median(key):
        return statistics.median(r[key] for r in rounds)

    result = {
        "bench": "bulk",
        "database": args.database,
        "garage_source": source,
        "plates": args.plates,
        "batch": args.batch,
        "rounds": rounds,
        "api_seconds": median("api_seconds"),
        "bulk_create_seconds": median("bulk_create_seconds"),
        "ratio": median("ratio"),
        "ratio_goal": 3.0,
        "plates_per_s_api": round(args.plates / median("api_seconds")),
        f"queries_per_batch_of_{args.batch}": queries_batch,
        "queries_per_batch_of_10": queries_ten,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
