"""Dates for people in their language's long form ("4 januari 2027", "4 January 2027") on
pages and in emails, and plates always in their canonical dashed form, whatever was typed."""

from datetime import date, datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, translation
from pytest_django.asserts import assertContains, assertNotContains

from autopaspoort.services import passport_create
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory
from tests.reminders.factories import customer_passport, days_from_today, run_job
from tests.transfers.factories import message_texts, messages_to

pytestmark = pytest.mark.django_db

DUTCH_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
)
ENGLISH_MONTHS = (
    "January February March April May June July August September October November December"
)


def in_words(day: date, language: str) -> str:
    months = (DUTCH_MONTHS if language == "nl" else ENGLISH_MONTHS).split()
    return f"{day.day} {months[day.month - 1]} {day.year}"


@pytest.mark.parametrize(
    ("language", "long", "short", "moment"),
    [
        ("nl", "4 januari 2027", "04-01-2027", "4 januari 2027 14:05"),
        ("en", "4 January 2027", "04 Jan 2027", "4 January 2027, 14:05"),
    ],
)
def test_the_date_formats_of_each_language(language, long, short, moment):
    with translation.override(language):
        assert formats.date_format(date(2027, 1, 4), "DATE_FORMAT") == long
        assert formats.date_format(date(2027, 1, 4), "SHORT_DATE_FORMAT") == short
        assert formats.date_format(datetime(2027, 1, 4, 14, 5), "DATETIME_FORMAT") == moment


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [("nl", "4 januari 2027", "Jan. 4, 2027"), ("en", "4 January 2027", "Jan. 4, 2027")],
)
def test_pages_show_the_long_date_in_the_visitors_language(
    client_for, garage, owner, language, shown, not_shown
):
    car = customer_passport(garage, owner, apk_expires=date(2027, 1, 4))
    accept = {"HTTP_ACCEPT_LANGUAGE": language}

    for client, url in (
        (client_for(garage.account_user), car.get_absolute_url()),
        (client_for(owner), reverse("portal:car", kwargs={"plate": car.plate})),
    ):
        response = client.get(url, **accept)
        assertContains(response, shown)
        assertNotContains(response, not_shown)


def test_emails_say_the_date_in_the_readers_language(garage, django_capture_on_commit_callbacks):
    dutch, english = UserFactory(language="nl"), UserFactory(language="en")
    apk = days_from_today(30)
    customer_passport(garage, dutch, apk_expires=apk)
    customer_passport(garage, english, apk_expires=apk)

    run_job(django_capture_on_commit_callbacks)

    for person in (dutch, english):
        [message] = messages_to(mail.outbox, person.email)
        assert in_words(apk, person.language) in message.subject
        assert in_words(apk, person.language) in message_texts(message)


# --- Plates ---------------------------------------------------------------------------------------


def test_a_plate_typed_any_way_is_stored_and_shown_dashed(client_for, garage, garage_admin):
    car = passport_create(
        garage=garage,
        actor=garage_admin,
        plate=" gj 555k ",
        owner_email=garage.email,
        odometer_km=1000,
        vehicle={"make": "VOLVO"},
    )

    assert car.plate == "GJ-555-K"
    dashboard = client_for(garage_admin).get(reverse("garage:dashboard", args=[garage.pk]))
    assertContains(dashboard, ">GJ-555-K<")
    assertNotContains(dashboard, "gj 555k")


def test_the_admin_shows_plates_dashed(admin_client, garage):
    PassportFactory(garage=garage, plate="GJ-555-K")

    response = admin_client.get(reverse("admin:autopaspoort_passport_changelist"), {"q": "gj555k"})

    assertContains(response, "GJ-555-K")
