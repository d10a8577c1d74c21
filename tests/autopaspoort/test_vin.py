"""The VIN (chassis number) rule: the model field, hence the admin and every form built on it."""

import pytest
from django.core.exceptions import ValidationError

from autopaspoort.validators import normalize_vin, validate_vin


@pytest.mark.parametrize("value", ["WVWZZZ1JZXW000001", "wvwzzz1jzxw000001", "WVW ZZZ1JZ XW000001"])
def test_a_vin_of_17_letters_and_digits_is_accepted_in_any_spelling(value):
    validate_vin(value)
    assert normalize_vin(value) == "WVWZZZ1JZXW000001"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("WVWZZZ1JZXW00000", "vin_length"),  # 16
        ("WVWZZZ1JZXW0000011", "vin_length"),  # 18
        ("WVWZZZ1JZXW-00001", "vin_length"),
        ("WVWZZZ1JZXWÖ00001", "vin_length"),
        ("WVWZZZ1JZXO000001", "vin_letters"),  # O for 0
        ("IVWZZZ1JZXW000001", "vin_letters"),
        ("QVWZZZ1JZXW000001", "vin_letters"),
    ],
)
def test_a_malformed_vin_is_refused_with_the_reason(value, code):
    with pytest.raises(ValidationError) as error:
        validate_vin(value)
    assert error.value.code == code
