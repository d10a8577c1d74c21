"""The garage's statistics page on a year of data: how long it takes and how many queries.

    DATABASE_URL=postgres://... .venv/bin/python -m bench.statistics_page [--cars 2000 --runs 15]

Builds two garages inside a transaction that is rolled back (nothing stays in the database):
each with `--cars` cars, two status checks per car spread over the last 12 months, five photos
per check (one in ten deleted by support), a quote per car in every state (approved, declined,
expired, open, withdrawn, replaced by a second version) and transfers. Then times GET
/garage/<id>/statistieken/ through the Django test client as the garage's admin and prints the
median and slowest run and the number of queries. A figure for bench/notes.md, not a timed test.
"""

import argparse
import os
import statistics
import time
from datetime import timedelta
from decimal import Decimal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cars", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--queries", action="store_true", help="print each query's time")
    parser.add_argument("--split", action="store_true", help="time the selectors and charts")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from autopaspoort.models import Passport, StatusCheck
    from photos.models import CheckPhoto
    from quotes.models import Quote
    from tests.autopaspoort.factories import PassportFactory
    from tests.garage.factories import GarageFactory

    now = timezone.now()
    today = timezone.localdate()

    def fill(garage) -> None:
        cars = Passport.objects.bulk_create(
            PassportFactory.build(garage=garage) for _ in range(args.cars)
        )
        # Checks evenly over the last 360 days, photos at their check's time.
        step = timedelta(days=360) / (2 * args.cars)
        checks = StatusCheck.objects.bulk_create(
            StatusCheck(
                passport=car,
                garage=garage,
                performed_by=garage.account_user,
                odometer_km=1,
                performed_at=now - timedelta(days=360) + (2 * index + n) * step,
            )
            for index, car in enumerate(cars)
            for n in range(2)
        )
        CheckPhoto.objects.bulk_create(
            (
                CheckPhoto(
                    status_check=check,
                    kind=CheckPhoto.Kind.SIDES,
                    original=f"checks/bench/{check.pk}-{n}.jpg",
                    width=1600,
                    height=1200,
                    size=200_000,
                    content_type="image/jpeg",
                    deleted_at=now if n == 0 and check.pk % 2 else None,
                    uploaded_at=check.performed_at,
                )
                for check in checks
                for n in range(5)
            ),
            batch_size=5000,
        )
        states = ["approved", "declined", "expired", "sent", "withdrawn", "replaced"]
        quotes, versions = [], []
        for index, check in enumerate(checks[1::2]):  # the later check of each car
            state = states[index % len(states)]
            sent = check.performed_at + timedelta(days=1)
            quote = Quote(
                passport=check.passport,
                garage=garage,
                status_check=check,
                kind=Quote.Kind.QUOTE,
                state={"expired": "sent"}.get(state, state),
                prices_include_vat=False,
                valid_until=(
                    today - timedelta(days=1) if state == "expired" else today + timedelta(days=30)
                ),
                sent_at=sent,
                total_excl=Decimal(100 + index % 900),
                total_incl=Decimal(121 + index % 900),
            )
            if state in ("approved", "declined"):
                quote.answered_at = sent + timedelta(hours=3 + index % 200)
            if state == "approved":
                quote.approved_excl = quote.total_excl - 20
                quote.approved_incl = quote.total_incl - 24
            quotes.append(quote)
        Quote.objects.bulk_create(quotes, batch_size=2000)
        for quote in quotes:
            if quote.state == "replaced":
                versions.append(
                    Quote(
                        passport=quote.passport,
                        garage=garage,
                        status_check=quote.status_check,
                        kind=Quote.Kind.QUOTE,
                        state="sent",
                        version=2,
                        replaces=quote,
                        prices_include_vat=False,
                        valid_until=today + timedelta(days=30),
                        sent_at=quote.sent_at + timedelta(days=1),
                        total_excl=quote.total_excl,
                        total_incl=quote.total_incl,
                    )
                )
        Quote.objects.bulk_create(versions, batch_size=2000)

    # The rows are written with their times (no UPDATE after, which would leave as many dead
    # rows to scan); earlier runs' rolled-back rows are vacuumed away first.
    for field in (
        StatusCheck._meta.get_field("performed_at"),
        CheckPhoto._meta.get_field("uploaded_at"),
    ):
        field.auto_now_add = False
    with connection.cursor() as cursor:
        for model in (Passport, StatusCheck, CheckPhoto, Quote):
            cursor.execute(f"VACUUM {model._meta.db_table}")
    with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"]):
        garage = GarageFactory()
        fill(garage)
        fill(GarageFactory())  # another garage's year: none of it on the page
        with connection.cursor() as cursor:  # planner statistics, as a live database has them
            for table in (
                Passport,
                StatusCheck,
                CheckPhoto,
                Quote,
            ):
                cursor.execute(f"ANALYZE {table._meta.db_table}")
        client = Client()
        client.force_login(garage.account_user)
        url = reverse("insights:statistics", kwargs={"garage_id": garage.pk})
        client.get(url)  # warm: templates, translations
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        from insights import charts, selectors

        parts = {"selectors": [], "charts": []}
        for _ in range(args.runs if args.split else 0):
            start = time.perf_counter()
            stats = selectors.garage_statistics(garage=garage, today=today)
            parts["selectors"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            charts.quote_charts(stats.quotes)
            charts.photos_chart(stats.photos)
            charts.transfers_chart(stats.transfers)
            charts.checks_charts(stats.checks)
            parts["charts"].append((time.perf_counter() - start) * 1000)
        if args.split:
            print(", ".join(f"{k} {statistics.median(v):.0f} ms" for k, v in parts.items()))
        if args.queries:
            for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"])):
                print(f"{float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
            slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
            with connection.cursor() as cursor:
                for query in slowest:
                    cursor.execute("EXPLAIN ANALYZE " + query["sql"])
                    print("\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)
    print(
        f"{args.cars} cars per garage ({2 * args.cars} checks, {10 * args.cars} photos, "
        f"{args.cars + args.cars // 6} quotes): median {statistics.median(times):.0f} ms, "
        f"slowest {max(times):.0f} ms over {args.runs} runs, {len(queries)} queries"
    )


if __name__ == "__main__":
    main()
