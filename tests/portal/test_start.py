"""Where a login lands (`home`): the place this person works in, or the welcome page."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

pytestmark = pytest.mark.django_db


def test_home_sends_a_person_without_a_garage_to_the_welcome_page(client_for, owner):
    response = client_for(owner).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.templates[0].name == "portal/welcome.html"
    assertContains(response, f"Welcome, {owner.get_short_name()}")
    assertContains(response, "The cars linked to your account will appear here.")


def test_home_sends_garage_staff_to_their_garage(client_for, garage, mechanic):
    response = client_for(mechanic).get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0] == garage.get_absolute_url()
