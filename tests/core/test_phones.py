"""Walkthrough defect: the transfer form accepted "abc" as a phone number. Every phone field
(transfer, owner details, create form, driver, garage settings, API, admin) validates with
`phonenumbers` (Dutch by default), stores E.164 and shows it readable."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from autopaspoort.models import Passport
from core.migration_tools import normalize_phones
from core.phones import PhoneNumberField, format_phone, normalize_phone
from garage.models import Garage
from tests.autopaspoort.test_views import create_data, garage_url
from tests.transfers.factories import EN, TYPED, submit, transfer_url
from transfers.models import Transfer

INVALID = "Enter a valid phone number"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("020-1234567", "+31201234567"),
        ("(020) 123 45 67", "+31201234567"),
        ("06 12345678", "+31612345678"),
        ("0031 6 12345678", "+31612345678"),
        ("+31612345678", "+31612345678"),
        ("+32 2 555 12 12", "+3225551212"),
        ("+1 202 555 0143", "+12025550143"),
        ("", ""),
    ],
)
def test_numbers_are_stored_in_one_format(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["abc", "112", "06 1234", "+99 123", "0" * 40])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        normalize_phone(typed)
    assert INVALID in refused.value.messages[0]


def test_numbers_are_shown_readable_dutch_ones_nationally():
    assert format_phone("+31201234567") == "020 123 4567"
    assert format_phone("+31612345678") == "06 12345678"
    assert format_phone("+3225551212") == "+32 2 555 12 12"
    assert format_phone("old text") == "old text"  # an unparseable old value, as it is
    rendered = Template("{% load phones %}{{ value|phone }}").render(
        Context({"value": "+31201234567"})
    )
    assert rendered == "020 123 4567"


def test_the_form_field_cleans_to_e164_and_shows_stored_numbers_readable():
    field = PhoneNumberField(required=False)
    assert field.clean("06-12345678") == "+31612345678"
    assert field.prepare_value("+31612345678") == "06 12345678"
    with pytest.raises(ValidationError):
        field.clean("abc")
    assert 'type="tel"' in field.widget.render("phone", "")


# --- Every entry point ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_transfer_form_refuses_abc_and_stores_a_typed_number_as_e164(
    client_for, garage, garage_admin
):
    from tests.autopaspoort.factories import PassportFactory

    passport = PassportFactory(garage=garage)
    client = client_for(garage_admin)
    url = transfer_url(passport)
    details = client.get(url, **EN)
    typed = {**TYPED, "email": "koper@example.nl"}

    refused = client.post(
        url, submit(details, button=("step", "details"), changes={**typed, "phone": "abc"}), **EN
    )
    assert any(INVALID in error for error in refused.context["form"].errors["phone"])

    confirm = client.post(
        url,
        submit(details, button=("step", "details"), changes={**typed, "phone": "06-1234 5678"}),
        **EN,
    )
    assert "06 12345678" in confirm.content.decode()  # the confirmation shows it readable
    client.post(url, submit(confirm, button=("step", "confirm")), **EN)
    passport.refresh_from_db()
    assert passport.owner_phone == "+31612345678"
    assert Transfer.objects.get().phone == "+31612345678"


@pytest.mark.django_db
def test_the_create_form_refuses_abc_for_the_owner_and_the_driver(client_for, garage, garage_admin):
    response = client_for(garage_admin, **EN).post(
        garage_url("autopaspoort:create", garage),
        create_data(garage, owner_phone="abc", driver_phone="xyz"),
    )

    errors = response.context["form"].errors
    assert INVALID in errors["owner_phone"][0]
    assert INVALID in errors["driver_phone"][0]
    assert not Passport.objects.exists()

    client_for(garage_admin).post(
        garage_url("autopaspoort:create", garage),
        create_data(garage, owner_phone="030 123 4567", driver_phone="+32 2 555 12 12"),
    )
    passport = Passport.objects.get()
    assert (passport.owner_phone, passport.driver_phone) == ("+31301234567", "+3225551212")


@pytest.mark.django_db
def test_owner_details_edit_refuses_abc_and_stores_e164(client_for, garage, garage_admin, owner):
    from tests.transfers.factories import customer_passport

    passport = customer_passport(garage, owner)
    url = reverse(
        "autopaspoort:owner_edit", kwargs={"garage_id": garage.pk, "plate": passport.plate}
    )
    client = client_for(garage_admin)
    page = client.get(url, **EN)

    refused = client.post(url, submit(page, button=("save", "1"), changes={"phone": "abc"}), **EN)
    assert INVALID in refused.context["form"].errors["phone"][0]

    client.post(url, submit(page, button=("save", "1"), changes={"phone": "020 1234567"}), **EN)
    passport.refresh_from_db()
    assert passport.owner_phone == "+31201234567"
    details = client.get(
        reverse(
            "autopaspoort:details",
            kwargs={"garage_id": garage.pk, "plate": passport.plate},
        ),
        **EN,
    )
    assert "020 123 4567" in details.content.decode()


@pytest.mark.django_db
def test_garage_settings_refuse_abc_and_store_e164(client_for, garage, garage_admin):
    from tests.garage.test_views import settings_data

    url = reverse("garage:settings", kwargs={"garage_id": garage.pk})
    client = client_for(garage_admin, **EN)

    refused = client.post(url, settings_data(garage, phone="abc"))
    assert INVALID in refused.context["form"].errors["phone"][0]

    client.post(url, settings_data(garage, phone="030-1234567"))
    garage.refresh_from_db()
    assert garage.phone == "+31301234567"
    page = client.get(url)
    assert 'value="030 123 4567"' in page.content.decode()


@pytest.mark.django_db
def test_the_admin_form_cleans_a_garage_phone_to_e164():
    form_field = Garage._meta.get_field("phone").formfield()
    assert isinstance(form_field, PhoneNumberField)
    assert form_field.clean("020 123 4567") == "+31201234567"
    with pytest.raises(ValidationError):
        Garage._meta.get_field("phone").run_validators("abc")


@pytest.mark.django_db
def test_the_data_migration_normalises_parseable_numbers_and_keeps_the_rest(garage):
    Garage.objects.filter(pk=garage.pk).update(phone="020-1234567")
    from tests.garage.factories import GarageFactory

    other = GarageFactory()
    Garage.objects.filter(pk=other.pk).update(phone="bel de balie")

    normalize_phones(apps, "garage", "garage", ("phone",))

    garage.refresh_from_db()
    other.refresh_from_db()
    assert garage.phone == "+31201234567"
    assert other.phone == "bel de balie"


@pytest.mark.django_db
def test_the_transfer_service_normalises_and_refuses_for_every_route(garage):
    """The fleet, the API and support reach transfer_confirm without the garage's form."""
    from core.errors import ApplicationError
    from tests.autopaspoort.factories import PassportFactory
    from tests.transfers.factories import transfer

    passport = PassportFactory(garage=garage)
    with pytest.raises(ApplicationError) as refused:
        transfer(passport, "koper@example.nl", phone="abc")
    assert refused.value.field == "phone"

    transfer(passport, "koper@example.nl", phone="06 12345678")
    passport.refresh_from_db()
    assert passport.owner_phone == "+31612345678"
