"""The garage's transfer pages: owner details, "did you mean", confirmation, resend, correction."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.models import User
from accounts.tokens import activation_token_generator, activation_url
from autopaspoort.models import Passport
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import (
    EN,
    NEW_PASSWORD,
    TYPED,
    FleetAccountFactory,
    activation_path,
    customer_passport,
    page_forms,
    submit,
    transfer,
    transfer_in_browser,
    transfer_url,
)
from transfers import services
from transfers.models import EmailCorrection, OwnerContactChange, Transfer

pytestmark = pytest.mark.django_db


def details_step(client, passport, email, **typed):
    """Open the transfer form and press "Next" with the new owner's details typed in."""
    url = transfer_url(passport)
    page = client.get(url, **EN)
    return client.post(
        url,
        submit(page, button=("step", "details"), changes={**TYPED, **typed, "email": email}),
        **EN,
    )


def template_of(response) -> str:
    return response.templates[0].name


def passport_state(passport):
    passport.refresh_from_db()
    return (passport.owner_id, passport.state, passport.owner_version, passport.contact_email)


# --- The two steps ----------------------------------------------------------------------------


def test_the_details_step_changes_nothing_and_shows_the_email_large_to_check(
    client_for, garage, garage_admin
):
    passport = PassportFactory(garage=garage)
    before = passport_state(passport)

    response = details_step(client_for(garage_admin), passport, "Piet@Example.nl")

    assert template_of(response) == "transfers/transfer_confirm.html"
    assertContains(response, '<p class="email-large">piet@example.nl</p>', html=True)
    assertContains(response, "Check this email address carefully.")
    assertContains(
        response,
        "Once the new owner has activated the passport, your garage can no longer change it.",
    )
    assert passport_state(passport) == before
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()
    assert not User.objects.filter(email="piet@example.nl").exists()


def test_the_green_check_transfers_to_a_new_owner_and_says_an_activation_email_goes_out(
    client_for, garage, sales
):
    passport = PassportFactory(garage=garage)

    response = transfer_in_browser(client_for(sales), passport, "piet@example.nl")

    assert response.redirect_chain[-1][0] == passport.get_absolute_url()
    assertContains(
        response,
        f"{passport.plate} is transferred. piet@example.nl receives an email to activate the "
        "passport.",
    )
    record = Transfer.objects.get()
    assert (record.email, record.name, record.postcode, record.created_by) == (
        "piet@example.nl",
        "Piet Koper",
        "3511 AB",
        sales,
    )
    assert Notification.objects.get().kind == Notification.Kind.OWNER_ACTIVATION


def test_the_green_check_to_an_existing_owner_says_the_car_went_to_their_account(
    client_for, garage, garage_admin, other_owner
):
    passport = PassportFactory(garage=garage)

    response = transfer_in_browser(client_for(garage_admin), passport, other_owner.email)

    assertContains(
        response, f"{passport.plate} is transferred to the existing account of {other_owner.email}."
    )
    assert Notification.objects.get().kind == Notification.Kind.CAR_ADDED


def test_change_details_goes_back_to_the_form_with_what_was_typed(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage)
    client = client_for(garage_admin)
    confirm = details_step(client, passport, "piet@example.nl")

    response = client.post(transfer_url(passport), submit(confirm, button=("step", "edit")), **EN)

    assert template_of(response) == "transfers/transfer_details.html"
    assert response.context["form"]["email"].value() == "piet@example.nl"
    assert response.context["form"]["name"].value() == "Piet Koper"
    assert not Transfer.objects.exists()


def test_an_invalid_email_is_a_field_error(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage)

    response = details_step(client_for(garage_admin), passport, "piet@")

    assert template_of(response) == "transfers/transfer_details.html"
    assert "email" in response.context["form"].errors
    assert not Transfer.objects.exists()


def test_a_stock_cars_form_starts_empty_not_with_the_garages_own_details(
    client_for, garage, garage_admin
):
    passport = PassportFactory(garage=garage)

    response = client_for(garage_admin).get(transfer_url(passport), **EN)

    form = response.context["form"]
    assert form["email"].value() in (None, "")
    assert form["expected_version"].value() == passport.owner_version


