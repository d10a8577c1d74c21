"""The statistics and usage pages: who may see them, what they show, what they cost."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override
from pytest_django.asserts import assertContains, assertNotContains

from autopaspoort.models import Passport, StatusCheck, StatusCheckItem
from garage.models import Membership
from insights.models import MonthlyUsage
from insights.months import add_months, last_months, month_of
from quotes.models import Quote
from tests.autopaspoort.factories import PassportFactory
from tests.insights.factories import (
    EN,
    Rating,
    StatisticsSet,
    check,
    handed_over,
    month_at,
    page_table,
    photo,
    quote,
    seed_statistics,
    staff,
    statistics_url,
    usage_url,
)

pytestmark = pytest.mark.django_db


def month_name(month: date) -> str:
    with override("en"):
        return date_format(month, "YEAR_MONTH_FORMAT")


# --- Who may see them ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "statistics_status", "usage_status"),
    [
        ("garage_admin", 200, 200),
        ("sales", 200, 403),
        ("mechanic", 403, 403),
        ("other_garage_staff", 404, 404),
    ],
)
def test_who_sees_the_statistics_and_the_usage(
    request, client_for, garage, persona, statistics_status, usage_status
):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(statistics_url(garage), **EN).status_code == statistics_status
    assert client.get(usage_url(garage), **EN).status_code == usage_status


def test_anonymous_visitors_are_sent_to_log_in(anonymous, garage):
    for url in (statistics_url(garage), usage_url(garage)):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_the_account_settings_link_to_both_pages(client_for, garage, garage_admin):
    response = client_for(garage_admin).get(f"/garage/{garage.pk}/settings/", **EN)

    assertContains(response, f'href="{statistics_url(garage)}"')
    # The menu's usage page is "Usage and invoices" (billing), which links the counts per month.
    billing_page = reverse("billing:usage", kwargs={"garage_id": garage.pk})
    assertContains(response, f'href="{billing_page}"')
    assertContains(client_for(garage_admin).get(billing_page, **EN), f'href="{usage_url(garage)}"')


# --- Statistics ---------------------------------------------------------------------------------


@pytest.fixture
def seeded(garage, other_garage):
    return seed_statistics(garage, other_garage, today=timezone.localdate())


def test_the_statistics_page_shows_the_seeded_numbers(client_for, garage, sales, seeded):
    response = client_for(sales).get(statistics_url(garage), **EN)

    stats = response.context["stats"]
    assert stats.active_passports == StatisticsSet.active_passports
    assert stats.stock_cars == StatisticsSet.stock_cars
    assert stats.transfers.activation_rate == StatisticsSet.activation_rate
    assert stats.transfers.median_time_to_activate == StatisticsSet.median
    assert stats.open_work.total == Decimal("150.85")
    html = response.content.decode()
    assert '<p class="stat-value" id="stat-active">7</p>' in html
    assert '<p class="stat-value" id="stat-stock">3</p>' in html
    assert '<p class="stat-value" id="stat-activation-rate">75.0 %</p>' in html
    assert '<p class="stat-value" id="stat-median">1 day 12 hours</p>' in html
    assert '<p class="stat-value" id="stat-open-work">€150.85 <small>incl. VAT</small></p>' in html
    assertContains(response, "6 of 8 transfers to customers (12 months).")
    assertContains(response, "completed ÷ (completed + awaiting activation)")


def test_the_transfers_table_has_every_month_with_its_states(client_for, garage, sales, seeded):
    response = client_for(sales).get(statistics_url(garage), **EN)

    months = last_months(timezone.localdate())
    expected = [["Month", "Completed", "Awaiting activation", "Total"]]
    for offset, month in zip(range(-11, 1), months, strict=True):
        counts = StatisticsSet.transfers_by_offset.get(offset, (0, 0))
        expected.append([month_name(month), *map(str, counts), str(sum(counts))])
    expected.append(["12 months", "6", "2", "8"])
    assert page_table(response, "table-transfers") == expected


def test_the_checks_table_has_a_row_per_mechanic_and_a_column_per_month(
    client_for, garage, garage_admin, seeded
):
    response = client_for(garage_admin).get(statistics_url(garage), **EN)

    months = last_months(timezone.localdate())
    table = page_table(response, "table-checks")
    with override("en"):
        header = [date_format(month, "M Y") for month in months]
    assert table[0] == ["Mechanic", *header, "Total"]
    rows = {}
    for row in table[1:-1]:
        rows[row[0]] = [int(cell) for cell in row[1:]]
    for name, by_offset in StatisticsSet.checks_by_offset.items():
        counts = [by_offset.get(offset, 0) for offset in range(-11, 1)]
        assert rows.pop(name) == [*counts, sum(counts)]
    assert rows == {}
    assert table[-1] == ["All", "1", *["0"] * 6, "3", "1", "1", "2", "1", "9"]


def test_the_open_work_table_is_in_euros(client_for, garage, garage_admin, seeded):
    response = client_for(garage_admin).get(statistics_url(garage), **EN)

    assert page_table(response, "table-open-work") == [
        ["Rating", "Estimated costs"],
        ["Now", "€120.60"],
        ["Soon (within ~3 months)", "€30.25"],
        ["Total", "€150.85"],
    ]


def test_the_charts_are_inline_svg_with_titles_and_the_tables_numbers(
    client_for, garage, garage_admin, seeded
):
    response = client_for(garage_admin).get(statistics_url(garage), **EN)

    html = response.content.decode()
    assert "<script" not in html.split("</head>")[1]  # nothing on the page needs JavaScript
    # transfers, 3 people's checks, 5 of quotes, photos per check
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" viewBox=') == 10
    assertContains(response, 'role="img"', count=10)
    assertContains(response, 'aria-labelledby="chart-transfers-title chart-transfers-desc"')
    assertContains(
        response, '<title id="chart-transfers-title">Transfers to customers per month</title>'
    )
    assertContains(
        response,
        '<title id="chart-checks-1-title">Status checks by Anna Monteur per month</title>',
    )
    first = month_name(add_months(month_of(timezone.localdate()), -5))
    assertContains(response, f"<title>{first}, Completed: 2</title>")
    assertContains(response, f"<title>{first}, Awaiting activation: 1</title>")


def test_the_charts_coordinates_are_not_localised(client_for, garage, garage_admin, seeded):
    """Dutch writes 12,5: an SVG coordinate must stay 12.5 whatever the language."""
    response = client_for(garage_admin).get(statistics_url(garage), HTTP_ACCEPT_LANGUAGE="nl")

    svg = response.content.decode().split("<svg", 2)[1]
    assert 'x="' in svg
    assert not any("," in value for value in _attribute_values(svg, ("x", "y", "width")))


def _attribute_values(svg, names):
    return [
        match.group(2)
        for match in re.finditer(r'\s(\w+)="([^"]*)"', svg)
        if match.group(1) in names
    ]


def test_an_empty_garage_has_a_page_too(client_for, garage, garage_admin):
    response = client_for(garage_admin).get(statistics_url(garage), **EN)

    assert response.status_code == 200
    assertContains(response, '<p class="stat-value" id="stat-activation-rate">—</p>', html=False)
    assertContains(response, "No status checks in these 12 months.")
    assertContains(response, "€0.00")


def _more_data(garage, *, today, size):
    """`size` more of everything the page counts: people, transfers, checks, latest checks,
    photos, quotes in every state."""
    people = [staff(garage, full_name=f"Monteur {n}") for n in range(size)]
    for n in range(size):
        offset = -(n % 12)
        when = month_at(today, offset, day=1 + n % 20)
        handed_over(garage, confirmed=when, activated=when + timedelta(hours=n + 1))
        handed_over(garage, confirmed=when)
    cars = Passport.objects.bulk_create(
        PassportFactory.build(garage=garage, plate=f"XX-{n // 100:02d}-{n % 100:02d}")
        for n in range(size * 3)
    )
    checks = StatusCheck.objects.bulk_create(
        StatusCheck(passport=car, garage=garage, performed_by=people[n % size], odometer_km=1)
        for n, car in enumerate(cars)
    )
    StatusCheck.objects.filter(pk__in=[c.pk for c in checks]).update(
        performed_at=month_at(today, -2)
    )
    StatusCheckItem.objects.bulk_create(
        StatusCheckItem(status_check=c, component="lights", rating=Rating.NOW, estimated_cost=1)
        for c in checks
    )
    for car, status_check in zip(cars, checks, strict=True):
        car.latest_check = status_check
    Passport.objects.bulk_update(cars, ["latest_check"])
    for n in range(size):
        sent = month_at(today, -(n % 12), day=1 + n % 20)
        photo(checks[n], at=month_at(today, -2))
        state = [Quote.State.APPROVED, Quote.State.DECLINED, Quote.State.SENT][n % 3]
        answered = sent + timedelta(days=1) if state != Quote.State.SENT else None
        quote(
            garage,
            sent=sent,
            state=state,
            answered=answered,
            approved="50.00" if state == Quote.State.APPROVED else None,
            valid_until=sent.date() + timedelta(days=2),
        )


@pytest.mark.parametrize("size", [0, 20])
def test_the_statistics_page_query_count_does_not_grow_with_the_data(
    client_for, garage, garage_admin, other_garage, django_assert_num_queries, size
):
    today = timezone.localdate()
    seed_statistics(garage, other_garage, today=today)
    _more_data(garage, today=today, size=size)
    client = client_for(garage_admin)

    # User (the session comes from the cache), membership; passports, transfers per month,
    # durations, checks per person and month, open work; quotes sent, answered, expired, median to
    # approval; photos; navigation
    with django_assert_num_queries(13):
        response = client.get(statistics_url(garage), **EN)

    assert len(response.context["stats"].checks.mechanics) == 3 + size
    assert response.context["stats"].transfers.total == 8 + 2 * size
    assert response.context["stats"].quotes.sent == size
    assert response.context["stats"].photos.photos == size


# --- Usage --------------------------------------------------------------------------------------


def test_a_garage_sees_its_own_recorded_months_and_this_month_so_far(
    client_for, garage, garage_admin, other_garage
):
    now = timezone.now()
    this_month = month_of(timezone.localdate())
    MonthlyUsage.objects.create(
        garage=garage,
        month=add_months(this_month, -1),
        active_passports=41,
        passports_created=7,
        transfers_completed=5,
        quotes_sent=6,
        photos_added=12,
        computed_at=now,
    )
    MonthlyUsage.objects.create(
        garage=garage,
        month=add_months(this_month, -2),
        active_passports=38,
        passports_created=3,
        transfers_completed=2,
        computed_at=now,
    )
    MonthlyUsage.objects.create(
        garage=other_garage,
        month=add_months(this_month, -1),
        active_passports=999,
        passports_created=998,
        transfers_completed=997,
        quotes_sent=996,
        photos_added=995,
        computed_at=now,
    )
    # This month so far: a stock car, and a car made, sold and activated (at any time of day).
    since = timezone.make_aware(datetime.combine(this_month, time.min))
    PassportFactory(garage=garage)
    handed_over(
        garage,
        created=since + (now - since) / 4,
        confirmed=since + (now - since) / 3,
        activated=since + (now - since) / 2,
    )
    # ... a quote sent (its car is a new passport) and a work order (not counted: its stock
    # car is), and a photo kept and one deleted by support.
    sent = quote(garage, sent=since + (now - since) / 2, checked=since)
    quote(garage, sent=since + (now - since) / 2, checked=since, kind=Quote.Kind.WORK_ORDER)
    photo(sent.status_check, at=since + (now - since) / 2)
    photo(sent.status_check, at=since + (now - since) / 2, deleted=now)

    response = client_for(garage_admin).get(usage_url(garage), **EN)

    assert page_table(response, "table-usage") == [
        [
            "Month",
            "Active passports",
            "Passports created",
            "Transfers completed",
            "Quotes sent",
            "Photos added",
        ],
        [f"{month_name(this_month)} (so far, not final)", "1", "4", "1", "1", "1"],
        [month_name(add_months(this_month, -1)), "41", "7", "5", "6", "12"],
        [month_name(add_months(this_month, -2)), "38", "3", "2", "0", "0"],
    ]
    assertNotContains(response, "999")


def test_a_garage_without_records_is_told_when_the_first_comes(client_for, garage, garage_admin):
    response = client_for(garage_admin).get(usage_url(garage), **EN)

    assertContains(response, "No month has been recorded yet")


@pytest.mark.parametrize("months", [1, 24])
def test_the_usage_page_query_count_does_not_grow_with_the_months(
    client_for, garage, garage_admin, django_assert_num_queries, months
):
    this_month = month_of(timezone.localdate())
    MonthlyUsage.objects.bulk_create(
        MonthlyUsage(
            garage=garage,
            month=add_months(this_month, -n),
            active_passports=n,
            passports_created=n,
            transfers_completed=n,
            computed_at=timezone.now(),
        )
        for n in range(1, months + 1)
    )
    client = client_for(garage_admin)

    # User (the session comes from the cache), membership; five counts of this month so far;
    # recorded months; navigation
    with django_assert_num_queries(9):
        response = client.get(usage_url(garage), **EN)

    assert len(page_table(response, "table-usage")) == months + 2


def test_sales_staff_do_not_see_the_usage_link_on_the_statistics_page(
    client_for, garage, garage_admin, sales
):
    billing_page = reverse("billing:usage", kwargs={"garage_id": garage.pk})
    assertNotContains(client_for(sales).get(statistics_url(garage), **EN), billing_page)
    assertContains(client_for(garage_admin).get(statistics_url(garage), **EN), billing_page)


def test_a_removed_mechanic_still_counts_for_the_checks_they_did(client_for, garage, garage_admin):
    person = staff(garage, full_name="Cor Vertrokken")
    car = PassportFactory(garage=garage)
    check(car, by=person, at=month_at(timezone.localdate(), 0, day=1))
    Membership.objects.filter(user=person).delete()

    response = client_for(garage_admin).get(statistics_url(garage), **EN)

    assert page_table(response, "table-checks")[1][0] == "Cor Vertrokken"
