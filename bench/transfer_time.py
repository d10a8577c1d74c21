"""Service time of one transfer confirmation without load (B5): the garage's three steps through
Django's test client in this process, only the confirming POST timed; the median of 50. With
`--profile`, a cProfile of the confirmations and the queries of one of them, with their times.

    env $(python -c 'from bench import http; ...server_env(db)') \
        .venv/bin/python -m bench.transfer_time --manifest var/bench/<db>.json [--profile]

Runs against a benchmark database (bench.generate) with the benchmark settings, like
bench.measure: the transfers it makes are real and stay.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from autopaspoort import plates  # noqa: E402
from bench import http  # noqa: E402
from bench.measure import stock_cars  # noqa: E402
from garage.models import Garage  # noqa: E402


def confirm_once(client: Client, garage: Garage, plate: str, measure, steps=None):
    """The form, the details, then `measure(post)` around the confirming POST; with `steps`
    (a dict of lists), the wall and CPU seconds of all three requests too."""
    url = f"/garage/{garage.pk}/passports/{plate}/transfer/"

    def step(name, request):
        if steps is None:
            return request()
        wall, cpu = time.perf_counter(), time.process_time()
        response = request()
        steps.setdefault(name, []).append((time.perf_counter() - wall, time.process_time() - cpu))
        return response

    page = step("form", lambda: client.get(url))
    typed = {
        "name": "Bench Koper",
        "email": f"koper.{plates.compact(plate).lower()}@example.nl",
        "street": "Kerkstraat",
        "house_number": "1",
        "postcode": "3511 AB",
        "city": "Utrecht",
    }
    details = step(
        "details",
        lambda: client.post(url, data=http.form_data(page.text, ("step", "details"), typed)),
    )
    data = http.form_data(details.text, ("step", "confirm"))
    response = step("confirm", lambda: measure(lambda: client.post(url, data=data)))
    if response.status_code != 302:
        raise RuntimeError(f"Transfer of {plate} answered {response.status_code}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    http.collectstatic(dict(os.environ))  # the production storage needs its manifest
    manifest = json.loads(open(args.manifest).read())  # noqa: SIM115, PTH123
    garage = Garage.objects.select_related("account_user").get(pk=manifest["transfer_garage"]["id"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(garage.account_user)
    cars = stock_cars(garage, args.count + 5)
    for plate in cars[:5]:  # warm-up: connections, templates, the first compiled queries
        confirm_once(client, garage, plate, lambda post: post())

    times = []
    profiler = cProfile.Profile() if args.profile else None

    def timed(post):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        response = post()
        if profiler:
            profiler.disable()
        times.append(time.perf_counter() - started)
        return response

    steps = {}
    for plate in cars[5 : args.count + 5]:
        confirm_once(client, garage, plate, timed, steps)
    for name, figures in steps.items():
        wall = statistics.median(wall for wall, _cpu in figures) * 1000
        cpu = statistics.median(cpu for _wall, cpu in figures) * 1000
        print(f"{name}: median {wall:.1f} ms wall, {cpu:.1f} ms CPU of this process")
    print(f"confirm: median {statistics.median(times) * 1000:.1f} ms of {len(times)}")

    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())
        plate = stock_cars(garage, 1)[0]
        queries = []

        def captured(post):
            with CaptureQueriesContext(connection) as context:
                response = post()
            queries.extend(context.captured_queries)
            return response

        confirm_once(client, garage, plate, captured)
        print(f"{len(queries)} queries in the confirming POST:")
        for query in queries:
            print(f"{float(query['time']) * 1000:7.2f} ms  {query['sql'][:220]}")


if __name__ == "__main__":
    main()