def test_a_passport_created_for_a_customer_is_handed_over_with_the_details_typed_at_creation(
    client_for, garage, garage_admin
):
    client = client_for(garage_admin)
    created = client.post(
        reverse("autopaspoort:create", kwargs={"garage_id": garage.pk}),
        {
            "plate": "gj-555-k",
            "owner_email": "Klant@Example.nl",
            "owner_name": "Karel Klant",
            "owner_street": "Dorpsweg",
            "owner_house_number": "3",
            "owner_postcode": "1234 AB",
            "owner_city": "Zeist",
            "owner_phone": "0687654321",
            "driver_name": "",
            "driver_email": "",
            "driver_phone": "",
            "odometer_km": "12000",
        },
        **EN,
    )
    passport = Passport.objects.get()
    assert passport.is_stock  # nothing is handed over before the confirmation
    assertRedirects(created, transfer_url(passport), fetch_redirect_response=False)

    details = client.get(transfer_url(passport), **EN)
    assert details.context["form"]["email"].value() == "klant@example.nl"
    assert details.context["form"]["name"].value() == "Karel Klant"
    confirm = client.post(transfer_url(passport), submit(details, button=("step", "details")), **EN)
    client.post(transfer_url(passport), submit(confirm, button=("step", "confirm")), **EN)

    record = Transfer.objects.get()
    assert (record.email, record.name, record.city) == ("klant@example.nl", "Karel Klant", "Zeist")
    # The prefill is used up: the form does not offer it again.
    assert passport.plate not in client.session.get("transfer_prefill", {})


# --- Double submit ----------------------------------------------------------------------------


def test_a_double_submitted_confirmation_transfers_once_and_says_already_transferred(
    client_for, garage, garage_admin
):
    passport = PassportFactory(garage=garage)
    client = client_for(garage_admin)
    confirm = details_step(client, passport, "piet@example.nl")
    green_check = submit(confirm, button=("step", "confirm"))

    first = client.post(transfer_url(passport), green_check, follow=True, **EN)
    second = client.post(transfer_url(passport), green_check, follow=True, **EN)

    assertContains(first, "is transferred.")
    assertContains(second, f"{passport.plate} has already been transferred.")
    assertNotContains(second, "receives an email to activate")
    assert Transfer.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.OWNER_ACTIVATION).count() == 1
    passport.refresh_from_db()
    assert passport.owner_version == 1


def test_a_colleagues_older_confirmation_to_another_address_is_refused_with_a_message(
    client_for, garage, garage_admin, sales
):
    passport = PassportFactory(garage=garage)
    admin_client, sales_client = client_for(garage_admin), client_for(sales)
    admin_confirm = details_step(admin_client, passport, "piet@example.nl")
    sales_confirm = details_step(sales_client, passport, "klaas@example.nl")
    admin_client.post(transfer_url(passport), submit(admin_confirm, button=("step", "confirm")))

    response = sales_client.post(
        transfer_url(passport), submit(sales_confirm, button=("step", "confirm")), **EN
    )

    assert template_of(response) == "transfers/transfer_details.html"
    assertContains(response, "was changed by someone else a moment ago")
    assert list(Transfer.objects.values_list("email", flat=True)) == ["piet@example.nl"]


# --- Refusals ---------------------------------------------------------------------------------


def test_transfer_of_fleet_car_is_refused_with_a_message_naming_the_fleet(
    client_for, garage, garage_admin
):
    passport = PassportFactory(garage=garage)
    passport.fleet = FleetAccountFactory(name="Leasebedrijf Noord BV")
    passport.save(update_fields=["fleet"])
    before = passport_state(passport)

    response = client_for(garage_admin).get(transfer_url(passport), **EN)

    # Said on opening the form, before anything is typed (issue 14, item 21).
    assert template_of(response) == "transfers/transfer_details.html"
    assertContains(
        response,
        f"{passport.plate} is linked to the fleet account Leasebedrijf Noord BV. Unlink it "
        "first, or transfer it from the fleet account.",
        status_code=409,
    )
    assert passport_state(passport) == before
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()
    assert not User.objects.filter(email="piet@example.nl").exists()


def test_a_mechanic_gets_403_on_every_transfer_page_and_nothing_changes(
    client_for, garage, mechanic, garage_admin
):
    passport = PassportFactory(garage=garage)
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    client = client_for(mechanic)
    open_car = record.passport
    requests = [
        ("get", transfer_url(passport), {}),
        ("post", transfer_url(passport), {**TYPED, "email": "x@example.nl", "step": "confirm"}),
        ("post", transfer_url(open_car, "transfers:resend", transfer_id=record.pk), {}),
        ("get", transfer_url(open_car, "transfers:correct", transfer_id=record.pk), {}),
        (
            "post",
            transfer_url(open_car, "transfers:correct", transfer_id=record.pk),
            {"new_email": "x@example.nl"},
        ),
    ]

    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 403, (method, url)

    assert Transfer.objects.count() == 1
    assert Notification.objects.count() == 1
    assert not EmailCorrection.objects.exists()


