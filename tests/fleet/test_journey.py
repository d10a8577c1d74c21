"""The whole life of a fleet car, on PostgreSQL with a real Celery worker on Redis: a garage sets
up a business customer's fleet, the worker delivers the manager's invitation, the garage links a
car, the manager transfers it to a new owner, the worker delivers the activation email and the
new owner follows its link."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from accounts.models import User
from fleet.models import FleetAccount, FleetLink
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.fleet.factories import EN, fleet_url, garage_passport_url
from tests.helpers import PASSWORD_SET_LINK
from tests.notifications.conftest import real_worker  # noqa: F401 (fixture)
from tests.transfers.factories import (
    NEW_PASSWORD,
    TYPED,
    Inbox,
    activation_path,
    portal_car_url,
    submit,
)
from transfers.models import Transfer

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

Kind = Notification.Kind
MANAGER_EMAIL = "wagenpark@leasebedrijf.nl"
NEW_OWNER_EMAIL = "nieuwe.eigenaar@example.nl"


def set_password_link(text: str) -> str:
    links = set(PASSWORD_SET_LINK.findall(text))
    assert len(links) == 1, text
    return urlsplit(links.pop()).path


def test_a_fleet_manager_is_invited_and_transfers_a_fleet_car_to_a_new_owner(
    real_worker,  # noqa: F811
    garage,
    garage_admin,
    client_for,
):
    inbox = Inbox(real_worker)
    garage_client = client_for(garage_admin)
    passport = PassportFactory(garage=garage, driver_name="Bea Bestuurder")
    plate = passport.plate

    # The garage sets up its business customer's fleet; the worker delivers the invitation.
    with real_worker.publishing():
        created = garage_client.post(
            reverse("fleet:garage_fleets", kwargs={"garage_id": garage.pk}),
            {
                "name": "Leasebedrijf Noord BV",
                "email": "info@leasebedrijf.nl",
                "kvk_number": "12345678",
                "manager_email": MANAGER_EMAIL,
                "manager_name": "Wim Wagenpark",
            },
            **EN,
        )
    assert created.status_code == 302
    fleet = FleetAccount.objects.get(kind="business")
    invitation = inbox.delivered(kind=Kind.FLEET_INVITE, recipient=MANAGER_EMAIL)
    assert "Leasebedrijf Noord BV" in invitation

    # The manager follows the link, sets a password and lands on the fleet's dashboard.
    manager = Client()
    opened = manager.get(set_password_link(invitation), **EN)
    assert opened.status_code == 302
    landed = manager.post(
        opened["Location"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        **EN,
    )
    assert landed.redirect_chain[-1][0] == fleet_url("dashboard", fleet)
    assert landed.context["summary"]["cars"] == 0

    # The garage links its car to the fleet; the manager sees it.
    garage_client.post(garage_passport_url("fleet:link", passport), {"fleet": fleet.pk})
    dashboard = manager.get(fleet_url("dashboard", fleet), **EN)
    assert [car.plate for car in dashboard.context["page"].passports] == [plate]
    assertContains(dashboard, "Bea Bestuurder")

    # The manager transfers it in two steps; the worker delivers the activation email.
    url = fleet_url("transfer", fleet, passport)
    details = manager.get(url, **EN)
    confirm = manager.post(
        url,
        submit(details, button=("step", "details"), changes={**TYPED, "email": NEW_OWNER_EMAIL}),
        **EN,
    )
    assertTemplateUsed(confirm, "transfers/transfer_confirm.html")
    with real_worker.publishing():
        done = manager.post(url, submit(confirm, button=("step", "confirm")), follow=True, **EN)
    assert done.redirect_chain[-1][0] == fleet_url("dashboard", fleet)
    assert done.context["page"].passports == []

    record = Transfer.objects.get()
    assert (record.via, record.email, record.created_by.email) == (
        "fleet",
        NEW_OWNER_EMAIL,
        MANAGER_EMAIL,
    )
    passport.refresh_from_db()
    assert passport.fleet is None
    assert passport.driver_name == ""
    period = FleetLink.objects.get(passport=passport)
    assert period.unlinked_at is not None
    assert period.unlinked_by.email == MANAGER_EMAIL

    activation_mail = inbox.delivered(kind=Kind.OWNER_ACTIVATION, recipient=NEW_OWNER_EMAIL)
    assert plate in activation_mail

    # The new owner activates and sees the car in the portal.
    new_owner = Client()
    link = activation_path(activation_mail)
    assert new_owner.get(link, follow=True, **EN).status_code == 200
    activated = new_owner.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True, **EN
    )
    assert activated.redirect_chain[-1][0] == portal_car_url(plate)
    assert User.objects.get(email=NEW_OWNER_EMAIL).is_active
    assert Transfer.objects.get().state == Transfer.State.COMPLETED
    portal = new_owner.get(reverse("portal:home"), **EN)
    assert [car.plate for car in portal.context["cars"]] == [plate]
    assertNotContains(portal, "Bea Bestuurder")

    # The fleet keeps the period it had the car, read-only.
    afterwards = manager.get(fleet_url("car", fleet, passport), **EN)
    assert afterwards.context["current"] is False
    assert manager.get(url).status_code == 403
    assert not Notification.objects.exclude(state=Notification.State.SENT).exists()
    assert mail.outbox == []  # every email went through the worker
