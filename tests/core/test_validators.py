import pytest
from django.core.exceptions import ValidationError

from core.validators import normalize_postcode, validate_kvk_number
from garage.forms import GarageSettingsForm
from tests.accounts.factories import UserFactory


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1234ab", "1234 AB"),
        ("1234 AB", "1234 AB"),
        (" 3511 ab ", "3511 AB"),
        ("9999ZZ", "9999 ZZ"),
    ],
)
def test_postcode_is_normalised(typed, stored):
    assert normalize_postcode(typed) == stored


@pytest.mark.parametrize(
    "typed", ["0123 AB", "1234 SS", "1234 SA", "1234 SD", "12345", "1234", "1234 A1", "", "AB 1234"]
)
def test_not_a_dutch_postcode_is_refused(typed):
    with pytest.raises(ValidationError):
        normalize_postcode(typed)


@pytest.mark.parametrize("typed", ["1234567", "123456789", "1234567a"])
def test_kvk_number_needs_exactly_eight_digits(typed):
    with pytest.raises(ValidationError):
        validate_kvk_number(typed)


@pytest.mark.django_db
def test_settings_form_puts_a_bad_postcode_error_beside_the_field():
    actor = UserFactory(email="garage@example.nl")
    form = GarageSettingsForm(
        {"name": "Garage A", "email": "garage@example.nl", "postcode": "1234 SS"},
        initial={"email": "garage@example.nl"},
        actor=actor,
    )

    assert not form.is_valid()
    assert list(form.errors) == ["postcode"]


@pytest.mark.django_db
def test_settings_form_stores_the_postcode_normalised():
    actor = UserFactory(email="garage@example.nl")
    form = GarageSettingsForm(
        {"name": "Garage A", "email": "garage@example.nl", "postcode": "3511ab"},
        initial={"email": "garage@example.nl"},
        actor=actor,
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["postcode"] == "3511 AB"
