"""The fleet pages: the garage linking cars and setting up fleets, the fleet manager's
dashboard, export, car page, driver and transfer, and where a login lands."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from accounts.models import User
from autopaspoort.models import Passport, StatusCheck
from fleet.models import FleetAccount, FleetLink, FleetMembership
from fleet.services import stock_fleet_for
from notifications.models import Notification
from tests.accounts.factories import PASSWORD
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.fleet.factories import (
    EN,
    FleetFactory,
    FleetManagerFactory,
    bulk_fleet_cars,
    fleet_car,
    fleet_url,
    garage_passport_url,
    link,
    manager_of,
    unlink,
)
from tests.helpers import can_log_in, set_password_path
from tests.transfers.factories import TYPED, submit
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
NEW_PASSWORD = "Wagenpark-Sleutel-2024"
CSV_HEADER = [
    "Plate",
    "Make",
    "Model",
    "Driver",
    "APK expires",
    "Latest check",
    "Needs work now",
    "Expected costs (€)",
]


@pytest.fixture
def fleet(garage):
    return FleetFactory(name="Leasebedrijf Noord BV", garages=[garage])


@pytest.fixture
def manager(fleet):
    return manager_of(fleet, full_name="Wim Wagenpark")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def plates_on(response) -> list[str]:
    return [passport.plate for passport in response.context["page"].passports]


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def set_check_time(check, moment):
    StatusCheck.objects.filter(pk=check.pk).update(performed_at=moment)


# --- The garage links and unlinks on the owner and driver details ------------------------------


def test_linking_from_the_details_page_puts_the_car_in_the_fleet_and_shows_the_period(
    client_for, garage, sales, fleet
):
    passport = PassportFactory(garage=garage)
    client = client_for(sales)

    response = client.post(
        garage_passport_url("fleet:link", passport), {"fleet": fleet.pk}, follow=True, **EN
    )

    assert response.redirect_chain[-1][0] == garage_passport_url("autopaspoort:details", passport)
    assertContains(response, f"{passport.plate} is now in the fleet Leasebedrijf Noord BV.")
    passport.refresh_from_db()
    assert passport.fleet == fleet
    assert FleetLink.objects.get(passport=passport).linked_by == sales
    assertContains(response, "Fleet history")
    assertContains(response, "Unlink from the fleet")
    [period] = response.context["fleet_links"]
    assert (period.fleet, period.linked_by, period.unlinked_at) == (fleet, sales, None)


def test_the_details_page_lists_every_period_in_a_fleet(
    client_for, garage, garage_admin, sales, fleet
):
    passport = fleet_car(fleet, garage=garage, actor=sales)
    client = client_for(garage_admin)

    response = client.post(garage_passport_url("fleet:unlink", passport), follow=True, **EN)

    assertContains(response, f"{passport.plate} has left the fleet.")
    passport.refresh_from_db()
    assert passport.fleet is None
    stock = stock_fleet_for(garage=garage)
    link(passport, stock, actor=garage_admin)
    page = client.get(garage_passport_url("autopaspoort:details", passport), **EN)
    assert [(p.fleet, p.linked_by, p.unlinked_by) for p in page.context["fleet_links"]] == [
        (stock, garage_admin, None),
        (fleet, sales, garage_admin),
    ]
    history = page.content.decode().split("Fleet history", 1)[1]
    assert "Garage A (voorraad):" in history
    assert "Leasebedrijf Noord BV:" in history
    assert f"({garage_admin.full_name})" in history
    assert f"({sales.get_full_name()})" in history
    assert "now" in history


def test_the_link_form_offers_the_serviced_fleets_and_the_own_stock_fleet_only(
    client_for, garage, sales, other_garage, fleet
):
    passport = PassportFactory(garage=garage)
    elsewhere = FleetFactory(name="Vloot Zuid BV", garages=[other_garage])

    response = client_for(sales).get(garage_passport_url("autopaspoort:details", passport), **EN)

    choices = list(response.context["link_form"].fields["fleet"].queryset)
    assert choices == [fleet, FleetAccount.objects.get(stock_of=garage)]
    assertContains(response, "Link to fleet")
    assertNotContains(response, elsewhere.name)


def test_linking_to_another_garages_fleet_is_refused_with_a_message(
    client_for, garage, sales, other_garage
):
    passport = PassportFactory(garage=garage)
    elsewhere = FleetFactory(garages=[other_garage])

    response = client_for(sales).post(
        garage_passport_url("fleet:link", passport), {"fleet": elsewhere.pk}, **EN
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Choose a fleet."]
    passport.refresh_from_db()
    assert passport.fleet is None
    assert not FleetLink.objects.exists()


def test_linking_a_car_that_is_in_a_fleet_says_unlink_it_first(client_for, garage, sales, fleet):
    passport = fleet_car(fleet, garage=garage)
    stock = stock_fleet_for(garage=garage)

    response = client_for(sales).post(
        garage_passport_url("fleet:link", passport), {"fleet": stock.pk}, **EN
    )

    assert messages_of(response) == [
        f"{passport.plate} is in the fleet Leasebedrijf Noord BV. Unlink it first."
    ]
    passport.refresh_from_db()
    assert passport.fleet == fleet


def test_a_mechanic_sees_the_fleet_but_may_not_link_or_unlink(client_for, garage, mechanic, fleet):
    in_fleet = fleet_car(fleet, garage=garage)
    not_in_fleet = PassportFactory(garage=garage)
    client = client_for(mechanic)

    page = client.get(garage_passport_url("autopaspoort:details", in_fleet), **EN)
    other_page = client.get(garage_passport_url("autopaspoort:details", not_in_fleet), **EN)
    unlinking = client.post(garage_passport_url("fleet:unlink", in_fleet))
    linking = client.post(garage_passport_url("fleet:link", not_in_fleet), {"fleet": fleet.pk})

    assertContains(page, "This car is in the fleet <strong>Leasebedrijf Noord BV</strong>")
    assertNotContains(page, "Unlink from the fleet")
    assert other_page.context["link_form"] is None
    assertNotContains(other_page, "Link to fleet")
    assert (unlinking.status_code, linking.status_code) == (403, 403)
    in_fleet.refresh_from_db()
    not_in_fleet.refresh_from_db()
    assert (in_fleet.fleet, not_in_fleet.fleet) == (fleet, None)


def test_another_garage_cannot_reach_the_link_and_unlink_urls(
    client_for, garage, other_garage, other_garage_staff, fleet
):
    passport = fleet_car(fleet, garage=garage)
    client = client_for(other_garage_staff)

    for name in ("fleet:unlink", "fleet:link"):
        own_garage = client.post(garage_passport_url(name, passport, other_garage), {"fleet": 1})
        their_garage = client.post(garage_passport_url(name, passport), {"fleet": fleet.pk})
        assert (own_garage.status_code, their_garage.status_code) == (404, 404), name

    passport.refresh_from_db()
    assert passport.fleet == fleet
    assert FleetLink.objects.get().unlinked_at is None


@pytest.mark.parametrize("periods", [1, 5])
def test_details_page_query_count_does_not_grow_with_the_periods(
    client_for, garage, garage_admin, fleet, django_assert_num_queries, periods
):
    passport = PassportFactory(garage=garage)
    for _ in range(periods):
        link(passport, fleet)
        unlink(passport)
    stock_fleet_for(garage=garage)
    client = client_for(garage_admin)

    # User (the session comes from the cache), membership, passport, periods, pending link request,
    # stock fleet, link choices, navigation
    with django_assert_num_queries(7):
        response = client.get(garage_passport_url("autopaspoort:details", passport), **EN)

    assert len(response.context["fleet_links"]) == periods


def create_data(garage, **changes):
    return {
        "plate": "gj-555-k",
        "owner_email": garage.email,
        "owner_name": "Garage A",
        "odometer_km": "84250",
        "make": "VOLVO",
        "model": "V60",
        **changes,
    }


def test_a_passport_is_linked_to_a_fleet_at_creation(client_for, garage, sales, fleet):
    response = client_for(sales).post(
        reverse("autopaspoort:create", kwargs={"garage_id": garage.pk}),
        create_data(garage, fleet=fleet.pk),
        follow=True,
        **EN,
    )

    passport = Passport.objects.get(plate="GJ-555-K")
    assert response.redirect_chain[-1][0] == passport.get_absolute_url()
    assert passport.fleet == fleet
    period = FleetLink.objects.get(passport=passport)
    assert (period.fleet, period.linked_by, period.unlinked_at) == (fleet, sales, None)
    assertContains(response, "Leasebedrijf Noord BV")


def test_the_create_form_refuses_a_fleet_of_another_garage(client_for, garage, sales, other_garage):
    elsewhere = FleetFactory(garages=[other_garage])

    response = client_for(sales).post(
        reverse("autopaspoort:create", kwargs={"garage_id": garage.pk}),
        create_data(garage, fleet=elsewhere.pk),
        **EN,
    )

    assert response.status_code == 200
    assert "fleet" in response.context["form"].errors
    assert not Passport.objects.exists()


def test_a_passport_for_a_customer_is_not_put_in_a_fleet_it_then_cannot_leave(
    client_for, garage, sales, fleet
):
    """A passport for a customer is created as stock and handed over with the transfer form,
    which refuses a fleet car ("unlink it first"): the create form must refuse the combination
    instead of leaving a stock car in the fleet and the garage at a refused transfer."""
    response = client_for(sales).post(
        reverse("autopaspoort:create", kwargs={"garage_id": garage.pk}),
        create_data(garage, owner_email="klant@example.nl", owner_name="Klant", fleet=fleet.pk),
        **EN,
    )

    assert response.status_code == 200
    assert {"fleet", "owner_email"} & set(response.context["form"].errors)
    assert not Passport.objects.exists()


def test_a_passport_created_without_a_fleet_is_in_none(client_for, garage, sales, fleet):
    client_for(sales).post(
        reverse("autopaspoort:create", kwargs={"garage_id": garage.pk}),
        create_data(garage, fleet=""),
        **EN,
    )

    assert Passport.objects.get().fleet is None
    assert not FleetLink.objects.exists()


# --- A garage sets up a business customer's fleet ----------------------------------------------


def fleets_url(garage):
    return reverse("fleet:garage_fleets", kwargs={"garage_id": garage.pk})


FLEET_FORM = {
    "name": "Leasebedrijf Noord BV",
    "email": "info@leasebedrijf.nl",
    "kvk_number": "12345678",
    "manager_email": "Wagenpark@Leasebedrijf.nl",
    "manager_name": "Wim Wagenpark",
}


def test_the_invited_fleet_manager_sets_a_password_and_lands_on_the_fleet_dashboard(
    client_for, garage, garage_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(garage_admin).post(fleets_url(garage), FLEET_FORM, follow=True, **EN)

    assert response.redirect_chain[-1][0] == fleets_url(garage)
    assertContains(
        response,
        "Fleet Leasebedrijf Noord BV created; wagenpark@leasebedrijf.nl receives an invitation.",
    )
    created = FleetAccount.objects.get(kind="business")
    assert (created.name, created.kind, list(created.garages.all())) == (
        "Leasebedrijf Noord BV",
        "business",
        [garage],
    )
    invited = User.objects.get(email="wagenpark@leasebedrijf.nl")
    membership = FleetMembership.objects.get()
    assert (membership.fleet, membership.user, membership.invited_by) == (
        created,
        invited,
        garage_admin,
    )
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == (Kind.FLEET_INVITE, invited.email)
    assert notification.state == Notification.State.SENT
    [message] = mail.outbox
    assert message.to == [invited.email]
    assert "Leasebedrijf Noord BV" in message.body
    assert "Beheerder A" in message.body
    link_path = set_password_path(message)

    browser = Client()
    opened = browser.get(link_path, **EN)
    assert opened.status_code == 302
    form_url = opened["Location"]
    assert browser.get(form_url, **EN).context["validlink"] is True
    landed = browser.post(
        form_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        **EN,
    )

    assert landed.redirect_chain[-1][0] == created.get_absolute_url()
    assertTemplateUsed(landed, "fleet/dashboard.html")
    assertContains(landed, "Leasebedrijf Noord BV")
    assert can_log_in(invited.email, NEW_PASSWORD)
    again = Client().post(
        reverse("accounts:login"),
        {"username": invited.email, "password": NEW_PASSWORD},
        follow=True,
    )
    assert again.redirect_chain[-1][0] == created.get_absolute_url()


def test_a_manager_who_already_has_a_password_is_told_they_were_added(
    client_for, garage, garage_admin, owner, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(garage_admin).post(
            fleets_url(garage), {**FLEET_FORM, "manager_email": owner.email.upper()}, **EN
        )

    assert FleetMembership.objects.get().user == owner
    assert can_log_in(owner.email, PASSWORD)
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == (Kind.FLEET_ADDED, owner.email)
    [message] = mail.outbox
    assert "/accounts/password/set/" not in message.body
    assert settings.SITE_URL + reverse("accounts:login") in message.body


def test_an_invalid_kvk_number_is_a_field_error_and_nothing_is_created(
    client_for, garage, garage_admin
):
    response = client_for(garage_admin).post(
        fleets_url(garage), {**FLEET_FORM, "kvk_number": "1234"}, **EN
    )

    assert response.status_code == 200
    assert "kvk_number" in response.context["form"].errors
    assert not FleetAccount.objects.filter(kind="business").exists()
    assert not Notification.objects.exists()


def test_the_fleets_page_lists_the_garages_fleets_and_their_managers(
    client_for, garage, garage_admin, other_garage, fleet, manager
):
    elsewhere = FleetFactory(name="Vloot Zuid BV", garages=[other_garage])
    manager_of(elsewhere, email="zuid@example.nl")

    response = client_for(garage_admin).get(fleets_url(garage), **EN)

    assert list(response.context["fleets"]) == [fleet, FleetAccount.objects.get(stock_of=garage)]
    assertContains(response, manager.email)
    assertContains(response, "Garage A (voorraad)")
    assertNotContains(response, "Vloot Zuid BV")
    assertNotContains(response, "zuid@example.nl")


@pytest.mark.parametrize(("who", "status"), [("mechanic", 403), ("sales", 403), ("owner", 404)])
def test_only_the_garages_admin_sets_up_fleets(client_for, request, garage, who, status):
    client = client_for(request.getfixturevalue(who))

    assert client.get(fleets_url(garage)).status_code == status
    assert client.post(fleets_url(garage), FLEET_FORM).status_code == status
    assert not FleetAccount.objects.filter(kind="business").exists()


@pytest.mark.parametrize("fleets", [1, 5])
def test_fleets_page_query_count_does_not_grow_with_fleets_and_managers(
    client_for, garage, garage_admin, django_assert_num_queries, fleets
):
    stock_fleet_for(garage=garage)
    for _ in range(fleets):
        each = FleetFactory(garages=[garage])
        manager_of(each)
        manager_of(each)
    client = client_for(garage_admin)

    # User (the session comes from the cache), membership, stock fleet, fleets, managers, their
    # users, navigation
    with django_assert_num_queries(6):
        response = client.get(fleets_url(garage), **EN)

    assert len(response.context["fleets"]) == fleets + 1


# --- The fleet dashboard ----------------------------------------------------------------------


def test_the_dashboard_shows_each_car_and_the_totals(client_for, garage, fleet, manager):
    car = fleet_car(
        fleet,
        garage=garage,
        plate="GJ-555-K",
        make="VOLVO",
        model="V60",
        driver_name="Bea Bestuurder",
        apk_expires=in_days(20),
    )
    record_check(
        car,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "0.10"),
            item(Component.WIPERS, Rating.SOON, "0.20"),
            item(Component.LIGHTS, Rating.OK, "9.00"),
        ],
    )
    other = fleet_car(fleet, garage=garage, plate="BB-11-11", apk_expires=in_days(100))
    record_check(other, items=[item(Component.TYRES_FRONT, Rating.SOON, "240.05")])

    response = client_for(manager).get(fleet_url("dashboard", fleet), **EN)

    assert response.status_code == 200
    assert plates_on(response) == ["BB-11-11", "GJ-555-K"]
    summary = response.context["summary"]
    assert (summary["cars"], summary["apk_due"], summary["expected_costs"]) == (
        2,
        1,
        Decimal("240.35"),
    )
    assertContains(response, "€240.35")
    assertContains(response, "€0.30")
    assertContains(response, "VOLVO V60")
    assertContains(response, "Bea Bestuurder")
    assertContains(response, "needs work", count=1)
    assertContains(response, fleet_url("car", fleet, car))


def test_the_dashboard_filters_apk_due_and_needs_work(client_for, garage, fleet, manager):
    due = fleet_car(fleet, garage=garage, plate="BB-01-01", apk_expires=in_days(60))
    fleet_car(fleet, garage=garage, plate="BB-01-02", apk_expires=in_days(61))
    broken = fleet_car(fleet, garage=garage, plate="BB-01-03", apk_expires=in_days(200))
    record_check(broken, items=[item(Component.BATTERY, Rating.NOW, "150.00")])
    client = client_for(manager)

    apk = client.get(fleet_url("dashboard", fleet), {"apk_due": "on"}, **EN)
    work = client.get(fleet_url("dashboard", fleet), {"needs_work": "on"}, **EN)
    both = client.get(fleet_url("dashboard", fleet), {"apk_due": "on", "needs_work": "on"}, **EN)

    assert plates_on(apk) == [due.plate]
    assert plates_on(work) == [broken.plate]
    assert plates_on(both) == []
    assertContains(both, "No cars match.")
    assert apk.context["summary"]["cars"] == 3  # the totals are the whole fleet's


@pytest.mark.parametrize("typed", ["gj5", "GJ-55", "555 k"])
def test_the_dashboard_searches_plates_in_any_spelling(client_for, garage, fleet, manager, typed):
    fleet_car(fleet, garage=garage, plate="GJ-555-K")
    fleet_car(fleet, garage=garage, plate="BB-11-11")

    response = client_for(manager).get(fleet_url("dashboard", fleet), {"q": typed}, **EN)

    assert plates_on(response) == ["GJ-555-K"]


def test_a_search_of_fewer_than_three_characters_is_a_field_error(
    client_for, garage, fleet, manager
):
    fleet_car(fleet, garage=garage, plate="GJ-555-K")
    fleet_car(fleet, garage=garage, plate="BB-11-11")

    response = client_for(manager).get(
        fleet_url("dashboard", fleet), {"q": "g-j", "apk_due": ""}, **EN
    )

    assert response.context["form"].errors["q"] == [
        "Type at least 3 characters of the plate or the name."
    ]
    assertContains(response, "Type at least 3 characters of the plate or the name.")
    assert plates_on(response) == ["BB-11-11", "GJ-555-K"]  # the search is dropped


def test_thirty_cars_are_paged_25_and_5_by_plate(client_for, garage, fleet, manager):
    plates = sorted(p.plate for p in bulk_fleet_cars(fleet, garage=garage, count=30))
    client = client_for(manager)

    first = client.get(fleet_url("dashboard", fleet), **EN)
    next_query = first.context["next_query"]
    second = client.get(f"{fleet_url('dashboard', fleet)}?{next_query}", **EN)

    assert plates_on(first) == plates[:25]
    assert next_query == f"after={plates[24]}"
    assertContains(first, f'href="?{next_query}"')
    assertNotContains(first, "« First page")
    assert plates_on(second) == plates[25:]
    assert second.context["next_query"] is None
    assertNotContains(second, "Next page »")
    assertContains(second, "« First page")


def test_the_next_page_and_the_export_keep_the_filters(client_for, garage, fleet, manager):
    bulk_fleet_cars(fleet, garage=garage, count=70)  # 61 due within 60 days
    client = client_for(manager)

    first = client.get(fleet_url("dashboard", fleet), {"apk_due": "on"}, **EN)
    second = client.get(f"{fleet_url('dashboard', fleet)}?{first.context['next_query']}", **EN)

    assert "apk_due=on" in first.context["next_query"]
    assert len(plates_on(second)) == 25
    assert all(p.apk_expires <= in_days(60) for p in second.context["page"].passports)
    assert second.context["export_query"] == "apk_due=on"  # the whole filtered list, no cursor
    assertContains(second, f'href="{fleet_url("export", fleet)}?apk_due=on"')


def test_the_first_page_link_keeps_the_filters(client_for, garage, fleet, manager):
    """As on the garage dashboard: going back to the first page must not drop the filter."""
    bulk_fleet_cars(fleet, garage=garage, count=70)
    client = client_for(manager)
    first = client.get(fleet_url("dashboard", fleet), {"apk_due": "on"}, **EN)

    second = client.get(f"{fleet_url('dashboard', fleet)}?{first.context['next_query']}", **EN)

    [href] = re.findall(r'<a href="([^"]*)">« First page</a>', second.content.decode())
    assert "apk_due=on" in unescape(href)


@pytest.mark.parametrize("cars", [5, 500])
def test_dashboard_query_count_does_not_grow_with_the_fleet(
    client_for, garage, fleet, manager, django_assert_num_queries, cars
):
    bulk_fleet_cars(fleet, garage=garage, count=cars)
    client = client_for(manager)

    # User (the session comes from the cache), membership, one page of cars, counts, expected costs,
    # navigation
    with django_assert_num_queries(6):
        response = client.get(fleet_url("dashboard", fleet), **EN)

    assert len(plates_on(response)) == min(cars, 25)
    assert response.context["summary"]["cars"] == cars
    assert response.context["summary"]["expected_costs"] == Decimal("150.00") * cars


# --- The CSV export ---------------------------------------------------------------------------


def test_the_export_is_a_semicolon_csv_with_a_bom_and_one_row_per_car(
    client_for, garage, fleet, manager
):
    volvo = fleet_car(
        fleet,
        garage=garage,
        plate="GJ-555-K",
        make="VOLVO",
        model="V60",
        driver_name="Zoë Bestuurder",
        apk_expires=date(2027, 3, 1),
    )
    check = record_check(
        volvo,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "1234.10"),
            item(Component.WIPERS, Rating.SOON, "0.20"),
            item(Component.LIGHTS, Rating.OK, "9.00"),
        ],
    )
    set_check_time(check, datetime(2026, 6, 2, 10, 0, tzinfo=UTC))
    golf = fleet_car(fleet, garage=garage, plate="BB-11-11", make="VOLKSWAGEN", model="GOLF")
    golf.apk_expires = None
    golf.save(update_fields=["apk_expires"])
    PassportFactory(garage=garage, plate="HH-22-22")  # the garage's, not the fleet's

    response = client_for(manager).get(fleet_url("export", fleet), **EN)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="wagenpark-{fleet.pk}.csv"'
    assert csv_rows(response) == [
        CSV_HEADER,
        ["BB-11-11", "VOLKSWAGEN", "GOLF", "", "", "", "no", "0,00"],
        [
            "GJ-555-K",
            "VOLVO",
            "V60",
            "Zoë Bestuurder",
            "2027-03-01",
            "2026-06-02",
            "yes",
            "1234,30",
        ],
    ]


def test_the_export_applies_the_filters_but_not_the_page(client_for, garage, fleet, manager):
    due = fleet_car(fleet, garage=garage, plate="BB-01-01", apk_expires=in_days(10))
    record_check(due, items=[item(Component.BATTERY, Rating.NOW, "150.00")])
    fleet_car(fleet, garage=garage, plate="BB-01-02", apk_expires=in_days(10))
    fleet_car(fleet, garage=garage, plate="GJ-555-K", apk_expires=in_days(100))
    client = client_for(manager)

    apk = client.get(fleet_url("export", fleet), {"apk_due": "on", "after": "BB-01-01"}, **EN)
    work = client.get(fleet_url("export", fleet), {"needs_work": "on"}, **EN)
    search = client.get(fleet_url("export", fleet), {"q": "gj 5"}, **EN)

    assert [row[0] for row in csv_rows(apk)[1:]] == ["BB-01-01", "BB-01-02"]
    assert [row[0] for row in csv_rows(work)[1:]] == ["BB-01-01"]
    assert [row[0] for row in csv_rows(search)[1:]] == ["GJ-555-K"]


def test_the_export_gives_the_dutch_date_of_a_check_just_after_midnight(
    client_for, garage, fleet, manager
):
    car = fleet_car(fleet, garage=garage)
    check = record_check(car)
    # 00:30 on 2 March in the Netherlands is still 1 March in UTC.
    set_check_time(check, datetime(2026, 3, 1, 23, 30, tzinfo=UTC))

    response = client_for(manager).get(fleet_url("export", fleet), **EN)

    [_header, row] = csv_rows(response)
    assert timezone.localdate(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == date(2026, 3, 2)
    assert row[5] == "2026-03-02"


@pytest.mark.parametrize("cars", [5, 500, 501])
def test_export_query_count_does_not_grow_with_the_fleet(
    client_for, garage, fleet, manager, django_assert_num_queries, cars
):
    """The export reads the cars through one (server-side) cursor, fetched in chunks of 500:
    crossing a chunk boundary (501) adds no query."""
    bulk_fleet_cars(fleet, garage=garage, count=cars)
    client = client_for(manager)

    # User (the session comes from the cache), membership, the cars
    with django_assert_num_queries(3):
        response = client.get(fleet_url("export", fleet), **EN)
        rows = csv_rows(response)

    assert len(rows) == cars + 1


# --- One car of the fleet ---------------------------------------------------------------------


def test_the_car_page_shows_the_driver_the_latest_check_and_the_actions(
    client_for, garage, fleet, manager
):
    car = fleet_car(fleet, garage=garage, driver_name="Bea Bestuurder", driver_phone="0611")
    record_check(car, items=[item(Component.BRAKES_REAR, Rating.NOW, "185.50")])

    response = client_for(manager).get(fleet_url("car", fleet, car), **EN)

    assert response.context["current"] is True
    assertContains(response, "Bea Bestuurder")
    assertContains(response, "0611")
    assertContains(response, "expected €185.50")
    assertContains(response, fleet_url("driver", fleet, car))
    assertContains(response, fleet_url("transfer", fleet, car))
    assertContains(response, "Status check")


def test_the_car_page_takes_any_spelling_of_the_plate(client_for, garage, fleet, manager):
    car = fleet_car(fleet, garage=garage, plate="GJ-555-K")

    response = client_for(manager).get(fleet_url("car", fleet, "gj555k"), **EN)

    assert response.status_code == 200
    assert response.context["passport"] == car


@pytest.mark.parametrize("entries", [1, 10])
def test_car_page_query_count_does_not_grow_with_the_history(
    client_for, garage, fleet, manager, django_assert_num_queries, entries
):
    car = fleet_car(fleet, garage=garage)
    record_check(car, items=[item(Component.BRAKES_REAR, Rating.NOW, "1.00")])
    for _ in range(entries):
        HistoryEntryFactory(passport=car, date=timezone.localdate())
        record_check(car)
    client = client_for(manager)

    # User (the session comes from the cache), membership, car and period, check items, checks,
    # history, navigation, the car's recalls, its APK defects
    with django_assert_num_queries(9):
        response = client.get(fleet_url("car", fleet, car), **EN)

    assert len(response.context["timeline"]) == 2 * entries + 1


# --- The driver -------------------------------------------------------------------------------


def test_the_fleet_manager_edits_the_driver(client_for, garage, fleet, manager):
    car = fleet_car(fleet, garage=garage, driver_name="Oude Bestuurder")
    client = client_for(manager)

    form_page = client.get(fleet_url("driver", fleet, car), **EN)
    saved = client.post(
        fleet_url("driver", fleet, car),
        {"name": "Bea Bestuurder", "email": "Bea@Example.nl", "phone": "0612345678"},
        follow=True,
        **EN,
    )

    assert form_page.context["form"]["name"].value() == "Oude Bestuurder"
    assert saved.redirect_chain[-1][0] == fleet_url("car", fleet, car)
    assertContains(saved, "Driver saved.")
    car.refresh_from_db()
    assert (car.driver_name, car.driver_email, car.driver_phone) == (
        "Bea Bestuurder",
        "bea@example.nl",
        "+31612345678",  # stored as E.164 (core.phones)
    )
    assertContains(saved, "bea@example.nl")


def test_an_invalid_driver_email_is_a_field_error(client_for, garage, fleet, manager):
    car = fleet_car(fleet, garage=garage, driver_name="Oude Bestuurder")

    response = client_for(manager).post(
        fleet_url("driver", fleet, car), {"name": "Bea", "email": "bea@", "phone": ""}, **EN
    )

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    car.refresh_from_db()
    assert car.driver_name == "Oude Bestuurder"


@pytest.mark.parametrize("who", ["garage_admin", "sales", "mechanic"])
def test_garage_staff_cannot_use_the_driver_page_of_a_fleet_car_they_service(
    client_for, request, garage, fleet, who
):
    car = fleet_car(fleet, garage=garage, driver_name="Oude Bestuurder")
    client = client_for(request.getfixturevalue(who))

    assert client.get(fleet_url("driver", fleet, car)).status_code == 404
    posted = client.post(fleet_url("driver", fleet, car), {"name": "X", "email": "", "phone": ""})

    assert posted.status_code == 404
    car.refresh_from_db()
    assert car.driver_name == "Oude Bestuurder"


# --- Transfers --------------------------------------------------------------------------------


def test_the_fleet_manager_transfers_a_car_in_two_steps_and_it_leaves_the_fleet(
    client_for, garage, fleet, manager
):
    car = fleet_car(fleet, garage=garage, driver_name="Bea Bestuurder")
    url = fleet_url("transfer", fleet, car)
    client = client_for(manager)

    details = client.get(url, **EN)
    confirm = client.post(
        url,
        submit(details, button=("step", "details"), changes={**TYPED, "email": "Piet@Example.nl"}),
        **EN,
    )
    assertTemplateUsed(confirm, "transfers/transfer_confirm.html")
    assert not Transfer.objects.exists()
    car.refresh_from_db()
    assert car.fleet == fleet
    done = client.post(url, submit(confirm, button=("step", "confirm")), follow=True, **EN)

    assertTemplateUsed(details, "transfers/transfer_details.html")
    assertContains(details, f'href="{fleet_url("car", fleet, car)}"')
    assert done.redirect_chain[-1][0] == fleet_url("dashboard", fleet)
    assertContains(
        done,
        f"{car.plate} is transferred. piet@example.nl receives an email to activate the passport.",
    )
    record = Transfer.objects.get()
    assert (record.via, record.email, record.name, record.created_by) == (
        "fleet",
        "piet@example.nl",
        "Piet Koper",
        manager,
    )
    car.refresh_from_db()
    assert car.fleet is None
    assert car.driver_name == ""
    period = FleetLink.objects.get(passport=car)
    assert (period.unlinked_by, period.unlinked_at is not None) == (manager, True)
    assert plates_on(done) == []
    assert Notification.objects.get().kind == Kind.OWNER_ACTIVATION


def test_the_garage_is_refused_a_fleet_cars_transfer_with_the_fleets_name(
    client_for, garage, sales, fleet
):
    """Said before anyone types the buyer's details (issue 14, item 21), and a confirmation
    posted anyway changes nothing."""
    car = fleet_car(fleet, garage=garage)
    before = (car.owner_id, car.contact_email, car.owner_version, car.state)
    url = reverse("transfers:start", kwargs={"garage_id": garage.pk, "plate": car.plate})
    client = client_for(sales)
    refusal = (
        f"{car.plate} is linked to the fleet account Leasebedrijf Noord BV. Unlink it first, "
        "or transfer it from the fleet account."
    )

    details = client.get(url, **EN)
    response = client.post(
        url,
        {**TYPED, "email": "piet@example.nl", "expected_version": car.owner_version,
         "step": "confirm"},
        **EN,
    )  # fmt: skip

    assert details.status_code == 409
    assertContains(details, refusal, status_code=409)
    assertNotContains(details, 'name="step"', status_code=409)
    assertTemplateUsed(response, "transfers/transfer_details.html")
    assertContains(response, refusal, status_code=409)
    car.refresh_from_db()
    assert (car.owner_id, car.contact_email, car.owner_version, car.state) == before
    assert car.fleet == fleet
    assert FleetLink.objects.get(passport=car).unlinked_at is None
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()
    assert not User.objects.filter(email="piet@example.nl").exists()


def test_the_garage_profile_of_a_fleet_car_offers_no_transfer(client_for, garage, sales, fleet):
    car = fleet_car(fleet, garage=garage)

    profile = client_for(sales).get(car.get_absolute_url(), **EN)
    details = client_for(sales).get(garage_passport_url("autopaspoort:details", car), **EN)

    for page in (profile, details):
        assertNotContains(page, "Transfer to a new owner")
    assertContains(profile, "Leasebedrijf Noord BV")


# --- Where a login lands, and the navigation --------------------------------------------------


def test_a_fleet_manager_lands_on_the_fleet_dashboard(client_for, fleet, manager):
    response = client_for(manager).get(reverse("home"), follow=True, **EN)

    assert response.redirect_chain[-1][0] == fleet_url("dashboard", fleet)


def test_someone_who_works_at_a_garage_and_manages_a_fleet_lands_at_the_garage(
    client_for, garage, mechanic, fleet
):
    FleetManagerFactory(fleet=fleet, user=mechanic)

    response = client_for(mechanic).get(reverse("home"), follow=True, **EN)

    assert response.redirect_chain[-1][0] == garage.get_absolute_url()


def test_the_navigation_shows_both_the_garage_and_the_fleet(client_for, garage, mechanic, fleet):
    FleetManagerFactory(fleet=fleet, user=mechanic)

    response = client_for(mechanic).get(reverse("accounts:password_change"), **EN)

    nav = response.content.decode().split("<main", 1)[0]  # the header and its menu
    assert f'<a href="{garage.get_absolute_url()}">Garage A</a>' in nav
    assert f'<a href="{fleet_url("dashboard", fleet)}">Fleet: Leasebedrijf Noord BV</a>' in nav
    assert [place["kind"] for place in response.context["nav_memberships"]] == ["garage", "fleet"]


@pytest.mark.parametrize("more_fleets", [0, 5])
def test_the_navigation_reads_garages_and_fleets_in_one_query(
    client_for, garage, mechanic, fleet, django_assert_num_queries, more_fleets
):
    FleetManagerFactory(fleet=fleet, user=mechanic)
    for _ in range(more_fleets):
        FleetManagerFactory(user=mechanic, fleet=FleetFactory(garages=[garage]))
    client = client_for(mechanic)

    # User (the session comes from the cache), navigation (garages, fleets and whether they own a
    # car)
    with django_assert_num_queries(2) as queries:
        response = client.get(reverse("accounts:password_change"), **EN)

    [navigation] = [
        q["sql"] for q in queries.captured_queries if "fleet_fleetmembership" in q["sql"]
    ]
    assert "UNION" in navigation
    assert "garage_membership" in navigation
    assert len(response.context["nav_memberships"]) == 2 + more_fleets
    assertContains(response, "Fleet: ", count=1 + more_fleets)


@pytest.mark.parametrize("name", ["dashboard", "export", "car", "driver", "transfer"])
def test_anonymous_visitors_are_sent_to_the_login(anonymous, garage, fleet, name):
    car = fleet_car(fleet, garage=garage)
    url = fleet_url(name, fleet, None if name in ("dashboard", "export") else car)

    response = anonymous.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_export_amounts_are_the_same_in_every_language(
    client_for, garage, fleet, manager, language
):
    """A decimal comma, no thousands separator, no euro sign: Dutch Excel reads a number."""
    car = fleet_car(fleet, garage=garage, plate="GJ-555-K")
    record_check(car, items=[item(Component.BRAKES_REAR, Rating.NOW, "12345.60")])

    response = client_for(manager).get(fleet_url("export", fleet), HTTP_ACCEPT_LANGUAGE=language)

    assert csv_rows(response)[1][-1] == "12345,60"
