"""Quotes through their services: what the garage and the owner can do, in which state, and
what each step tells the other side."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import Slot, appointment_request, quote_approve_and_request
from core.errors import ApplicationError
from notifications.models import Notification
from quotes import services
from quotes.models import Quote
from tests.autopaspoort.factories import PassportFactory, Rating, item, record_check
from tests.quotes.factories import checked_car, line, sent_quote, start
from tests.transfers.factories import transfer

pytestmark = pytest.mark.django_db
State = Quote.State


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def approve(quote, owner, lines=None, slots=None):
    return quote_approve_and_request(
        quote=quote,
        actor=owner,
        line_ids=[ln.pk for ln in (lines or quote.lines.all())],
        slots=slots or [Slot(date=in_days(3), part_of_day="morning")],
    )


def test_a_quote_starts_with_the_checks_findings_now_first(garage, owner):
    car = checked_car(garage, owner)
    quote = start(car)
    lines = list(quote.lines.order_by("position"))
    assert [(ln.description, ln.unit_price) for ln in lines] == [
        ("Brakes front: Schijven en blokken", Decimal("420.50")),
        ("Brakes rear", Decimal("180.00")),
    ]  # the wipers are fine
    assert quote.state == State.DRAFT
    assert quote.kind == Quote.Kind.QUOTE
    assert quote.status_check == car.latest_check
    assert start(car).pk == quote.pk  # a second start opens the same draft


def test_a_stock_car_gets_a_work_order_of_its_fix_before_delivery_items(garage):
    car = PassportFactory(garage=garage)
    record_check(
        car,
        items=[
            item(component="battery", rating=Rating.NOW, cost="150", fix_before_delivery=True),
            item(component="tyres_front", rating=Rating.SOON, cost="300"),
        ],
    )
    car.refresh_from_db()
    order = services.quote_send(quote=start(car), actor=garage.account_user)
    assert order.kind == Quote.Kind.WORK_ORDER
    assert order.state == State.SENT
    assert [ln.description for ln in order.lines.all()] == ["Battery"]
    assert order.shown_state_label == "Issued"
    assert not Notification.objects.exists()  # internal: no email


def test_no_quote_without_a_check(garage, owner):
    car = checked_car(garage, owner)
    car.latest_check = None
    car.save(update_fields=["latest_check"])
    with pytest.raises(ApplicationError, match="Record a status check first"):
        start(car)


def test_mechanics_and_other_garages_cannot_make_quotes(garage, owner, mechanic, other_garage):
    car = checked_car(garage, owner)
    with pytest.raises(PermissionDenied):
        start(car, mechanic)
    with pytest.raises(PermissionDenied):
        start(car, other_garage.account_user)


def test_sending_emails_the_owner_and_freezes_the_quote(garage, owner, sales):
    car = checked_car(garage, owner)
    quote = start(car, sales)
    services.quote_update(
        quote=quote,
        actor=sales,
        lines=[line("Remschijven voor", "2", "95.25", kind="part"), line("Arbeid", "1.5", "80")],
        valid_until=in_days(14),
        note="Inclusief afvoer oude onderdelen.",
    )
    quote = services.quote_send(quote=quote, actor=sales)
    assert quote.state == State.SENT
    assert quote.owner == owner
    assert quote.sent_by == sales
    assert quote.total_incl == Decimal("310.50")  # 2 x 95.25 + 1.5 x 80, prices incl. BTW
    assert quote.total_excl == Decimal("256.61")
    (email,) = Notification.objects.filter(kind=Notification.Kind.QUOTE_SENT)
    assert email.recipient == owner.email
    assert email.context["total"] == "€\u00a0310,50"  # in the owner's language (Dutch)
    assert f"/mijn/{car.plate}/offerte/{quote.pk}/" in email.context["quote_url"]
    with pytest.raises(ApplicationError, match="can no longer be changed"):
        services.quote_update(quote=quote, actor=sales, lines=[line()], valid_until=in_days(5))
    assert services.quote_send(quote=quote, actor=sales).pk == quote.pk  # a double click
    assert Notification.objects.filter(kind=Notification.Kind.QUOTE_SENT).count() == 1


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        (line(description=" "), "lines-0-description", "Describe the work"),
        (line(quantity="0"), "lines-0-quantity", "above 0"),
        (line(quantity="1.234"), "lines-0-quantity", "two decimals"),
        (line(price="-1"), "lines-0-unit_price", "from"),
        (line(price="NaN"), "lines-0-unit_price", "Enter a price"),
        (line(price="1000000"), "lines-0-unit_price", "from"),
        (line(kind="gift"), "lines-0-kind", "parts, labour"),
    ],
)
def test_bad_lines_are_refused_beside_their_field_and_nothing_is_saved(
    garage, owner, bad, field, message
):
    quote = start(checked_car(garage, owner))
    before = list(quote.lines.values_list("description", "unit_price"))
    with pytest.raises(ApplicationError, match=message) as refused:
        services.quote_update(
            quote=quote, actor=garage.account_user, lines=[bad], valid_until=in_days(10)
        )
    assert refused.value.field == field
    assert list(quote.lines.values_list("description", "unit_price")) == before


def test_a_validity_date_in_the_past_is_refused(garage, owner):
    quote = start(checked_car(garage, owner))
    with pytest.raises(ApplicationError, match="from today on") as refused:
        services.quote_update(
            quote=quote, actor=garage.account_user, lines=[line()], valid_until=in_days(-1)
        )
    assert refused.value.field == "valid_until"


def test_a_quote_for_an_owner_who_has_not_activated_waits(garage, owner):
    car = checked_car(garage, owner)
    type(car).objects.filter(pk=car.pk).update(activated_at=None)
    with pytest.raises(ApplicationError, match="not activated"):
        sent_quote(car)
    assert Quote.objects.get().state == State.DRAFT


def test_a_new_version_replaces_the_sent_one_when_sent(garage, owner):
    car = checked_car(garage, owner)
    first = sent_quote(car)
    draft = services.quote_new_version(quote=first, actor=garage.account_user)
    assert draft.version == 2
    assert draft.replaces == first
    assert draft.lines.count() == first.lines.count()
    first.refresh_from_db()
    assert first.state == State.SENT  # still answerable until version 2 is sent
    second = services.quote_send(quote=draft, actor=garage.account_user)
    first.refresh_from_db()
    assert first.state == State.REPLACED
    assert second.state == State.SENT
    with pytest.raises(ApplicationError, match="replaced this quote"):
        approve(first, owner)
    assert services.refusal(first).endswith("with a newer version.")


def test_the_owner_approves_part_and_asks_for_a_time(garage, owner):
    car = checked_car(garage, owner)
    quote = sent_quote(car)
    now_line, soon_line = quote.lines.order_by("position")
    appointment = approve(quote, owner, lines=[now_line])
    quote.refresh_from_db()
    now_line.refresh_from_db()
    soon_line.refresh_from_db()
    assert quote.state == State.APPROVED
    assert (now_line.accepted, soon_line.accepted) == (True, False)
    assert quote.approved_incl == Decimal("420.50")
    assert appointment.quote == quote
    assert appointment.reason == Appointment.Reason.QUOTE
    assert appointment.state == Appointment.State.REQUESTED
    assert appointment.slots.count() == 1
    # One email to the garage: the answer with the times (not a second appointment email).
    (told,) = Notification.objects.filter(user=garage.account_user)
    assert told.kind == Notification.Kind.QUOTE_ANSWERED
    assert told.context["approved"] is True
    assert [row["description"] for row in told.context["refused"]] == ["Brakes rear"]
    assert len(told.context["preferred"]) == 1
    with pytest.raises(ApplicationError, match="You approved this quote"):
        approve(quote, owner)
    assert Appointment.objects.count() == 1


def test_approving_without_a_line_or_with_a_strange_line_is_refused(garage, owner, other_owner):
    quote = sent_quote(checked_car(garage, owner))
    other = sent_quote(checked_car(garage, other_owner))
    with pytest.raises(ApplicationError, match="Tick at least one line") as refused:
        quote_approve_and_request(
            quote=quote, actor=owner, line_ids=[], slots=[Slot(in_days(2), "morning")]
        )
    assert refused.value.field == "lines"
    with pytest.raises(ApplicationError, match="lines of this quote"):
        approve(quote, owner, lines=list(other.lines.all()))
    quote.refresh_from_db()
    assert quote.state == State.SENT
    assert not Appointment.objects.exists()


def test_an_expired_quote_cannot_be_approved(garage, owner):
    quote = sent_quote(checked_car(garage, owner), valid_days=1)
    Quote.objects.filter(pk=quote.pk).update(valid_until=in_days(-1))
    quote.refresh_from_db()
    assert quote.is_expired
    assert quote.shown_state == "expired"
    with pytest.raises(ApplicationError, match="expired on"):
        approve(quote, owner)


def test_an_open_appointment_request_rolls_the_approval_back(garage, owner):
    car = checked_car(garage, owner)
    quote = sent_quote(car)

    appointment_request(
        passport=car, actor=owner, reason="maintenance", slots=[Slot(in_days(5), "afternoon")]
    )
    with pytest.raises(ApplicationError, match="open appointment request"):
        approve(quote, owner)
    quote.refresh_from_db()
    assert quote.state == State.SENT
    assert quote.lines.filter(accepted__isnull=False).count() == 0
    assert not Notification.objects.filter(kind=Notification.Kind.QUOTE_ANSWERED).exists()


def test_the_owner_declines_with_a_reason_and_the_garage_is_told(garage, owner):
    quote = sent_quote(checked_car(garage, owner))
    services.quote_decline(quote=quote, actor=owner, reason="Te duur, ik wacht tot de APK.")
    quote.refresh_from_db()
    assert quote.state == State.DECLINED
    told = Notification.objects.get(kind=Notification.Kind.QUOTE_ANSWERED)
    assert told.context["approved"] is False
    assert told.context["reason"] == "Te duur, ik wacht tot de APK."
    # A declined quote may get a better offer.
    assert services.quote_new_version(quote=quote, actor=garage.account_user).version == 2


def test_only_the_owner_it_was_sent_to_answers_and_a_sale_withdraws_it(garage, owner, other_owner):
    car = checked_car(garage, owner)
    quote = sent_quote(car)
    with pytest.raises(PermissionDenied):
        approve(quote, other_owner)
    transfer(car, "koper@example.nl")
    quote.refresh_from_db()
    assert quote.state == State.WITHDRAWN
    with pytest.raises(PermissionDenied):
        approve(quote, owner)  # the previous owner
