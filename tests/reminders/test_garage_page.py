"""The garage's reminders page: what the job will send at its next run (its own rule) and what
it sent, for this garage's cars only."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.reminders.factories import EN, customer_passport, days_from_today, run_job

pytestmark = pytest.mark.django_db


def page(garage):
    return reverse("reminders:garage_list", kwargs={"garage_id": garage.pk})


def test_a_due_reminder_is_listed_as_will_be_sent_until_the_job_sends_it(
    client_for, garage, garage_admin, owner, django_capture_on_commit_callbacks
):
    car = customer_passport(garage, owner, apk_expires=days_from_today(30))
    client = client_for(garage_admin)

    before = client.get(page(garage), **EN)

    assert before.status_code == 200
    [due] = before.context["due"]
    assert (due.notice.passport, due.email) == (car, owner.email)
    assert before.context["sent"] == []
    assertContains(before, "APK expires within 6 weeks")

    assert run_job(django_capture_on_commit_callbacks) == 1
    after = client.get(page(garage), **EN)

    assert after.context["due"] == []
    [record] = after.context["sent"]
    assert (record.passport, record.recipient) == (car, owner.email)
    assertContains(after, "Nothing is due")
    assertContains(after, owner.email)


def test_a_car_outside_the_window_is_not_listed(client_for, garage, garage_admin, owner):
    customer_passport(garage, owner, apk_expires=days_from_today(60))

    response = client_for(garage_admin).get(page(garage), **EN)

    assert response.context["due"] == []


def test_the_page_shows_only_the_garages_own_cars(
    client_for,
    garage,
    garage_admin,
    other_garage,
    owner,
    other_owner,
    django_capture_on_commit_callbacks,
):
    theirs = customer_passport(other_garage, other_owner, apk_expires=days_from_today(3))
    run_job(django_capture_on_commit_callbacks)
    customer_passport(other_garage, other_owner, apk_expires=days_from_today(20))

    response = client_for(garage_admin).get(page(garage), **EN)

    assert response.context["due"] == []
    assert response.context["sent"] == []
    assertNotContains(response, theirs.plate)
    assertNotContains(response, other_owner.email)


def test_sales_open_the_page_and_mechanics_do_not(client_for, garage, sales, mechanic):
    assert client_for(sales).get(page(garage)).status_code == 200
    assert client_for(mechanic).get(page(garage)).status_code == 403


def test_another_garages_page_is_not_found(client_for, other_garage, garage_admin):
    assert client_for(garage_admin).get(page(other_garage)).status_code == 404
