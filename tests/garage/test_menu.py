"""The main menu: one role table (`garage.menu.PAGES`) decides both the menu and the pages'
access, so each role sees an item exactly when its page opens for them."""

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from garage.menu import PAGES
from garage.models import Membership
from tests.garage.factories import MembershipFactory
from tests.reminders.factories import EN, customer_passport

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<details class="site-menu">(.*?)</details>', re.DOTALL)


def menu_html(response) -> str:
    match = MENU.search(response.content.decode())
    assert match, "the page has no menu"
    return match.group(1)


def member(garage, role):
    if role == Membership.Role.ADMIN:
        return garage.account_user
    return MembershipFactory(garage=garage, role=role, invited_by=garage.account_user).user


@pytest.mark.parametrize("role", Membership.Role.values)
def test_each_menu_item_is_shown_exactly_when_its_page_opens(client_for, garage, role):
    client = client_for(member(garage, role))
    menu = menu_html(client.get(reverse("garage:dashboard", args=[garage.pk]), **EN))

    for page in PAGES.values():
        url = reverse(page.url_name, kwargs={"garage_id": garage.pk})
        status = client.get(url).status_code
        assert status in (200, 403), (page.key, role, status)
        assert (f'href="{url}"' in menu) == (status == 200), (page.key, role, status)


EXPECTED_MENU = {
    # role -> the menu's items, in order (issue 18: promotions, statistics and usage are
    # reachable from the menu for the roles that may use them)
    Membership.Role.ADMIN: list(PAGES),
    Membership.Role.SALES: [
        "dashboard",
        "passport_create",
        "appointments",
        "quotes",
        "promotions",
        "reminders",
        "statistics",
    ],
    Membership.Role.MECHANIC: ["dashboard", "appointments"],
}


@pytest.mark.parametrize("role", Membership.Role.values)
def test_each_role_has_its_menu_and_each_item_opens(client_for, garage, role):
    client = client_for(member(garage, role))
    menu = menu_html(client.get(reverse("garage:dashboard", args=[garage.pk]), **EN))
    shown = [
        key
        for key, page in PAGES.items()
        if f'href="{reverse(page.url_name, args=[garage.pk])}"' in menu
    ]

    assert shown == EXPECTED_MENU[role]
    for key in PAGES:
        status = client.get(reverse(PAGES[key].url_name, args=[garage.pk])).status_code
        assert status == (200 if key in shown else 403), (key, role)


def test_another_garages_staff_get_404_for_every_page(client_for, garage, other_garage_staff):
    client = client_for(other_garage_staff)

    for key, page in PAGES.items():
        assert client.get(reverse(page.url_name, args=[garage.pk])).status_code == 404, key


def test_an_administrator_sees_every_page_of_the_garage(client_for, garage, garage_admin):
    menu = menu_html(client_for(garage_admin).get(reverse("garage:dashboard", args=[garage.pk])))

    for page in PAGES.values():
        assert reverse(page.url_name, kwargs={"garage_id": garage.pk}) in menu, page.key


def test_promotions_and_reminders_are_in_the_menu_of_sales(client_for, garage, sales):
    response = client_for(sales).get(reverse("garage:dashboard", args=[garage.pk]), **EN)

    assertContains(response, reverse("promotions:list", args=[garage.pk]))
    assertContains(response, reverse("reminders:garage_list", args=[garage.pk]))


def test_the_current_page_is_marked_in_the_menu(client_for, garage, garage_admin):
    url = reverse("insights:statistics", args=[garage.pk])

    menu = menu_html(client_for(garage_admin).get(url, **EN))

    assert f'<a href="{url}" aria-current="page">Statistics</a>' in menu


def test_the_settings_page_has_no_row_of_links_to_other_pages(client_for, garage, garage_admin):
    response = client_for(garage_admin).get(reverse("garage:settings", args=[garage.pk]))
    main = response.content.decode().split("<main", 1)[1]

    for key in ("api_tokens", "fleets", "statistics", "usage"):
        assert reverse(PAGES[key].url_name, args=[garage.pk]) not in main, key


def test_staff_without_cars_of_their_own_have_no_my_cars_item(client_for, garage, mechanic):
    response = client_for(mechanic).get(reverse("garage:dashboard", args=[garage.pk]), **EN)

    assertNotContains(response, reverse("portal:home"))
    assertNotContains(response, "My cars")


def test_staff_who_own_a_car_have_the_my_cars_item(client_for, garage, mechanic):
    customer_passport(garage, mechanic)

    response = client_for(mechanic).get(reverse("garage:dashboard", args=[garage.pk]), **EN)

    assertContains(response, f'<a href="{reverse("portal:home")}">My cars</a>', html=True)


def test_the_portal_sends_staff_without_cars_to_their_garage(client_for, garage, mechanic):
    response = client_for(mechanic).get(reverse("portal:home"), follow=True)

    assert response.redirect_chain[-1][0] == garage.get_absolute_url()


def test_an_owner_without_a_garage_keeps_the_portal_page(client_for, owner):
    response = client_for(owner).get(reverse("portal:home"), **EN)

    assert response.status_code == 200
    assert response.context["cars"] == []
