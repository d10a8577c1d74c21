"""The garage's return on the statistics page: quotes per month by outcome, the approval rate,
quoted against approved value, the median time from check to approval, and photos per check.

The numbers are worked out by hand from the table of quotes in `quotes_table` (May and June
2025, seen on 15 June 2025), with rows of another garage and outside the 12 months that must
not count.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from insights import selectors
from insights.months import last_months
from quotes.models import Quote
from tests.autopaspoort.factories import PassportFactory
from tests.insights.factories import EN, check, local, page_table, photo, quote, statistics_url

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 15)
MONTHS = last_months(TODAY)  # July 2024 .. June 2025
MAY, JUNE, JULY_2024 = date(2025, 5, 1), date(2025, 6, 1), date(2024, 7, 1)
State = Quote.State


def exact(year, month, day, hour, minute, second=0) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, minute, second))


@pytest.fixture
def quotes_table(garage, other_garage):
    """Each quote on its own car, checked at `checked`; totals excl. VAT."""
    q = quote
    # --- Sent in May 2025 ----------------------------------------------------------------------
    # approved after 4 days (800 of 1,000) and after 3 days (all of 500)
    q(garage, checked=local(2025, 5, 1, 10), sent=local(2025, 5, 2, 10), total="1000.00",
      state=State.APPROVED, answered=local(2025, 5, 5, 10), approved="800.00")  # fmt: skip
    q(garage, checked=local(2025, 5, 3, 12), sent=local(2025, 5, 3, 14), total="500.00",
      state=State.APPROVED, answered=local(2025, 5, 6, 12), approved="500.00")  # fmt: skip
    q(garage, sent=local(2025, 5, 10), total="300.00",
      state=State.DECLINED, answered=local(2025, 5, 12))  # fmt: skip
    # never answered, valid until 31 May: expired in May
    q(garage, sent=local(2025, 5, 20), total="200.00", valid_until=date(2025, 5, 31))
    # replaced in June by a second version that was approved (350 of 350) 11 days after the check
    first = q(garage, checked=local(2025, 5, 24, 12), sent=local(2025, 5, 25), total="400.00",
              state=State.REPLACED)  # fmt: skip
    q(garage, replaces=first, sent=local(2025, 6, 2), total="350.00",
      state=State.APPROVED, answered=local(2025, 6, 4, 12), approved="350.00")  # fmt: skip
    q(garage, sent=local(2025, 5, 28), total="150.00", state=State.WITHDRAWN)  # no outcome
    # the last second of May, local time: May; valid until 30 June: still open
    q(garage, sent=exact(2025, 5, 31, 23, 59, 59), total="250.00")
    q(garage, sent=local(2025, 5, 15), total="999.00", kind=Quote.Kind.WORK_ORDER)  # not a quote
    # --- Sent in June 2025 ---------------------------------------------------------------------
    # 00:15 on 1 June is 31 May in UTC: June. Approved (420 of 600) 15 days after the check.
    q(garage, checked=local(2025, 5, 30, 0, 30), sent=local(2025, 6, 1, 0, 15), total="600.00",
      state=State.APPROVED, answered=local(2025, 6, 14, 0, 30), approved="420.00")  # fmt: skip
    q(garage, sent=local(2025, 6, 5), total="100.00",
      state=State.DECLINED, answered=local(2025, 6, 6))  # fmt: skip
    q(garage, sent=local(2025, 6, 6), total="80.00", valid_until=date(2025, 6, 14))  # expired
    q(garage, sent=local(2025, 6, 7), total="90.00", valid_until=date(2025, 6, 15))  # valid today
    q(garage, sent=local(2025, 6, 8), total="70.00")  # open
    # approved 1.5 days after the check
    q(garage, checked=local(2025, 6, 9, 0), sent=local(2025, 6, 9, 8), total="40.00",
      state=State.APPROVED, answered=local(2025, 6, 10, 12), approved="40.00")  # fmt: skip
    q(garage, sent=None, state=State.DRAFT, total="5000.00")  # a draft: nothing
    # --- The edges of the 12 months, and another garage -----------------------------------------
    # sent on the last evening before the 12 months (not counted), declined in July 2024 (counted)
    q(garage, sent=exact(2024, 6, 30, 23, 0), total="700.00",
      state=State.DECLINED, answered=exact(2024, 7, 1, 0, 10))  # fmt: skip
    q(other_garage, sent=local(2025, 6, 3), total="9000.00",
      state=State.APPROVED, answered=local(2025, 6, 4), approved="9000.00")  # fmt: skip
    q(other_garage, sent=local(2025, 5, 3), total="8000.00", valid_until=date(2025, 5, 4))


def test_quotes_per_month_count_each_event_in_its_own_month(quotes_table, garage):
    stats = selectors.garage_statistics(garage=garage, today=TODAY).quotes
    by_month = {row.month: row for row in stats.months}

    may, june, july = by_month[MAY], by_month[JUNE], by_month[JULY_2024]
    assert (may.sent, may.approved, may.declined, may.expired) == (7, 2, 1, 1)
    assert (june.sent, june.approved, june.declined, june.expired) == (7, 3, 1, 1)
    assert (july.sent, july.approved, july.declined, july.expired) == (0, 0, 1, 0)
    quiet = [row for month, row in by_month.items() if month not in (MAY, JUNE, JULY_2024)]
    assert len(quiet) == 9
    assert all(row.outcomes == row.sent == 0 and row.approval_rate is None for row in quiet)
    assert (stats.sent, stats.approved, stats.declined, stats.expired) == (14, 5, 3, 2)


def test_the_approval_rate_is_approved_of_approved_declined_and_expired(quotes_table, garage):
    stats = selectors.garage_statistics(garage=garage, today=TODAY).quotes
    by_month = {row.month: row for row in stats.months}

    assert by_month[MAY].approval_rate == Decimal("50.0")  # 2 of 4
    assert by_month[JUNE].approval_rate == Decimal("60.0")  # 3 of 5
    assert by_month[JULY_2024].approval_rate == Decimal("0.0")  # 0 of 1
    assert stats.approval_rate == Decimal("50.0")  # 5 of 10


def test_quoted_value_leaves_out_replaced_versions_and_approved_value_is_what_was_accepted(
    quotes_table, garage
):
    stats = selectors.garage_statistics(garage=garage, today=TODAY).quotes
    by_month = {row.month: row for row in stats.months}

    # May: 1,000 + 500 + 300 + 200 + 150 + 250 (not the replaced 400, not the work order)
    assert by_month[MAY].quoted_excl == Decimal("2400.00")
    assert by_month[MAY].approved_excl == Decimal("1300.00")  # 800 + 500
    # June: 350 + 600 + 100 + 80 + 90 + 70 + 40
    assert by_month[JUNE].quoted_excl == Decimal("1330.00")
    assert by_month[JUNE].approved_excl == Decimal("810.00")  # 350 + 420 + 40
    assert by_month[JULY_2024].quoted_excl == Decimal("0.00")
    assert (stats.quoted_excl, stats.approved_excl) == (Decimal("3730.00"), Decimal("2110.00"))
    assert stats.approved_value_share == Decimal("56.6")  # 2,110 / 3,730


def test_the_median_time_from_check_to_approval(quotes_table, garage):
    stats = selectors.garage_statistics(garage=garage, today=TODAY).quotes
    by_month = {row.month: row for row in stats.months}

    assert by_month[MAY].median_to_approval == timedelta(days=3, hours=12)  # of 4 d and 3 d
    assert by_month[JUNE].median_to_approval == timedelta(days=11)  # of 11 d, 15 d and 1.5 d
    assert by_month[JULY_2024].median_to_approval is None
    assert stats.median_to_approval == timedelta(days=4)  # of 1.5, 3, 4, 11 and 15 days


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
def test_the_sql_median_and_the_python_fallback_agree(quotes_table, garage):
    approved = Quote.objects.filter(garage=garage, state=State.APPROVED)

    in_sql = selectors._approval_medians(approved, in_sql=True)
    in_python = selectors._approval_medians(approved, in_sql=False)

    assert in_sql == in_python
    assert in_sql[0] == {
        MAY: timedelta(days=3, hours=12),
        JUNE: timedelta(days=11),
    }


def test_without_quotes_nothing_is_divided_by_zero(garage):
    stats = selectors.garage_statistics(garage=garage, today=TODAY)

    assert stats.quotes.approval_rate is None
    assert stats.quotes.approved_value_share is None
    assert stats.quotes.median_to_approval is None
    assert stats.photos.per_check is None
    assert [row.sent for row in stats.quotes.months] == [0] * 12


def test_photos_per_check_count_the_photos_on_the_months_checks(garage, other_garage):
    car = PassportFactory(garage=garage)
    may_1 = check(car, by=None, at=local(2025, 5, 3))
    may_2 = check(car, by=None, at=local(2025, 5, 31, 23, 30))
    for _ in range(3):
        photo(may_1, at=local(2025, 5, 3, 13))
    photo(may_2, at=local(2025, 5, 31, 23, 40))
    photo(may_2, at=local(2025, 5, 31, 23, 45))
    photo(may_2, at=local(2025, 5, 31, 23, 50), deleted=local(2025, 6, 2))  # support deleted it
    check(car, by=None, at=local(2025, 6, 1, 0, 15))  # June (31 May in UTC), no photos
    theirs = check(PassportFactory(garage=other_garage), by=None, at=local(2025, 6, 3))
    for _ in range(4):
        photo(theirs, at=local(2025, 6, 3))

    stats = selectors.garage_statistics(garage=garage, today=TODAY).photos
    by_month = {row.month: row for row in stats.months}

    assert (by_month[MAY].checks, by_month[MAY].photos, by_month[MAY].per_check) == (
        2,
        5,
        Decimal("2.5"),
    )
    assert (by_month[JUNE].checks, by_month[JUNE].photos, by_month[JUNE].per_check) == (
        1,
        0,
        Decimal("0.0"),
    )
    assert by_month[date(2025, 4, 1)].per_check is None
    assert (stats.checks, stats.photos, stats.per_check) == (3, 5, Decimal("1.7"))


def test_the_page_shows_the_quotes_table_and_charts(
    client_for, garage, garage_admin, quotes_table, monkeypatch
):
    # The page's today (the view's own `timezone.localdate()`, nobody else's).
    monkeypatch.setattr("insights.views.timezone", SimpleNamespace(localdate=lambda: TODAY))

    response = client_for(garage_admin).get(statistics_url(garage), **EN)

    table = page_table(response, "table-quotes")
    assert table[0] == [
        "Month",
        "Sent",
        "Approved",
        "Declined",
        "Expired",
        "Approval rate",
        "Quoted value (excl. VAT)",
        "Approved value (excl. VAT)",
        "Median time from check to approval",
    ]
    rows = {row[0]: row[1:] for row in table[1:]}
    assert rows["May 2025"] == [
        "7", "2", "1", "1", "50.0 %", "€2,400.00", "€1,300.00", "3 days 12 hours",
    ]  # fmt: skip
    assert rows["June 2025"] == [
        "7", "3", "1", "1", "60.0 %", "€1,330.00", "€810.00", "11 days",
    ]  # fmt: skip
    assert rows["July 2024"] == ["0", "0", "1", "0", "0.0 %", "€0.00", "€0.00", "—"]
    assert rows["March 2025"] == ["0", "0", "0", "0", "—", "€0.00", "€0.00", "—"]
    assert rows["12 months"] == [
        "14", "5", "3", "2", "50.0 %", "€3,730.00", "€2,110.00", "4 days",
    ]  # fmt: skip
    content = response.content.decode()
    for chart in (
        "chart-quotes-sent",
        "chart-quote-outcomes",
        "chart-approval-rate",
        "chart-quote-value",
        "chart-time-to-approval",
        "chart-photos-per-check",
    ):
        assert f'id="{chart}-title"' in content
    assert "9,000" not in content  # the other garage's
    assert 'id="stat-approval-rate">50.0 %' in content
