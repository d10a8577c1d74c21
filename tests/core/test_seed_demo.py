import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django.asserts import assertContains

from accounts.models import User
from garage.models import Garage, Membership

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "autopaspoort-demo"


def log_in_and_go_home(email):
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, "the demo login was refused"
    return client.get("/", follow=True)


@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    ("email", "role"), [("garage@example.com", "admin"), ("monteur@example.com", "mechanic")]
)
def test_seed_demo_logins_reach_the_demo_garage_dashboard(email, role):
    call_command("seed_demo", stdout=io.StringIO())

    garage = Garage.objects.get(name="Garage Demo")
    response = log_in_and_go_home(email)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == garage.get_absolute_url()
    assertContains(response, "Garage Demo")
    assert Membership.objects.get(garage=garage, user__email=email).role == role


@override_settings(DEBUG=True)
def test_seed_demo_can_run_twice_without_duplicates():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    assert Garage.objects.filter(name="Garage Demo").count() == 1
    assert User.objects.filter(email__in=["garage@example.com", "monteur@example.com"]).count() == 2
    assert Membership.objects.filter(garage__name="Garage Demo").count() == 2


@override_settings(DEBUG=False)
def test_seed_demo_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())

    assert not Garage.objects.exists()
    assert not User.objects.filter(email="garage@example.com").exists()
