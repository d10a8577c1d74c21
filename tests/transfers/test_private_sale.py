"""A private sale (issue 17, part 3): the owner hands the passport to a buyer in the portal,
through the same `transfer_confirm` as the garage and the fleet (route `via=owner`); the
seller can cancel it until the buyer accepts. Emails are read from the outbox as sent."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from autopaspoort.models import Passport
from core.errors import ApplicationError
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import (
    EN,
    NEW_PASSWORD,
    TYPED,
    FleetAccountFactory,
    activation_path,
    contact,
    customer_passport,
    message_texts,
    messages_to,
    page_forms,
    portal_car_url,
    submit,
    transfer,
)
from transfers.models import Transfer
from transfers.selectors import ownership_periods
from transfers.services import (
    transfer_accept,
    transfer_cancel,
    transfer_confirm,
    transfer_correct_email,
)

Kind = Notification.Kind
OWNER = Transfer.Via.OWNER


def sell_url(passport) -> str:
    return reverse("portal:sell", kwargs={"plate": passport.plate})


def sell(passport, email_address, *, actor, **fields):
    return transfer_confirm(
        passport=passport, contact=contact(email_address, **fields), actor=actor, via=OWNER
    )


def sell_in_portal(client, passport, email_address, **typed):
    """The owner's two steps in the portal, as in the browser; the confirmation's response."""
    url = sell_url(passport)
    details = client.get(url, **EN)
    assert details.status_code == 200, details
    typed = {**TYPED, **typed, "email": email_address}
    confirm = client.post(url, submit(details, button=("step", "details"), changes=typed), **EN)
    assert confirm.templates[0].name == "transfers/transfer_confirm.html", confirm.content.decode()
    return client.post(url, submit(confirm, button=("step", "confirm")), follow=True, **EN)


@pytest.fixture(autouse=True)
def _english():
    """Service messages in English, as the pages here ask for (EN)."""
    with translation.override("en"):
        yield


@pytest.fixture
def seller_car(garage, owner):
    return customer_passport(
        garage, owner, owner_street="Oudeweg", owner_city="Zwolle", owner_phone="+31612345678"
    )


def test_the_owner_sells_in_the_portal_and_the_buyer_activates_from_the_email(
    garage, garage_admin, owner, seller_car, client_for, django_capture_on_commit_callbacks
):
    seller = client_for(owner)
    car_page = seller.get(portal_car_url(seller_car), **EN)
    assert sell_url(seller_car) in car_page.content.decode()

    # A mistyped domain is caught ("did you mean"), as on the garage's form.
    url = sell_url(seller_car)
    details = seller.get(url, **EN)
    typed = {**TYPED, "name": "Koper Drie", "email": "koper@gmial.com"}
    guessed = seller.post(url, submit(details, button=("step", "details"), changes=typed), **EN)
    assert "koper@gmail.com" in guessed.content.decode()
    confirm = seller.post(url, submit(guessed, button=("use_suggestion", "koper@gmail.com")), **EN)
    assert confirm.templates[0].name == "transfers/transfer_confirm.html"
    assert "cancel the transfer" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = seller.post(url, submit(confirm, button=("step", "confirm")), follow=True, **EN)

    # The seller lost the car at once; their list shows the sale, with a way to cancel.
    assert done.redirect_chain[-1][0] == reverse("portal:home")
    assert "Waiting for the buyer" in done.content.decode()
    assert seller.get(portal_car_url(seller_car), **EN).status_code == 404
    assert seller.get(url, **EN).status_code == 404
    sale = Transfer.objects.get(passport=seller_car)
    assert (sale.via, sale.email, sale.created_by, sale.previous_owner) == (
        OWNER,
        "koper@gmail.com",
        owner,
        owner,
    )
    seller_car.refresh_from_db()
    assert seller_car.garage == garage  # the garage keeps servicing it
    assert (seller_car.owner_name, seller_car.owner_street) == ("Koper Drie", "Kerkstraat")

    # The seller's receipt, the buyer's activation and the garage's notice.
    (receipt,) = messages_to(mail.outbox, owner.email)
    assert seller_car.plate in receipt.subject
    assert "Koper" not in message_texts(receipt)
    (garage_mail,) = messages_to(mail.outbox, garage.email)
    assert "particulier overgeschreven" in message_texts(garage_mail)  # Dutch by default
    assert "Koper" not in message_texts(garage_mail)
    (activation,) = messages_to(mail.outbox, "koper@gmail.com")
    text = message_texts(activation)
    assert "De vorige eigenaar van" in text
    assert "Eigenaar Een" not in text

    # The buyer activates from the link and has the car.
    buyer = Client()
    form = buyer.get(activation_path(activation.body), follow=True, **EN)
    page = buyer.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        **EN,
    )
    assert page.redirect_chain[-1][0] == portal_car_url(seller_car)
    sale.refresh_from_db()
    assert sale.state == Transfer.State.COMPLETED
    assert "Waiting for the buyer" not in seller.get(reverse("portal:home"), **EN).content.decode()

    # The garage's dashboard says so; the garage still opens the car.
    dashboard = client_for(garage_admin).get(
        reverse("garage:dashboard", kwargs={"garage_id": garage.pk}), **EN
    )
    assert "Transferred privately to a new owner" in dashboard.content.decode()
    assert seller_car.plate in dashboard.content.decode()
    assert client_for(garage_admin).get(seller_car.get_absolute_url()).status_code == 200


def test_a_fleet_car_is_refused_to_its_driver_owner_before_and_at_the_green_check(
    garage, owner, client_for
):
    fleet = FleetAccountFactory(name="Leasebedrijf Noord BV")
    passport = customer_passport(garage, owner, fleet=fleet)
    client = client_for(owner)

    car_page = client.get(portal_car_url(passport), **EN).content.decode()
    assert "only its fleet managers can transfer it" in car_page
    assert sell_url(passport) not in car_page
    assert client.get(sell_url(passport), **EN).status_code == 409
    with pytest.raises(ApplicationError, match="Leasebedrijf Noord BV"):
        sell(passport, "koper@example.nl", actor=owner)
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()


def test_only_the_current_owner_sells_privately_and_never_a_stock_car(
    garage, garage_admin, owner, other_owner, seller_car, client_for
):
    with pytest.raises(PermissionDenied):
        sell(seller_car, "koper@example.nl", actor=other_owner)
    with pytest.raises(PermissionDenied):
        sell(PassportFactory(garage=garage), "koper@example.nl", actor=garage_admin)
    assert client_for(other_owner).get(sell_url(seller_car)).status_code == 404
    assert not Transfer.objects.exists()


def test_a_car_with_an_open_transfer_is_not_transferred_again_until_accepted(
    garage, garage_admin, owner, other_owner, seller_car, client_for
):
    sale = sell(seller_car, other_owner.email, actor=owner).transfer  # an existing account

    with translation.override("en"), pytest.raises(ApplicationError, match="still waiting"):
        transfer(seller_car, "derde@example.nl", actor=garage_admin)
    # The buyer must accept before selling it on.
    with translation.override("en"), pytest.raises(ApplicationError, match="Confirm that"):
        sell(seller_car, "derde@example.nl", actor=other_owner)
    assert client_for(other_owner).get(sell_url(seller_car)).status_code == 409

    transfer_accept(transfer=sale, user=other_owner)
    seller_car.refresh_from_db()
    resale = sell(seller_car, "derde@example.nl", actor=other_owner).transfer
    assert resale.previous_owner == other_owner
    assert Transfer.objects.filter(passport=seller_car).count() == 2


def test_the_seller_cancels_the_car_comes_back_and_the_buyer_is_told_the_link_is_void(
    garage, owner, seller_car, client_for, django_capture_on_commit_callbacks
):
    seller = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        sell_in_portal(seller, seller_car, "koper@example.nl", name="Koper Drie")
    (activation,) = messages_to(mail.outbox, "koper@example.nl")
    link = activation_path(activation.body)
    home = seller.get(reverse("portal:home"), **EN)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = seller.post(
            *[form["action"] for form in page_forms(home) if "annuleren" in (form["action"] or "")],
            follow=True,
            **EN,
        )

    assert cancelled.redirect_chain[-1][0] == portal_car_url(seller_car)
    sale = Transfer.objects.get(passport=seller_car)
    assert sale.state == Transfer.State.CANCELLED
    assert sale.cancelled_at is not None
    seller_car.refresh_from_db()
    assert seller_car.owner == owner
    assert seller_car.is_active
    assert (seller_car.owner_name, seller_car.owner_street, seller_car.owner_phone) == (
        owner.full_name,
        "Oudeweg",
        "+31612345678",
    )
    (void,) = messages_to(mail.outbox, "koper@example.nl")
    assert "vervallen" in message_texts(void)  # "the link is void", in Dutch
    assert seller_car.plate in void.subject
    # The link from the first email opens nothing any more.
    page = Client().get(link, follow=True, **EN)
    assert page.templates[0].name == "portal/activation_invalid.html"
    assert not User.objects.get(email="koper@example.nl").owned_passports.exists()
    # The sale was withdrawn: no "previous owner" period for it.
    assert [period.is_you for period in ownership_periods(passport=seller_car, viewer=owner)] == [
        True
    ]
    # Cancelling again changes nothing and sends nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = seller.post(reverse("portal:sale_cancel", kwargs={"sale_id": sale.pk}))
    assert again.status_code == 404
    assert not mail.outbox


def test_only_whoever_started_a_transfer_cancels_it(
    garage, garage_admin, owner, other_owner, seller_car, client_for
):
    sale = sell(seller_car, other_owner.email, actor=owner).transfer
    for someone in (other_owner, garage_admin):
        with pytest.raises(PermissionDenied):
            transfer_cancel(transfer=sale, actor=someone)
    assert (
        client_for(other_owner)
        .post(reverse("portal:sale_cancel", kwargs={"sale_id": sale.pk}))
        .status_code
        == 404
    )
    sale.refresh_from_db()
    assert sale.is_open

    # Once the buyer accepted, the seller cannot take it back.
    transfer_accept(transfer=sale, user=other_owner)
    with translation.override("en"), pytest.raises(ApplicationError, match="accepted"):
        transfer_cancel(transfer=sale, actor=owner)
    seller_car.refresh_from_db()
    assert seller_car.owner == other_owner


def test_the_garage_cancels_its_own_transfer_and_the_car_is_stock_again(
    garage, garage_admin, owner, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)
    handed = transfer(passport, "klant@example.nl", actor=garage_admin)
    with pytest.raises(PermissionDenied):
        transfer_cancel(transfer=handed, actor=owner)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        transfer_cancel(transfer=handed, actor=garage_admin)

    passport.refresh_from_db()
    assert passport.state == Passport.State.STOCK
    assert passport.owner == garage.account_user
    assert [message.to for message in mail.outbox] == [["klant@example.nl"]]
    with translation.override("en"), pytest.raises(ApplicationError, match="cancelled"):
        transfer_accept(transfer=handed, user=User.objects.get(email="klant@example.nl"))


def test_the_dashboards_private_sales_list_is_this_garages_only(
    garage, other_garage, owner, other_owner, client_for
):
    sell(customer_passport(garage, owner), "koper@example.nl", actor=owner)
    theirs = customer_passport(other_garage, other_owner)
    sell(theirs, "ander@example.nl", actor=other_owner)

    page = client_for(garage.account_user).get(
        reverse("garage:dashboard", kwargs={"garage_id": garage.pk}), **EN
    )
    assert "Transferred privately to a new owner" in page.content.decode()
    assert theirs.plate not in page.content.decode()


def test_the_garage_sees_a_private_sale_and_its_cancellation_but_cannot_redirect_it(
    garage, garage_admin, owner, seller_car, client_for
):
    sale = sell(seller_car, "koper@example.nl", actor=owner).transfer
    garage_client = client_for(garage_admin)
    profile = garage_client.get(seller_car.get_absolute_url(), **EN).content.decode()
    assert "Transferred privately by the owner." in profile
    assert (
        reverse(
            "transfers:correct",
            kwargs={"garage_id": garage.pk, "plate": seller_car.plate, "transfer_id": sale.pk},
        )
        not in profile
    )
    with translation.override("en"), pytest.raises(ApplicationError, match="privately"):
        transfer_correct_email(transfer=sale, new_email="ander@example.nl", actor=garage_admin)

    transfer_cancel(transfer=sale, actor=owner)
    profile = garage_client.get(seller_car.get_absolute_url(), **EN).content.decode()
    assert "The transfer to koper@example.nl was cancelled on" in profile
    assert "completed on" not in profile


def test_the_garage_cancels_its_own_transfer_from_the_profile(
    garage, garage_admin, mechanic, client_for, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)
    handed = transfer(passport, "klant@example.nl", actor=garage_admin)
    url = reverse(
        "transfers:cancel",
        kwargs={"garage_id": garage.pk, "plate": passport.plate, "transfer_id": handed.pk},
    )
    admin = client_for(garage_admin)
    assert url in admin.get(passport.get_absolute_url(), **EN).content.decode()
    assert client_for(mechanic).post(url).status_code == 403  # no transfer role

    with django_capture_on_commit_callbacks(execute=True):
        page = admin.post(url, follow=True, **EN)

    assert "no longer works" in page.content.decode()
    passport.refresh_from_db()
    assert passport.is_stock
    handed.refresh_from_db()
    assert handed.state == Transfer.State.CANCELLED
