"""Walkthrough defect: a first admission and an APK expiry of 2099-01-01 were accepted when
creating a passport. The window (autopaspoort/validators.py) is shared by the create form, the
service and the model (admin)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from autopaspoort import services
from autopaspoort.models import Passport
from autopaspoort.validators import apk_latest
from core.errors import ApplicationError
from tests.autopaspoort.factories import PassportFactory
from tests.autopaspoort.test_views import EN, create_data, garage_url

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_admission", "2099-01-01", "The first admission cannot be in the future."),
        ("first_admission", TOMORROW.isoformat(), "The first admission cannot be in the future."),
        ("first_admission", "1899-12-31", "A first admission is from 1900 onwards."),
        ("apk_expires", "2099-01-01", "An APK runs at most four years"),
        ("apk_expires", "1984-12-31", "An APK expiry date is from 1985 onwards"),
    ],
)
def test_the_create_form_refuses_vehicle_dates_outside_the_window(
    client_for, garage, garage_admin, field, value, message
):
    response = client_for(garage_admin, **EN).post(
        garage_url("autopaspoort:create", garage), create_data(garage, **{field: value})
    )

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Passport.objects.exists()


def test_the_create_form_accepts_dates_at_the_edges_of_the_window(client_for, garage, garage_admin):
    today = timezone.localdate()
    response = client_for(garage_admin).post(
        garage_url("autopaspoort:create", garage),
        create_data(
            garage, first_admission=today.isoformat(), apk_expires=apk_latest().isoformat()
        ),
    )

    assert response.status_code == 302
    passport = Passport.objects.get()
    assert passport.first_admission == today
    assert passport.apk_expires == apk_latest()


def test_an_expired_apk_is_kept():
    validate = Passport._meta.get_field("apk_expires").run_validators
    validate(date(2010, 5, 1))  # no error: a car with an expired APK is a fact


def test_apk_window_is_four_years_and_a_month():
    assert apk_latest(date(2026, 12, 5)) == date(2030, 12, 5) + timedelta(days=31)


def test_the_service_refuses_a_future_first_admission(garage, garage_admin):
    with pytest.raises(ApplicationError) as refused:
        services.passport_create(
            garage=garage,
            actor=garage_admin,
            plate="GJ-555-K",
            owner_email=garage.email,
            vehicle={"first_admission": date(2099, 1, 1)},
        )

    assert refused.value.field == "first_admission"
    assert not Passport.objects.exists()


def test_the_model_refuses_them_so_the_admin_does(garage):
    passport = PassportFactory(garage=garage)
    passport.first_admission = date(2099, 1, 1)
    passport.apk_expires = date(2099, 1, 1)

    with pytest.raises(ValidationError) as refused:
        passport.full_clean()

    assert set(refused.value.message_dict) >= {"first_admission", "apk_expires"}