def test_a_mechanic_does_not_see_the_transfer_actions_on_the_profile(client_for, garage, mechanic):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")

    response = client_for(mechanic).get(record.passport.get_absolute_url(), **EN)

    assertNotContains(response, "Send the email again")
    assertNotContains(response, "Correct the email address")


def test_another_garages_plate_is_a_404_for_garage_staff(
    client_for, garage, other_garage, other_garage_staff
):
    passport = PassportFactory(garage=garage)
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    client = client_for(other_garage_staff)
    data = {**TYPED, "email": "x@example.nl", "step": "confirm", "new_email": "x@example.nl"}

    def urls(garage_id):
        kwargs = {"garage_id": garage_id, "plate": record.passport.plate}
        return {
            "start": reverse("transfers:start", kwargs={**kwargs, "plate": passport.plate}),
            "resend": reverse("transfers:resend", kwargs={**kwargs, "transfer_id": record.pk}),
            "correct": reverse("transfers:correct", kwargs={**kwargs, "transfer_id": record.pk}),
        }

    # Garage A's plates under the visitor's own garage, and garage A's own addresses.
    for garage_id in (other_garage.pk, garage.pk):
        for name, url in urls(garage_id).items():
            assert client.post(url, data).status_code == 404, url
            if name != "resend":
                assert client.get(url).status_code == 404, url

    assert Transfer.objects.count() == 1
    assert Notification.objects.count() == 1


def test_a_transfer_id_of_another_car_is_a_404(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage)
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")

    response = client_for(garage_admin).post(
        transfer_url(passport, "transfers:resend", transfer_id=record.pk)
    )

    assert response.status_code == 404
    assert Notification.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login(anonymous, garage):
    passport = PassportFactory(garage=garage)

    response = anonymous.get(transfer_url(passport))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Did you mean ...? ------------------------------------------------------------------------


def test_a_mistyped_domain_gets_a_suggestion_with_both_choices(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage)

    response = details_step(client_for(garage_admin), passport, "piet@gmial.com")

    assert template_of(response) == "transfers/transfer_details.html"
    assert response.context["suggestion"] == "piet@gmail.com"
    assertContains(response, "Did you mean <strong>piet@gmail.com</strong>?")
    assertContains(response, "You typed piet@gmial.com.")
    (form,) = [form for form in page_forms(response) if ("step", "details") in form["buttons"]]
    assert ("use_suggestion", "piet@gmail.com") in form["buttons"]
    assert ("keep_email", "on") in form["buttons"]
    assertContains(response, "Use piet@gmail.com")
    assertContains(response, "Keep what I typed")
    assert not Transfer.objects.exists()


def test_accepting_the_suggestion_continues_with_the_corrected_address(
    client_for, garage, garage_admin
):
    passport = PassportFactory(garage=garage)
    client = client_for(garage_admin)
    suggestion = details_step(client, passport, "piet@gmial.com")

    confirm = client.post(
        transfer_url(passport),
        submit(suggestion, button=("use_suggestion", "piet@gmail.com")),
        **EN,
    )

    assert template_of(confirm) == "transfers/transfer_confirm.html"
    assertContains(confirm, '<p class="email-large">piet@gmail.com</p>', html=True)
    client.post(transfer_url(passport), submit(confirm, button=("step", "confirm")))
    assert Transfer.objects.get().email == "piet@gmail.com"
    assert User.objects.filter(email="piet@gmail.com").exists()
    assert not User.objects.filter(email="piet@gmial.com").exists()


def test_keeping_what_was_typed_continues_with_that_address(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage)
    client = client_for(garage_admin)
    suggestion = details_step(client, passport, "piet@gmial.com")

    confirm = client.post(
        transfer_url(passport), submit(suggestion, button=("keep_email", "on")), **EN
    )

    assert template_of(confirm) == "transfers/transfer_confirm.html"
    assertContains(confirm, '<p class="email-large">piet@gmial.com</p>', html=True)
    client.post(transfer_url(passport), submit(confirm, button=("step", "confirm")))
    assert Transfer.objects.get().email == "piet@gmial.com"


