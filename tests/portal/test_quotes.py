"""The owner's side of a quote in the portal (/mijn/<plate>/offerte/<id>/): who may open it, the
page (lines, ratings, photos, totals), approving part of it with a preferred time (the
appointment follows), declining, and every way it can no longer be answered. The races of two
answers are in tests/quotes/test_services.py; here the pages."""

import json
import zipfile
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from appointments.models import Appointment
from notifications.models import Notification
from photos.models import CheckPhoto
from portal.export import export_data
from quotes import services
from quotes.models import Quote
from quotes.totals import quote_total
from tests.accounts.factories import PASSWORD
from tests.autopaspoort.factories import Rating, item, record_check
from tests.photos.factories import add_photos
from tests.quotes.factories import checked_car, line, sent_quote
from tests.transfers.factories import EN, portal_car_url, transfer
from transfers.services import transfer_accept

pytestmark = pytest.mark.django_db
State = Quote.State


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def quote_url(quote, name="portal:quote"):
    return reverse(name, kwargs={"plate": quote.passport.plate, "quote_id": quote.pk})


def answer(quote, *, lines, date=None, part="morning", **extra):
    """The approval form as the browser sends it."""
    return {
        "lines": [str(ln.pk) for ln in lines],
        "date_1": (date or in_days(5)).isoformat(),
        "part_1": part,
        "date_2": "",
        "part_2": "morning",
        "date_3": "",
        "part_3": "morning",
        "note": "",
        **extra,
    }


@pytest.fixture
def car(garage, owner):
    return checked_car(garage, owner)


@pytest.fixture
def quote(car):
    return sent_quote(car)


@pytest.fixture
def owner_client(client_for, owner):
    return client_for(owner, **EN)


# --- Who may open it --------------------------------------------------------------------------


def test_the_owner_sees_their_quote(owner_client, quote, garage):
    response = owner_client.get(quote_url(quote))
    assert response.status_code == 200
    assertContains(response, f"Quote from {garage.name}")
    for ln in quote.lines.all():
        assertContains(response, ln.description)
    # The findings' ratings, the amounts and the totals, with the VAT mode.
    assertContains(response, '<span class="badge badge-now">Now</span>', html=True)
    soon = '<span class="badge badge-soon">Soon (within ~3 months)</span>'
    assertContains(response, soon, html=True)
    total = quote_total(quote)
    assert response.context["total"] == total
    assertContains(response, "€600.50")  # 420.50 + 180.00, as typed
    assertContains(response, "Total excl. VAT")
    assertContains(response, "Total incl. VAT")
    # Both lines ticked at first; the selected total is all of it.
    assert response.context["chosen"] == {ln.pk for ln in quote.lines.all()}
    assertContains(response, "Approve and ask for an appointment")
    assertContains(response, "Decline the quote")


def test_nobody_else_opens_it(
    client_for, quote, car, other_owner, garage_admin, mechanic, other_garage_staff
):
    url = quote_url(quote)
    for user in (other_owner, garage_admin, mechanic, other_garage_staff):
        client = client_for(user)
        assert client.get(url).status_code == 404, user
        assert client.post(url, answer(quote, lines=quote.lines.all())).status_code == 404
        assert client.post(quote_url(quote, "portal:quote_decline")).status_code == 404
    assert Quote.objects.get(pk=quote.pk).state == State.SENT
    assert not Appointment.objects.exists()


