"""Dutch wording (issue 16): one stop after "B.V.", weekdays and dates as people write them, the
password message, the new owner's email footer, the warning lights in the formal "u", and an
admin that speaks Dutch."""

import json
import re
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeData, mark_safe
from django.utils.text import capfirst
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from appointments.catalogue import DATA_FILE
from core.text import single_stop
from notifications.models import Notification
from notifications.rendering import build_message
from tests.accounts.factories import UserFactory
from tests.appointments.factories import HTMX, MORNING, ask, car_state_url, detail_url, garage_url
from tests.appointments.factories import in_days as days_ahead
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import customer_passport, message_texts, transfer

INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jouwe|jezelf)\b", re.IGNORECASE)
NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}

pytestmark = pytest.mark.django_db


# --- One full stop after a name that ends in one -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maak een afspraak bij Jansen B.V..", "Maak een afspraak bij Jansen B.V."),
        ("Bij Jansen B.V.. U krijgt een e-mail.", "Bij Jansen B.V. U krijgt een e-mail."),
        ("Maak een afspraak bij Jansen BV.", "Maak een afspraak bij Jansen BV."),
        ("Even geduld...", "Even geduld..."),
        ("Zie https://example.nl/a.b.", "Zie https://example.nl/a.b."),
    ],
)
def test_a_name_that_ends_in_a_stop_closes_a_sentence_with_one_stop(text, expected):
    assert single_stop(text) == expected


def test_safe_text_stays_safe_and_plain_text_plain():
    assert isinstance(single_stop(mark_safe("<p>Jansen B.V..</p>")), SafeData)  # noqa: S308
    assert not isinstance(single_stop("Jansen B.V.."), SafeData)


def test_the_template_filter_fixes_a_translated_sentence_and_escapes_the_name():
    template = Template("{% load wording %}{% filter single_stop %}Bij {{ name }}.{% endfilter %}")

    assert template.render(Context({"name": "<b>Jansen B.V."})) == "Bij &lt;b&gt;Jansen B.V."


def _maintenance_reminder(garage_name: str, language: str) -> Notification:
    return Notification(
        kind=Notification.Kind.REMINDER_MAINTENANCE,
        template=Notification.Kind.REMINDER_MAINTENANCE,
        recipient="klant@example.nl",
        language=language,
        context={
            "plate": "GJ-555-K",
            "vehicle": "VOLKSWAGEN GOLF",
            "garage_name": garage_name,
            "name": "",
            "car_url": "",
            "last_service_on": "5 december 2025",
            "by_date": True,
            "by_km": False,
            "km_since": 0,
        },
    )


def test_an_email_ending_a_sentence_with_a_garage_name_has_one_stop():
    texts = message_texts(build_message(_maintenance_reminder("Autobedrijf Jansen B.V.", "nl")))

    assert "maak een afspraak bij Autobedrijf Jansen B.V." in texts
    assert "B.V.." not in texts


def test_the_portal_page_about_a_request_has_one_stop_after_the_garage_name(
    client_for, garage, owner
):
    garage.name = "Autobedrijf Jansen B.V."
    garage.save(update_fields=["name"])
    car = customer_passport(garage, owner)
    ask(car)

    response = client_for(owner).get(car_state_url(car), **NL, **HTMX)

    assertContains(response, "bij Autobedrijf Jansen B.V. U krijgt")
    assertNotContains(response, "B.V..")


# --- Weekdays and dates -------------------------------------------------------------------------


def test_the_preferred_times_start_with_a_capital_weekday(client_for, garage, owner):
    request = ask(customer_passport(garage, owner))
    first = request.slots.order_by("date").first().date
    with translation.override("nl"):
        short = formats.date_format(first, "D j M")  # "di 8 dec"

    response = client_for(garage.account_user).get(garage_url("garage_list", garage), **NL)

    assertContains(response, capfirst(short))
    assertNotContains(response, f"{short},")
    assertNotContains(response, f"{short} {first.year},")


def test_a_proposal_message_that_starts_with_the_weekday_starts_with_a_capital(
    client_for, garage, owner
):
    request = ask(customer_passport(garage, owner))
    day = days_ahead(9)

    response = client_for(garage.account_user).post(
        detail_url(request),
        {"date": day.isoformat(), "part_of_day": MORNING, "message": ""},
        follow=True,
        **NL,
    )

    with translation.override("nl"):
        weekday = formats.date_format(day, "l")
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith(capfirst(weekday) + " ")


