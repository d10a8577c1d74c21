"""Amounts on the garage's pages and in its forms: shown as "€ 1.234,50" in Dutch and
"€1,234.50" in English, typed by `core.money`'s rule, refused beside the field."""

from decimal import Decimal

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from autopaspoort.models import HistoryEntry, StatusCheck
from tests.autopaspoort.factories import Component, PassportFactory, Rating, item, record_check
from tests.autopaspoort.test_views import EN, check_data, garage_url, history_data, passport_url

pytestmark = pytest.mark.django_db

NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}
NBSP = "\u00a0"


@pytest.fixture
def car(garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)
    record_check(passport, items=[item(Component.BRAKES_FRONT, Rating.NOW, "1234.50")])
    return passport


@pytest.mark.parametrize(("language", "amount"), [(NL, f"€{NBSP}1.234,50"), (EN, "€1,234.50")])
def test_the_profile_dashboard_and_check_show_amounts_in_the_visitors_language(
    client_for, garage_admin, garage, car, language, amount
):
    client = client_for(garage_admin)
    check = StatusCheck.objects.get()

    for url in (
        car.get_absolute_url(),
        garage_url("garage:dashboard", garage),
        passport_url("autopaspoort:check_detail", car, check_id=check.pk),
    ):
        response = client.get(url, **language)
        assertContains(response, amount)
        assertNotContains(response, "1234.50")


def test_a_history_cost_is_typed_the_dutch_way_and_shown_the_dutch_way(
    client_for, mechanic, garage
):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)
    client = client_for(mechanic)

    response = client.post(
        passport_url("autopaspoort:history_create", passport),
        history_data(timezone.localdate(), 50_500, cost="€ 1.234,50"),
    )

    assert response.status_code == 302
    assert HistoryEntry.objects.get().cost == Decimal("1234.50")
    assertContains(client.get(passport.get_absolute_url()), f"€{NBSP}1.234,50")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1.234.5", "“1.234.5” is not a valid amount"),
        ("12,345", "“12,345” is ambiguous"),
        ("100.001", "The amount cannot be more than €100,000.00."),
    ],
)
def test_a_malformed_history_cost_is_refused_beside_the_field(
    client_for, mechanic, garage, typed, message
):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:history_create", passport),
        history_data(timezone.localdate(), 50_500, cost=typed),
        **EN,
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["cost"]
    assert response.context["form"].errors["cost"][0].startswith(message)
    assertContains(response, 'aria-invalid="true"')
    assert not HistoryEntry.objects.exists()


def test_the_history_form_states_the_rule(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(mechanic).get(passport_url("autopaspoort:history_create", passport), **EN)

    assertContains(response, "1.234 is one thousand two hundred and thirty-four euros.")


@pytest.mark.parametrize(
    ("typed", "amount"), [("1.234,50", "1234.50"), ("1234.50", "1234.50"), ("85", "85.00")]
)
def test_a_check_cost_accepts_each_spelling(client_for, mechanic, garage, typed, amount):
    passport = PassportFactory(garage=garage)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:check_create", passport),
        check_data(
            passport.odometer_km,
            rows={Component.BATTERY: {"rating": "now", "estimated_cost": typed}},
        ),
    )

    assert response.status_code == 302
    battery = StatusCheck.objects.get().items.get(component=Component.BATTERY)
    assert battery.estimated_cost == Decimal(amount)


def test_a_malformed_check_cost_is_refused_on_its_card(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:check_create", passport),
        check_data(
            passport.odometer_km,
            rows={Component.BATTERY: {"rating": "now", "estimated_cost": "1,234,5"}},
        ),
        **EN,
    )

    assert response.status_code == 200
    assertContains(response, "“1,234,5” is not a valid amount")
    assertContains(response, 'id="amount-rule"')
    assert not StatusCheck.objects.exists()
