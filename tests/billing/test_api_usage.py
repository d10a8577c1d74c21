"""The GMS API's use is counted like the dashboard's: a passport created through the API is a
passport of the garage's usage, and so of its estimate and statement."""

import pytest
from django.utils import timezone

from billing.selectors import usage_estimate
from insights.selectors import usage_so_far
from tests.api.conftest import api, customer_body, stock_body, token_a  # noqa: F401 - fixtures
from tests.autopaspoort.factories import PassportFactory
from tests.billing.factories import tariff

pytestmark = pytest.mark.django_db


def test_passports_made_through_the_api_count_like_those_made_on_the_dashboard(api, garage):  # noqa: F811
    tariff()
    PassportFactory(garage=garage)  # one made on the dashboard
    assert api.post("/passports", stock_body("GJ-55-55", garage)).status_code == 201
    assert api.post("/passports", customer_body("GJ-55-56")).status_code == 201

    today = timezone.localdate()
    assert usage_so_far(garage=garage, today=today).counts.passports_created == 3
    assert usage_estimate(garage=garage, today=today).priced is not None