def test_anonymous_is_sent_to_the_login(client, quote):
    for url in (quote_url(quote), quote_url(quote, "portal:quote_total")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_previous_owner_loses_it_when_the_car_is_sold(
    client_for, quote, car, owner, other_owner
):
    transfer_accept(transfer=transfer(car, other_owner.email), user=other_owner)
    assert client_for(owner).get(quote_url(quote)).status_code == 404
    # The new owner never got it: not theirs either.
    assert client_for(other_owner).get(quote_url(quote)).status_code == 404
    car_page = client_for(other_owner).get(portal_car_url(car))
    assert car_page.context["quotes"] == []


def test_a_quote_of_another_car_of_the_same_owner_is_not_found(owner_client, quote, garage, owner):
    second = checked_car(garage, owner)
    url = reverse("portal:quote", kwargs={"plate": second.plate, "quote_id": quote.pk})
    assert owner_client.get(url).status_code == 404


def test_the_plate_as_typed_is_redirected(owner_client, quote):
    plate = quote.passport.plate.replace("-", "").lower()
    response = owner_client.get(
        reverse("portal:quote", kwargs={"plate": plate, "quote_id": quote.pk})
    )
    assertRedirects(response, quote_url(quote), fetch_redirect_response=False)


# --- The photos -------------------------------------------------------------------------------


def test_the_findings_photos_show_beside_their_lines(owner_client, quote):
    check = quote.status_check
    brakes = check.items.get(rating=Rating.NOW)
    photos = add_photos(check, item=brakes, count=2)
    CheckPhoto.objects.filter(pk__in=[p.pk for p in photos]).update(thumbnail="x/thumb.jpg")
    response = owner_client.get(quote_url(quote))
    now_line, soon_line = response.context["lines"]
    assert [p.pk for p in now_line.check_item.check_photos] == [p.pk for p in photos]
    assert soon_line.check_item.check_photos == []
    for photo in photos:
        assertContains(
            response, reverse("photos:file", kwargs={"key": photo.key, "version": "thumb"})
        )


def test_photos_of_a_check_before_the_owners_period_are_not_shown(
    client_for, garage, owner, other_owner
):
    car = checked_car(garage, owner)
    check = car.latest_check
    add_photos(check, item=check.items.get(rating=Rating.NOW))
    transfer_accept(transfer=transfer(car, other_owner.email), user=other_owner)
    car.refresh_from_db()
    quote = sent_quote(car)  # from the check made in the previous owner's time
    response = client_for(other_owner, **EN).get(quote_url(quote))
    assert response.status_code == 200
    assert all(not ln.check_item.check_photos for ln in response.context["lines"])


# --- Approving --------------------------------------------------------------------------------


def test_approving_part_of_it_asks_for_an_appointment(owner_client, quote, garage, owner):
    now_line, soon_line = list(quote.lines.order_by("position"))
    day = in_days(6)
    response = owner_client.post(
        quote_url(quote), answer(quote, lines=[now_line], date=day, note="Graag vroeg")
    )
    assertRedirects(
        response,
        reverse("portal:appointment_request", kwargs={"plate": quote.passport.plate}),
        fetch_redirect_response=False,
    )
    quote.refresh_from_db()
    assert quote.state == State.APPROVED
    assert {ln.pk: ln.accepted for ln in quote.lines.all()} == {
        now_line.pk: True,
        soon_line.pk: False,
    }
    assert quote.approved_incl == Decimal("420.50")  # the garage's prices include VAT
    appointment = Appointment.objects.get(quote=quote)
    assert appointment.reason == Appointment.Reason.QUOTE
    assert appointment.note == "Graag vroeg"
    assert [(s.date, s.part_of_day) for s in appointment.slots.all()] == [(day, "morning")]
    told = Notification.objects.get(kind=Notification.Kind.QUOTE_ANSWERED)
    assert told.recipient == garage.email
    assert [row["description"] for row in told.context["accepted"]] == [now_line.description]
    page = owner_client.get(response["Location"])
    assertContains(page, f"You approved the quote. {garage.name} has your request")
    # The quote page now shows the answer, no form.
    shown = owner_client.get(quote_url(quote))
    assertContains(shown, "You approved this quote on")
    assertNotContains(shown, "Approve and ask for an appointment")
    assert shown.context["approve_form"] is None
    assertContains(shown, "You agreed to")


def test_approving_without_a_line_is_an_error_beside_the_lines_and_saves_nothing(
    owner_client, quote
):
    response = owner_client.post(quote_url(quote), answer(quote, lines=[]))
    assert response.status_code == 200
    form = response.context["approve_form"]
    assert form.errors["lines"] == ["Tick at least one line you agree to."]
    assertContains(response, 'id="id_lines_error"')
    assertContains(response, 'aria-describedby="id_lines_error"')
    assert response.context["chosen"] == set()  # as sent: nothing ticked
    assert Quote.objects.get(pk=quote.pk).state == State.SENT
    assert not Appointment.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.QUOTE_ANSWERED).exists()


def test_a_date_in_the_past_is_an_error_beside_the_date_and_keeps_the_ticks(owner_client, quote):
    now_line, soon_line = list(quote.lines.order_by("position"))
    response = owner_client.post(
        quote_url(quote), answer(quote, lines=[soon_line], date=in_days(-1))
    )
    assert response.status_code == 200
    assert response.context["approve_form"].errors["date_1"] == ["Choose a date from today on."]
    assert response.context["chosen"] == {soon_line.pk}
    # Without JavaScript the page shows the total of the lines ticked when it was sent.
    assert response.context["selected_total"].shown == Decimal("180.00")
    assert Quote.objects.get(pk=quote.pk).state == State.SENT
    assert not Appointment.objects.exists()