def test_a_new_typo_after_change_details_is_pointed_out_again(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage)
    client = client_for(garage_admin)
    suggestion = details_step(client, passport, "piet@gmial.com")
    confirm = client.post(
        transfer_url(passport), submit(suggestion, button=("keep_email", "on")), **EN
    )
    details = client.post(transfer_url(passport), submit(confirm, button=("step", "edit")), **EN)

    again = client.post(
        transfer_url(passport),
        submit(details, button=("step", "details"), changes={"email": "piet@hotmial.nl"}),
        **EN,
    )

    assert again.context["suggestion"] == "piet@hotmail.nl"


# --- Transfer state on the customer profile ---------------------------------------------------


def test_the_profile_shows_awaiting_activation_and_the_emails_delivery_state(
    client_for, garage, garage_admin, django_capture_on_commit_callbacks
):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    client = client_for(garage_admin)

    pending = client.get(record.passport.get_absolute_url(), **EN)

    assertContains(pending, "Waiting for piet@example.nl to activate the passport.")
    assertContains(pending, '<span class="badge badge-email-pending">Pending</span>', html=True)
    assertContains(pending, "Send the email again")
    assertContains(pending, "Correct the email address")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(transfer_url(record.passport, "transfers:resend", transfer_id=record.pk))
    sent = client.get(record.passport.get_absolute_url(), **EN)

    assertContains(sent, '<span class="badge badge-email-sent">Sent</span>', html=True)


def test_the_profile_shows_a_failed_email(client_for, garage, garage_admin):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    Notification.objects.filter(pk=record.notification_id).update(state=Notification.State.FAILED)

    response = client_for(garage_admin).get(record.passport.get_absolute_url(), **EN)

    assertContains(response, '<span class="badge badge-email-failed">Failed</span>', html=True)


def test_the_profile_says_an_existing_owner_must_accept(
    client_for, garage, garage_admin, other_owner
):
    record = transfer(PassportFactory(garage=garage), other_owner.email)

    response = client_for(garage_admin).get(record.passport.get_absolute_url(), **EN)

    assertContains(response, f"Waiting for {other_owner.email} to accept the car in their account.")
    assertContains(response, "Correct the email address")


def test_a_car_waiting_for_an_existing_owner_can_be_corrected_to_another_address(
    client_for, garage, garage_admin, other_owner
):
    record = transfer(PassportFactory(garage=garage), other_owner.email)

    client_for(garage_admin).post(
        transfer_url(record.passport, "transfers:correct", transfer_id=record.pk),
        {"new_email": "piet@example.nl"},
    )

    record.refresh_from_db()
    record.passport.refresh_from_db()
    assert record.email == "piet@example.nl"
    assert record.new_owner.email == "piet@example.nl"
    assert record.new_owner_is_new is True
    assert record.notification.kind == Notification.Kind.OWNER_ACTIVATION
    assert record.passport.owner == record.new_owner
    other_owner.refresh_from_db()
    assert other_owner.email != "piet@example.nl"  # the existing account keeps its address
    assert other_owner.is_active


def activated_transfer(garage):
    """A car transferred to piet@example.nl, who has activated it."""
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    services.owner_activate(
        user=record.new_owner,
        token=activation_token_generator.make_token(record.new_owner),
        password=NEW_PASSWORD,
    )
    return record


def test_the_profile_shows_a_completed_transfer_without_actions(client_for, garage, garage_admin):
    record = activated_transfer(garage)

    response = client_for(garage_admin).get(record.passport.get_absolute_url(), **EN)

    assertContains(response, "Transferred to piet@example.nl, completed on")
    assertNotContains(response, "Send the email again")


def test_send_the_email_again_queues_a_new_email_and_cancels_the_pending_one(
    client_for, garage, sales
):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    first = record.notification

    response = client_for(sales).post(
        transfer_url(record.passport, "transfers:resend", transfer_id=record.pk),
        follow=True,
        **EN,
    )

    assertContains(response, "The email has been sent again to piet@example.nl.")
    first.refresh_from_db()
    record.refresh_from_db()
    assert first.state == Notification.State.CANCELLED
    assert record.notification != first
    assert record.notification.state == Notification.State.PENDING
    assert record.notification.kind == Notification.Kind.OWNER_ACTIVATION
    assert Notification.objects.count() == 2


def test_send_the_email_again_after_activation_says_there_is_nothing_to_resend(
    client_for, garage, garage_admin
):
    record = activated_transfer(garage)

    response = client_for(garage_admin).post(
        transfer_url(record.passport, "transfers:resend", transfer_id=record.pk),
        follow=True,
        **EN,
    )

    assertContains(response, "The new owner has already activated; there is nothing to resend.")
    assert Notification.objects.count() == 1


