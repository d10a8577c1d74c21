"""The passport PDF of a car with 200 history entries: how long it takes to render.

    DATABASE_URL=postgres://... .venv/bin/python -m bench.share_pdf [--entries 200 --runs 5]

Builds the car inside a transaction that is rolled back (nothing stays in the database), then
times `share_view` + `passport_pdf` (the work of /p/<token>/pdf) several times and prints the
median and the slowest run. A figure for bench/results.md, not a timed test.
"""

import argparse
import io
import os
import statistics
import time
from datetime import timedelta


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from pypdf import PdfReader

    from autopaspoort.models import HistoryEntry
    from sharing.pdf import passport_pdf
    from sharing.selectors import share_view
    from sharing.services import document_record
    from tests.autopaspoort.factories import Component, PassportFactory, Rating, item, record_check

    with transaction.atomic():
        car = PassportFactory(initial_odometer_km=1_000)
        today = timezone.localdate()
        HistoryEntry.objects.bulk_create(
            HistoryEntry(
                passport=car,
                garage=car.garage,
                kind=HistoryEntry.Kind.SMALL_SERVICE,
                date=today - timedelta(days=10 * (args.entries - n)),
                odometer_km=2_000 + 500 * n,
                description=f"Kleine beurt {n}: olie, filters, remvloeistof gecontroleerd.",
                created_by=car.owner,
            )
            for n in range(args.entries)
        )
        for n in range(args.checks):
            record_check(
                car,
                odometer_km=2_000 + 500 * args.entries + n,
                items=[
                    item(Component.BRAKES_FRONT, Rating.SOON, "120.00"),
                    item(Component.TYRES_FRONT, Rating.OK),
                    item(Component.LIGHTS, Rating.NOW, "35.00"),
                ],
            )
        times, pages = [], 0
        for _ in range(args.runs):
            start = time.perf_counter()
            view = share_view(passport=car, show_costs=True)
            document = document_record(view=view, link=None, language="nl")
            content = passport_pdf(
                view=view,
                document=document,
                share_url="https://autopaspoort.nl/p/token/",
                verify_url="https://autopaspoort.nl/verify/",
            )
            times.append(time.perf_counter() - start)
        pages = len(PdfReader(io.BytesIO(content)).pages)
        transaction.set_rollback(True)
    print(
        f"{args.entries} history entries, {args.checks} checks, {len(view.readings)} readings: "
        f"median {statistics.median(times):.2f} s, slowest {max(times):.2f} s over {args.runs} "
        f"runs, {len(content) // 1024} KB, {pages} pages"
    )


if __name__ == "__main__":
    main()