def test_a_line_of_another_quote_is_refused(owner_client, quote, garage, other_owner):
    other = sent_quote(checked_car(garage, other_owner))
    response = owner_client.post(quote_url(quote), answer(quote, lines=other.lines.all()[:1]))
    assert response.status_code == 200
    assert "lines" in response.context["approve_form"].errors
    assert Quote.objects.get(pk=quote.pk).state == State.SENT


def test_an_open_appointment_request_is_said_and_nothing_is_approved(owner_client, quote, owner):
    from appointments.services import Slot, appointment_request

    appointment_request(
        passport=quote.passport,
        actor=owner,
        reason=Appointment.Reason.MAINTENANCE,
        slots=[Slot(date=in_days(4), part_of_day="afternoon")],
    )
    page = owner_client.get(quote_url(quote))
    assert page.context["open_request"] is not None  # said before the owner fills the form
    assertContains(page, "You have an open appointment request")
    response = owner_client.post(quote_url(quote), answer(quote, lines=quote.lines.all()))
    assert response.status_code == 200
    assert response.context["approve_form"].non_field_errors()
    assertContains(response, "You have an open appointment request")
    assert Quote.objects.get(pk=quote.pk).state == State.SENT
    assert Appointment.objects.count() == 1


def test_the_selected_total_follows_the_ticks(owner_client, quote):
    now_line, soon_line = list(quote.lines.order_by("position"))
    url = quote_url(quote, "portal:quote_total")
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = owner_client.get(url, {"lines": [soon_line.pk]}, **htmx)
    assert response.status_code == 200
    assert response.context["selected_total"].shown == Decimal("180.00")
    assertContains(response, "€180.00")
    both = owner_client.get(url, {"lines": [now_line.pk, soon_line.pk, "x", 999999]}, **htmx)
    assert both.context["selected_total"].shown == Decimal("600.50")
    assert owner_client.get(url, **htmx).context["selected_total"].shown == Decimal("0")
    # Without htmx: the quote page.
    assertRedirects(owner_client.get(url), quote_url(quote), fetch_redirect_response=False)


# --- When it can no longer be answered ----------------------------------------------------------


def test_an_expired_quote_shows_why_and_refuses_an_answer(owner_client, quote, garage):
    Quote.objects.filter(pk=quote.pk).update(valid_until=in_days(-1))
    response = owner_client.get(quote_url(quote))
    assertContains(response, "This quote expired on")
    assertContains(response, f"Ask {garage.name} for a new one.")
    assert response.context["approve_form"] is None
    assertNotContains(response, "Approve and ask for an appointment")
    assertNotContains(response, "Decline the quote")
    for url, data in (
        (quote_url(quote), answer(quote, lines=quote.lines.all())),
        (quote_url(quote, "portal:quote_decline"), {"reason": "Te laat"}),
    ):
        refused = owner_client.post(url, data, follow=True)
        assert refused.redirect_chain[-1][0] == quote_url(quote)
        assert any("This quote expired on" in str(m) for m in refused.context["messages"])
    assert Quote.objects.get(pk=quote.pk).state == State.SENT
    assert not Appointment.objects.exists()


def test_a_replaced_quote_links_to_the_new_version_and_refuses_an_answer(
    owner_client, quote, garage
):
    draft = services.quote_new_version(quote=quote, actor=garage.account_user)
    # A draft of a new version is not the owner's to see yet: the old one is still open.
    page = owner_client.get(quote_url(quote))
    assert page.context["newer"] is None
    assertContains(page, "Approve and ask for an appointment")
    services.quote_update(
        quote=draft,
        actor=garage.account_user,
        lines=[line("Remblokken voor", price="380.00")],
        valid_until=in_days(20),
        note="Scherpere prijs",
    )
    newer = services.quote_send(quote=draft, actor=garage.account_user)
    response = owner_client.get(quote_url(quote))
    assertContains(response, f"{garage.name} has replaced this quote with a newer version.")
    assertContains(response, quote_url(newer))
    assert response.context["approve_form"] is None
    stale = owner_client.post(quote_url(quote), answer(quote, lines=quote.lines.all()), follow=True)
    assert any("has replaced this quote" in str(m) for m in stale.context["messages"])
    assert Quote.objects.get(pk=quote.pk).state == State.REPLACED
    assert not Appointment.objects.exists()
    # The new version says what it replaces, and can be answered.
    new_page = owner_client.get(quote_url(newer))
    assertContains(new_page, "This version replaces")
    assertContains(new_page, quote_url(quote))
    assertContains(new_page, "Scherpere prijs")
    assert new_page.context["approve_form"] is not None