# --- Garage email correction ------------------------------------------------------------------


def test_a_garage_correction_before_activation_kills_the_old_link_and_sends_a_new_one(
    client_for, garage, sales, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)
    client = client_for(sales)
    transfer_in_browser(client, passport, "piet@gmial.com", keep_email="on")
    record = Transfer.objects.get()
    old_notification = record.notification
    # The link the mistyped address would get, built as the worker builds it at delivery (the
    # email itself stays pending here, to see it cancelled).
    old_link = urlsplit(activation_url(record.new_owner)).path
    correct_url = transfer_url(passport, "transfers:correct", transfer_id=record.pk)
    form_page = client.get(correct_url, **EN)
    assert form_page.context["form"]["new_email"].value() == "piet@gmial.com"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(correct_url, {"new_email": "piet@gmail.com"}, follow=True, **EN)

    assertContains(
        response,
        "The email is corrected. The old link no longer works; piet@gmail.com receives a new one.",
    )
    old_notification.refresh_from_db()
    assert old_notification.state == Notification.State.CANCELLED
    correction = EmailCorrection.objects.get()
    assert (correction.old_email, correction.new_email, correction.by_support) == (
        "piet@gmial.com",
        "piet@gmail.com",
        False,
    )
    assert correction.corrected_by == sales
    (message,) = mail.outbox
    assert message.to == ["piet@gmail.com"]
    dead = Client().get(old_link, **EN)
    assertContains(dead, "This link no longer works")
    new_link = activation_path(message.body)
    assertContains(Client().get(new_link, follow=True, **EN), "Activate your AutoPaspoort")


def test_after_activation_the_garage_gets_a_clear_refusal_to_correct(
    client_for, garage, garage_admin
):
    record = activated_transfer(garage)

    response = client_for(garage_admin).post(
        transfer_url(record.passport, "transfers:correct", transfer_id=record.pk),
        {"new_email": "klaas@example.nl"},
        **EN,
    )

    assert response.status_code == 200
    assertContains(
        response,
        "The new owner has already activated, so the email can no longer be changed here. Ask "
        "AutoPaspoort support if it is wrong.",
    )
    assert not EmailCorrection.objects.exists()
    record.refresh_from_db()
    assert record.email == "piet@example.nl"
    assert record.new_owner.is_active


def test_the_transfer_pages_at_a_plate_in_another_spelling_name_the_canonical_plate(
    client_for, garage, garage_admin
):
    passport = PassportFactory(garage=garage)
    typed_plate = passport.plate.replace("-", "").lower()
    url = reverse("transfers:start", kwargs={"garage_id": garage.pk, "plate": typed_plate})
    client = client_for(garage_admin)
    details = client.get(url, **EN)
    confirm = client.post(
        url,
        submit(details, button=("step", "details"), changes={**TYPED, "email": "p@example.nl"}),
        **EN,
    )
    green_check = submit(confirm, button=("step", "confirm"))
    client.post(url, green_check, **EN)

    again = client.post(url, green_check, follow=True, **EN)

    assert Transfer.objects.count() == 1
    assertContains(again, f"{passport.plate} has already been transferred.")


# --- Correcting the current owner's contact details (issue 14, item 20) ----------------------


def owner_edit_url(passport) -> str:
    return reverse(
        "autopaspoort:owner_edit", kwargs={"garage_id": passport.garage_id, "plate": passport.plate}
    )


def owner_details_url(passport) -> str:
    return reverse(
        "autopaspoort:details", kwargs={"garage_id": passport.garage_id, "plate": passport.plate}
    )


@pytest.fixture
def sold(garage, garage_admin):
    """A car the garage handed to Piet Koper (TYPED), who is waiting to activate."""
    passport = PassportFactory(garage=garage)
    transfer(passport, "piet@example.nl", actor=garage_admin, **TYPED)
    passport.refresh_from_db()
    return passport


def test_a_new_address_typed_into_the_transfer_form_for_the_current_owner_is_not_dropped(
    client_for, garage_admin, sold
):
    """Issue 14, item 20: resubmitting the transfer form for the current owner with a new
    address said "already transferred" and silently dropped the address. It is refused with
    a message pointing to where the details are changed, and nothing changes."""
    response = transfer_in_browser(
        client_for(garage_admin), sold, "piet@example.nl", street="Nieuwstraat", phone="0687654321"
    )

    assertNotContains(response, "has already been transferred")
    assertContains(response, "Edit owner details")
    sold.refresh_from_db()
    assert (sold.owner_street, sold.owner_phone) == (TYPED["street"], "+31612345678")
    assert Transfer.objects.count() == 1


