"""The whole journey of a sold car, on PostgreSQL with a real Celery worker on Redis: the garage
transfers it in the browser, the worker delivers the emails, the owners follow the links."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.notifications.conftest import real_worker  # noqa: F401 (fixture)
from tests.transfers.factories import (
    EN,
    NEW_PASSWORD,
    Inbox,
    activation_path,
    portal_car_url,
    transfer_in_browser,
)
from transfers.models import Transfer

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

Kind = Notification.Kind


def test_a_sold_car_reaches_a_new_owner_and_then_an_existing_one(
    real_worker,  # noqa: F811
    garage,
    garage_admin,
    other_owner,
    client_for,
):
    passport = PassportFactory(garage=garage)
    plate = passport.plate
    garage_client = client_for(garage_admin)
    inbox = Inbox(real_worker)

    # The garage sells the stock car to a new customer.
    with real_worker.publishing():
        confirmed = transfer_in_browser(
            garage_client, passport, "Nieuwe.Eigenaar@Example.nl", name="Nieuwe Eigenaar"
        )
    assert confirmed.redirect_chain[-1][0] == passport.get_absolute_url()
    activation_mail = inbox.delivered(
        kind=Kind.OWNER_ACTIVATION, recipient="nieuwe.eigenaar@example.nl"
    )
    assert plate in activation_mail
    link = activation_path(activation_mail)

    # Opening the link shows the form and changes nothing.
    first_owner = Client()
    form_page = first_owner.get(link, follow=True, **EN)  # the token leaves the URL
    assert form_page.status_code == 200
    assert form_page.templates[0].name == "portal/activation_set_password.html"
    new_owner = User.objects.get(email="nieuwe.eigenaar@example.nl")
    assert not new_owner.is_active
    assert not new_owner.has_usable_password()

    # Setting the password activates, logs in, and lands on the car.
    activated = first_owner.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True, **EN
    )
    assert activated.redirect_chain[-1][0] == portal_car_url(plate)
    assert activated.templates[0].name == "portal/car.html"
    assert plate in activated.content.decode()
    new_owner.refresh_from_db()
    assert new_owner.is_active
    assert Transfer.objects.get().state == Transfer.State.COMPLETED
    assert plate in first_owner.get(reverse("portal:home"), **EN).content.decode()

    # Later the car goes, again through the garage, to a person who already has an account.
    with real_worker.publishing():
        transfer_in_browser(garage_client, passport, other_owner.email, name=other_owner.full_name)
    added_mail = inbox.delivered(kind=Kind.CAR_ADDED, recipient=other_owner.email)
    assert plate in added_mail
    assert "/mijn/activeren/" not in added_mail
    receipt = inbox.delivered(kind=Kind.TRANSFER_RECEIPT, recipient=new_owner.email)

    # The existing owner finds it under "to confirm" and accepts it.
    second_owner = client_for(other_owner)
    home = second_owner.get(reverse("portal:home"), **EN)
    assert [car.plate for car in home.context["to_confirm"]] == [plate]
    assert "To confirm" in home.content.decode()
    accepted = second_owner.post(
        reverse("portal:accept", kwargs={"plate": plate}), follow=True, **EN
    )
    assert accepted.redirect_chain[-1][0] == portal_car_url(plate)
    assert accepted.templates[0].name == "portal/car.html"

    # The first owner has lost the car, and got a receipt that says nothing about the buyer.
    assert first_owner.get(portal_car_url(plate)).status_code == 404
    assert plate not in first_owner.get(reverse("portal:home"), **EN).content.decode()
    assert plate in receipt
    assert other_owner.email not in receipt
    assert other_owner.full_name not in receipt
    assert "Eigenaar Twee" not in receipt
    assert Transfer.objects.filter(state=Transfer.State.COMPLETED).count() == 2
    assert not Notification.objects.exclude(state=Notification.State.SENT).exists()
    assert mail.outbox == []  # every email went through the worker, none was sent in-process