# --- Declining --------------------------------------------------------------------------------


def test_declining_with_a_reason(owner_client, quote, garage):
    response = owner_client.post(
        quote_url(quote, "portal:quote_decline"), {"reason": "Te duur voor nu"}, follow=True
    )
    assert response.redirect_chain[-1][0] == quote_url(quote)
    assertContains(response, f"You declined the quote. {garage.name} has been told.")
    assertContains(response, "You declined this quote on")
    assertContains(response, "Te duur voor nu")
    quote.refresh_from_db()
    assert quote.state == State.DECLINED
    assert quote.decline_reason == "Te duur voor nu"
    told = Notification.objects.get(kind=Notification.Kind.QUOTE_ANSWERED)
    assert told.context["reason"] == "Te duur voor nu"
    assert not Appointment.objects.exists()


def test_a_too_long_reason_is_an_error_beside_it(owner_client, quote):
    response = owner_client.post(quote_url(quote, "portal:quote_decline"), {"reason": "x" * 2001})
    assert response.status_code == 200
    assert "reason" in response.context["decline_form"].errors
    assert Quote.objects.get(pk=quote.pk).state == State.SENT


def test_decline_is_post_only(owner_client, quote):
    assert owner_client.get(quote_url(quote, "portal:quote_decline")).status_code == 405


# --- The car page and the data download ---------------------------------------------------------


def test_the_car_page_lists_the_quotes_open_first(owner_client, garage, car, quote):
    services.quote_decline(quote=quote, actor=quote.owner, reason="")
    record_check(car, items=[item(component="battery", rating=Rating.NOW, cost="150")])
    car.refresh_from_db()
    open_quote = sent_quote(car)
    response = owner_client.get(portal_car_url(car))
    assert [q.pk for q in response.context["quotes"]] == [open_quote.pk, quote.pk]
    assertContains(response, quote_url(open_quote))
    assertContains(response, quote_url(quote))
    assertContains(response, "Answer")


def test_the_data_download_has_the_quotes_and_the_answers(garage, owner, quote):
    now_line, soon_line = list(quote.lines.order_by("position"))
    services.quote_approve(quote=quote, actor=owner, line_ids=[now_line.pk])
    data, _cars = export_data(owner)
    (row,) = data["quotes"]
    assert row["plate"] == quote.passport.plate
    assert row["garage"] == garage.name
    assert row["state"] == "approved"
    assert row["prices_include_vat"] is True
    assert row["total"] == "600.50"
    assert row["approved_total"] == "420.50"
    assert [(ln["description"], ln["accepted"]) for ln in row["lines"]] == [
        (now_line.description, True),
        (soon_line.description, False),
    ]
    json.dumps(data)  # what the ZIP holds


def test_the_data_download_zip_holds_the_quotes(client_for, owner, quote):
    services.quote_decline(quote=quote, actor=owner, reason="Te duur")
    response = client_for(owner).post(reverse("portal:data_download"), {"password": PASSWORD})
    assert response.status_code == 200
    with zipfile.ZipFile(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ) as archive:
        data = json.loads(archive.read("gegevens.json"))
    assert [(q["state"], q["decline_reason"]) for q in data["quotes"]] == [("declined", "Te duur")]


# --- Queries ----------------------------------------------------------------------------------


def _count(client, url):
    client.get(url)  # once-per-process caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_quote_page_reads_the_same_number_of_queries_for_any_number_of_lines(
    owner_client, garage, car
):
    quote = services.quote_start(passport=car, actor=garage.account_user)
    check = quote.status_check
    brakes = check.items.get(rating=Rating.NOW)
    add_photos(check, item=brakes, count=2)
    few = _count(owner_client, quote_url(sent_quote(car)))
    Quote.objects.filter(passport=car, state=State.SENT).update(state=State.WITHDRAWN)
    draft = services.quote_start(passport=car, actor=garage.account_user)
    services.quote_update(
        quote=draft,
        actor=garage.account_user,
        lines=[line(f"Regel {n}", check_item_id=brakes.pk) for n in range(30)],
        valid_until=in_days(10),
        note="",
    )
    many = services.quote_send(quote=draft, actor=garage.account_user)
    assert many.lines.count() == 30
    assert _count(owner_client, quote_url(many)) == few
