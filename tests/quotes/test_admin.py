"""Support reads quotes in the admin (with their lines, found by plate in any spelling) and
changes nothing."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from quotes.models import Quote
from tests.quotes.factories import checked_car, sent_quote

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def quote(garage, owner):
    return sent_quote(checked_car(garage, owner))


def test_support_finds_a_quote_by_plate_in_any_spelling(client_for, support_user, quote):
    other = sent_quote(checked_car(quote.garage, quote.owner))
    client = client_for(support_user)
    spelling = quote.passport.plate.replace("-", "").lower()
    response = client.get(reverse("admin:quotes_quote_changelist"), {"q": spelling}, **EN)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [quote]
    assert other not in response.context["cl"].result_list


def test_support_reads_the_lines_and_cannot_change_anything(client_for, support_user, quote):
    client = client_for(support_user)
    url = reverse("admin:quotes_quote_change", args=[quote.pk])
    response = client.get(url, **EN)
    assert response.status_code == 200
    for line in quote.lines.all():
        assertContains(response, line.description)
    assertNotContains(response, 'name="_save"')
    before = Quote.objects.values().get(pk=quote.pk)
    client.post(url, {"state": "approved", "note": "x"})
    assert Quote.objects.values().get(pk=quote.pk) == before
    assert client.post(reverse("admin:quotes_quote_delete", args=[quote.pk])).status_code == 403
    assert client.get(reverse("admin:quotes_quote_add")).status_code == 403