def test_dutch_short_dates_are_padded_for_tables():
    with translation.override("nl"):
        assert formats.date_format(date(2027, 1, 5), "SHORT_DATE_FORMAT") == "05-01-2027"


def test_the_dashboard_table_shows_padded_dates(client_for, garage):
    PassportFactory(garage=garage, apk_expires=date(2027, 1, 5))

    response = client_for(garage.account_user).get(
        reverse("garage:dashboard", kwargs={"garage_id": garage.pk}), **NL
    )

    assertContains(response, "05-01-2027")


def test_the_transfer_receipt_says_the_date_in_words(garage, owner, other_owner):
    passport = customer_passport(garage, owner)
    transfer(passport, other_owner.email)

    receipt = Notification.objects.get(kind=Notification.Kind.TRANSFER_RECEIPT)
    with translation.override("nl"):
        in_words = formats.date_format(timezone.localdate(receipt.created_at), "j F Y")
    texts = message_texts(build_message(receipt))

    assert f"Op {in_words} is" in texts
    assert not re.search(r"\d{4}-\d{2}-\d{2}", texts)


# --- The password message -----------------------------------------------------------------------


def test_a_password_like_the_email_address_is_refused_in_good_dutch():
    user = User(email="pietjepuk@example.nl", full_name="Piet Puk")

    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        validate_password("pietjepuk", user=user)

    assert "Het wachtwoord lijkt te veel op uw e-mailadres." in refused.value.messages


def test_a_password_like_the_full_name_is_refused_too():
    user = User(email="x@example.nl", full_name="Annemarie Hoogstraten")

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_password("hoogstraten", user=user)

    assert "The password is too similar to your name." in refused.value.messages


# --- The new owner's email footer ----------------------------------------------------------------


def test_the_new_owners_activation_email_says_why_it_came(garage):
    transfer(PassportFactory(garage=garage), "nieuw@example.nl")

    activation = Notification.objects.get(kind=Notification.Kind.OWNER_ACTIVATION)
    html = build_message(activation).alternatives[0][0]

    assert "omdat uw garage een AutoPaspoort voor u heeft aangemaakt" in html
    assert "vanwege uw AutoPaspoort-account" not in html
    assert "omdat u een AutoPaspoort-account heeft" not in html


def test_other_emails_keep_the_account_footer():
    html = build_message(_maintenance_reminder("Garage A", "nl")).alternatives[0][0]

    assert "omdat uw garage een AutoPaspoort voor u heeft aangemaakt" not in html


# --- The warning lights address the owner formally ------------------------------------------------


def test_the_dutch_warning_light_texts_use_u_not_je():
    lights = json.loads(DATA_FILE.read_text(encoding="utf-8"))["lights"]
    informal = [
        (light["code"], field, text)
        for light in lights
        for field, value in light["nl"].items()
        for text in (value if isinstance(value, list) else [value])
        if INFORMAL.search(text)
    ]

    assert informal == []


# --- The admin in Dutch --------------------------------------------------------------------------


def test_the_admin_index_names_every_app_and_model_in_dutch(client_for):
    superuser = UserFactory(is_staff=True, is_superuser=True)

    response = client_for(superuser).get(reverse("admin:index"), **NL)

    assert response.status_code == 200
    assertContains(response, "Inlogbeveiliging")
    assertContains(response, "Inlogpogingen")
    assertContains(response, "Modelnaam")  # a hidden table header Django's Dutch lacks
    for english in (
        "Axes",
        "Access attempts",
        "Access logs",
        "Access failures",
        "Model name",
        "Change or view list link",
    ):
        assertNotContains(response, english)


def test_every_admin_app_and_model_name_has_dutch():
    """A name may read the same in both languages ("Garages") only if our catalogue says so."""
    import polib
    from django.conf import settings

    catalogue = polib.pofile(str(settings.BASE_DIR / "locale/nl/LC_MESSAGES/django.po"))
    same_in_dutch = {entry.msgid for entry in catalogue if entry.msgstr == entry.msgid}
    untranslated = []
    for model in admin.site._registry:
        for name in (model._meta.app_config.verbose_name, model._meta.verbose_name_plural):
            with translation.override("en"):
                english = str(name)
            with translation.override("nl"):
                dutch = str(name)
            if dutch == english and english not in same_in_dutch:
                untranslated.append(english)

    assert untranslated == []
