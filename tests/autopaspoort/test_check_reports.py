"""The owner hears about a status check: the email a mechanic's check sends, in the owner's
language, through the outbox, and the owner's switch (portal settings and the email's link)."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification, Topic
from notifications.services import email_unsubscribe
from tests.autopaspoort.factories import PassportFactory, Rating, item, record_check
from tests.autopaspoort.test_views import check_data
from tests.transfers.factories import customer_passport

pytestmark = pytest.mark.django_db

FINDINGS = [
    item(component="brakes_rear", rating=Rating.NOW, cost="1234.50"),
    item(component="tyres_front", rating=Rating.SOON, cost="200"),
    item(component="battery", rating=Rating.NOW, cost="150"),
    item(component="wipers", rating=Rating.OK),
]


def check_via_page(client, car):
    """A mechanic saves a check on the status-check page (the only page that records one)."""
    url = reverse(
        "autopaspoort:check_create", kwargs={"garage_id": car.garage_id, "plate": car.plate}
    )
    rows = {
        "brakes_rear": {"rating": "now", "estimated_cost": "1.234,50"},
        "tyres_front": {"rating": "soon", "estimated_cost": "200", "tread_depth_mm": "3"},
        "battery": {"rating": "now", "estimated_cost": "150"},
    }
    return client.post(url, check_data(car.odometer_km + 100, rows=rows))


def test_the_owner_gets_the_report_of_a_check_in_their_language(
    garage, owner, mechanic, client_for, django_capture_on_commit_callbacks
):
    owner.language = "nl"
    owner.save(update_fields=["language"])
    car = customer_passport(garage, owner, plate="GJ-555-K")

    with django_capture_on_commit_callbacks(execute=True):
        response = check_via_page(client_for(mechanic), car)

    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == [owner.email]
    assert email.subject == f"{garage.name} heeft uw auto GJ-555-K gecontroleerd"
    body = email.body
    assert "2 onderdelen hebben nu werk nodig (€\u00a01.384,50)" in body
    assert "1 onderdeel binnenkort (€\u00a0200,00)" in body
    assert "Verwachte kosten: €\u00a01.584,50 incl. btw." in body
    assert "/mijn/GJ-555-K/#latest-check" in body
    assert email.extra_headers["List-Unsubscribe"]  # one click away from none of these
    notification = Notification.objects.get()
    assert (notification.kind, notification.user) == (Notification.Kind.CHECK_RECORDED, owner)


def test_an_english_owner_reads_english_and_a_check_without_findings_says_so(
    garage, owner, django_capture_on_commit_callbacks
):
    owner.language = "en"
    owner.save(update_fields=["language"])
    car = customer_passport(garage, owner, plate="GJ-555-K")

    with django_capture_on_commit_callbacks(execute=True):
        record_check(car, items=[item(rating=Rating.OK)])

    (email,) = mail.outbox
    assert email.subject == f"{garage.name} checked your car GJ-555-K"
    assert "Nothing needs work: everything was in order." in email.body


def test_no_report_for_a_stock_car_or_a_car_awaiting_its_owner(garage, owner):
    record_check(PassportFactory(garage=garage), items=list(FINDINGS))
    record_check(PassportFactory(garage=garage, awaiting_activation=True), items=list(FINDINGS))

    assert not Notification.objects.filter(kind=Notification.Kind.CHECK_RECORDED).exists()


def test_the_owner_switches_reports_off_in_the_portal(garage, owner, client_for):
    car = customer_passport(garage, owner)
    client = client_for(owner, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("portal:settings"))
    assert "Reports of status checks" in page.content.decode()

    client.post(
        reverse("portal:settings"),
        {"reminders_enabled": "on", "promotions_enabled": "on"},  # the third box unticked
    )
    owner.refresh_from_db()
    assert (owner.reminders_enabled, owner.promotions_enabled) == (True, True)
    assert owner.check_reports_enabled is False

    record_check(car, items=list(FINDINGS))
    assert not Notification.objects.filter(kind=Notification.Kind.CHECK_RECORDED).exists()


def test_the_link_in_the_email_switches_reports_off_and_only_those(garage, owner):
    car = customer_passport(garage, owner)
    email_unsubscribe(email=owner.email, topic=Topic.CHECK_REPORTS)
    owner.refresh_from_db()
    assert owner.check_reports_enabled is False
    assert owner.reminders_enabled is True

    record_check(car, items=list(FINDINGS))
    assert not Notification.objects.filter(kind=Notification.Kind.CHECK_RECORDED).exists()


def test_the_report_counts_match_the_owners_car_page(
    garage, owner, client_for, django_capture_on_commit_callbacks
):
    """One home for the figures: the email's expected costs are the portal's."""
    owner.language = "en"
    owner.save(update_fields=["language"])
    car = customer_passport(garage, owner)
    with django_capture_on_commit_callbacks(execute=True):
        record_check(car, items=list(FINDINGS))

    page = client_for(owner).get(reverse("portal:car", kwargs={"plate": car.plate}))
    expected = page.context["costs"].expected
    assert expected == Decimal("1584.50")
    amount = re.search(r"Expected costs: (.+) incl\. VAT\.", mail.outbox[0].body).group(1)
    assert amount == "€1,584.50"
