"""The dashboards' search box: part of a plate, part of the owner's or the driver's name, or
the exact VIN (case and spaces ignored), within the garage (or the fleet) that asks."""

import pytest
from django.urls import reverse

from tests.autopaspoort.factories import PassportFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
VIN = "WVWZZZ1KZAW123456"


def found(client, url, query) -> list[str]:
    response = client.get(url, {"q": query}, **EN)
    assert response.status_code == 200, query
    return sorted(passport.plate for passport in response.context["page"].passports)


@pytest.fixture
def cars(garage):
    return {
        "jansen": PassportFactory(
            garage=garage, plate="GJ-555-K", customer=True, owner_name="Piet Jansen"
        ),
        "driver": PassportFactory(garage=garage, plate="BB-11-11", driver_name="Bea de Vries"),
        "vin": PassportFactory(garage=garage, plate="HH-22-22", vin=VIN),
        # another garage's customer of the same name is never found
        "elsewhere": PassportFactory(plate="ZZ-99-99", customer=True, owner_name="Jan Jansen"),
    }


@pytest.mark.parametrize(
    ("query", "plates"),
    [
        ("jansen", ["GJ-555-K"]),
        ("PIET JAN", ["GJ-555-K"]),
        ("  piet   jansen ", ["GJ-555-K"]),  # spaces as typed do not matter
        ("de vries", ["BB-11-11"]),
        ("Bea", ["BB-11-11"]),
        (VIN, ["HH-22-22"]),
        ("wvwzzz 1kz aw123456", ["HH-22-22"]),  # case and spaces ignored
        ("WVWZZZ1KZAW12345", []),  # a VIN is found whole, never by a part
        ("555k", ["GJ-555-K"]),  # the plate, as before
        ("Klaas", []),
    ],
)
def test_the_garage_dashboard_finds_plate_names_and_vin(
    client_for, garage, garage_admin, cars, query, plates
):
    url = reverse("garage:dashboard", args=[garage.pk])

    assert found(client_for(garage_admin), url, query) == plates


def test_the_search_keeps_the_other_filters(client_for, garage, garage_admin, cars):
    url = reverse("garage:dashboard", args=[garage.pk])
    client = client_for(garage_admin)

    assert client.get(url, {"q": "jansen", "state": "stock"}).context["page"].passports == []
    assert found(client, url + "?state=customer", "jansen") == ["GJ-555-K"]


def test_a_too_short_search_says_what_to_type(client_for, garage, garage_admin):
    response = client_for(garage_admin).get(
        reverse("garage:dashboard", args=[garage.pk]), {"q": "Al"}, **EN
    )

    assert response.context["form"].errors["q"] == [
        "Type at least 3 characters of the plate or the name."
    ]


def test_the_name_searches_have_trigram_indexes_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no trigram indexes")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'autopaspoort_passport'"
        )
        indexes = dict(cursor.fetchall())

    assert "gin (upper((owner_name)::text) gin_trgm_ops)" in indexes["passport_owner_name_trgm_idx"]
    assert (
        "gin (upper((driver_name)::text) gin_trgm_ops)" in indexes["passport_driver_name_trgm_idx"]
    )