def test_the_garage_corrects_the_current_owners_address_and_phone_from_the_profile(
    client_for, garage, sales, sold
):
    client = client_for(sales)
    profile = client.get(sold.get_absolute_url(), **EN)
    assertContains(profile, f'href="{owner_edit_url(sold)}"')
    page = client.get(owner_edit_url(sold), **EN)
    assert page.status_code == 200
    assertContains(page, "piet@example.nl")  # shown, not a field: the email stays final
    assert "email" not in page_forms(page)[-1]["fields"]

    data = submit(
        page,
        button=("save", "1"),
        changes={
            "street": "Nieuwstraat",
            "house_number": "3",
            "phone": "0687654321",
            "email": "kaper@example.nl",  # not a field of this form: ignored
        },
    )
    response = client.post(owner_edit_url(sold), data, follow=True, **EN)

    assertRedirects(response, owner_details_url(sold))
    assertContains(response, "Nieuwstraat 3")
    sold.refresh_from_db()
    assert (sold.owner_street, sold.owner_house_number, sold.owner_phone) == (
        "Nieuwstraat",
        "3",
        "+31687654321",  # stored as E.164 (core.phones)
    )
    assert (sold.contact_email, sold.owner_name, sold.owner_city) == (
        "piet@example.nl",
        TYPED["name"],
        TYPED["city"],
    )
    (change,) = OwnerContactChange.objects.all()
    assert change.passport == sold
    assert change.changed_by == sales
    assert change.changed_at is not None
    assert change.before == {
        "street": TYPED["street"],
        "house_number": TYPED["house_number"],
        "phone": "+31612345678",  # TYPED["phone"], as stored (core.phones)
    }
    assert change.after == {"street": "Nieuwstraat", "house_number": "3", "phone": "+31687654321"}
    assert not Notification.objects.exclude(kind=Notification.Kind.OWNER_ACTIVATION).exists()


def test_an_invalid_postcode_is_shown_beside_the_field_and_nothing_changes(
    client_for, garage_admin, sold
):
    client = client_for(garage_admin)
    page = client.get(owner_edit_url(sold), **EN)

    response = client.post(
        owner_edit_url(sold), submit(page, button=("save", "1"), changes={"postcode": "12"}), **EN
    )

    assert response.status_code == 200
    assert response.context["form"].errors["postcode"]
    sold.refresh_from_db()
    assert sold.owner_postcode == TYPED["postcode"]
    assert not OwnerContactChange.objects.exists()


def test_details_from_a_page_opened_before_the_car_changed_hands_are_refused(
    client_for, garage, garage_admin, owner
):
    passport = customer_passport(garage, owner)
    client = client_for(garage_admin)
    page = client.get(owner_edit_url(passport), **EN)
    passport.refresh_from_db()
    transfer(passport, "volgende@example.nl")  # meanwhile, the car was sold on

    response = client.post(
        owner_edit_url(passport),
        submit(page, button=("save", "1"), changes={"street": "Oudeweg"}),
        **EN,
    )

    assert response.status_code == 200
    assertContains(response, "changed owner")
    passport.refresh_from_db()
    assert passport.owner_street == ""
    assert not OwnerContactChange.objects.exists()


def test_mechanics_other_garages_and_stock_cars_get_no_owner_edit_page(
    client_for, garage, garage_admin, mechanic, other_garage_staff, sold
):
    stock = PassportFactory(garage=garage)

    assert client_for(mechanic).get(owner_edit_url(sold)).status_code == 403
    assert client_for(mechanic).post(owner_edit_url(sold), {"street": "X"}).status_code == 403
    assert client_for(other_garage_staff).get(owner_edit_url(sold)).status_code == 404
    assertNotContains(client_for(mechanic).get(owner_details_url(sold)), owner_edit_url(sold))
    admin = client_for(garage_admin)
    assert admin.get(owner_edit_url(stock)).status_code == 404
    assertNotContains(admin.get(stock.get_absolute_url()), owner_edit_url(stock))
    assertContains(admin.get(owner_details_url(sold)), f'href="{owner_edit_url(sold)}"')
