"""The service time of each benchmarked page: one request at a time, no load, in this process.

    .venv/bin/python -m bench.service_time --database autopaspoort_bench_200k [--runs 200]
        [--profile dashboard] [--only dashboard,profile]

Runs under the benchmark's production settings (bench.settings, DEBUG off, the database's
manifest from bench.generate) with Django's test client and a logged-in session cookie, as
the HTTP cases do. Prints one JSON object: per page the median and p90 of `--runs` requests
in ms, the median CPU time of this process per request (without the database's and Redis'
own work, and steadier on a busy machine), and the number of queries of one request.
`--profile <page>` prints a cProfile of `--runs` requests of that page instead.

The HTTP cases (bench.measure) give the ratios under load; this gives the cost of one request,
which is what the issue's "5x lower service time" compares.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path


def pages(manifest: dict) -> dict[str, tuple[str, str, int]]:
    """name -> (path, who, expected status); the same pages as bench.measure."""
    from autopaspoort.models import Passport
    from bench.showcase import showcase_extras

    garage = manifest["big_garage"]["id"]
    showcase = Passport.objects.get(plate=manifest["showcase"]["plate"])
    extras = showcase_extras(showcase)
    some_plate = (
        Passport.objects.filter(garage_id=garage).order_by("-id").values_list("plate", flat=True)
    )[500]
    compact = some_plate.replace("-", "")
    return {
        "baseline": ("/bench/baseline/", "garage", 200),
        "lookup": (f"/garage/{garage}/?q={compact.lower()}", "garage", 302),
        "search": (f"/garage/{garage}/?q={compact[1:5].lower()}", "garage", 200),
        "dashboard": (f"/garage/{garage}/", "garage", 200),
        "profile": (f"/garage/{garage}/passports/{showcase.plate}/", "garage", 200),
        "portal_car": (f"/mijn/{showcase.plate}/", "owner", 200),
        "check_with_photos": (extras["check_url"], "garage", 200),
        "share_page": (extras["share_url"], "anonymous", 200),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--profile", default="", help="cProfile this page instead")
    parser.add_argument("--sql", action="store_true", help="print each page's queries")
    parser.add_argument("--match", default="", help="with --profile: only functions matching")
    args = parser.parse_args()

    from bench import http

    os.environ.update(http.server_env(args.database))
    http.collectstatic(os.environ.copy())
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from autopaspoort.models import Passport
    from bench.measure import session_cookie
    from garage.models import Garage

    manifest = json.loads((http.VAR / f"{args.database}.json").read_text())
    garage = Garage.objects.select_related("account_user").get(pk=manifest["big_garage"]["id"])
    owner = Passport.objects.select_related("owner").get(plate=manifest["showcase"]["plate"]).owner
    clients = {"anonymous": Client(HTTP_HOST="127.0.0.1")}
    for who, user in (("garage", garage.account_user), ("owner", owner)):
        name, value = session_cookie(user).split("=", 1)
        clients[who] = Client(HTTP_HOST="127.0.0.1")
        clients[who].cookies[name] = value

    chosen = pages(manifest)
    if args.only:
        chosen = {name: chosen[name] for name in args.only.split(",")}
    if args.profile:
        import cProfile
        import pstats

        path, who, _status = chosen[args.profile]
        client = clients[who]
        client.get(path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
        stats.print_stats(*([args.match] if args.match else []), 45)
        return

    results = {}
    for name, (path, who, status) in chosen.items():
        client = clients[who]
        response = client.get(path)  # warm-up: compiled templates, caches, connection
        if response.status_code != status:
            raise SystemExit(f"{name}: {path} answered {response.status_code}, not {status}")
        queries = []

        def count(execute, *args, queries=queries):
            queries.append(args[0])
            return execute(*args)

        with connection.execute_wrapper(count):
            client.get(path)
        if args.sql:
            print(f"--- {name}", *queries, sep="\n", file=sys.stderr)
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.thread_time()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        times.sort()
        results[name] = {
            "median_ms": round(statistics.median(times), 2),
            "p90_ms": round(times[int(len(times) * 0.9)], 2),
            # This process's CPU only: steadier than the wall time on a busy machine.
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "queries": len(queries),
        }
    load = os.getloadavg()[0]
    json.dump({"database": args.database, "runs": args.runs, "load": round(load, 1),
               "pages": results}, sys.stdout, indent=1)  # fmt: skip
    print()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
