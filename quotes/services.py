"""Quotes and work orders: every change of one goes through here.

- `quote_start`: an admin or salesperson starts a draft from the car's latest status check
  (a customer car: its "now" and "soon" findings; a stock car: a work order of its "fix before
  delivery" findings). A second start opens the same draft.
- `quote_update`: the draft's lines, validity date and note.
- `quote_send`: sends the draft to the owner (an email through the outbox) or, for a work
  order, issues it to the workshop (no email). Sent means immutable: a change is
  `quote_new_version`, which replaces the sent one when it is sent in turn.
- `quote_approve` / `quote_decline`: the owner's answer in the portal; the garage is told.
  The portal calls `appointments.services.quote_approve_and_request`, which approves here and
  asks for the appointment in the same transaction.

Races: every step locks the quote row and checks its state under the lock, in the order quote,
then passport (the appointment request locks the passport after the quote), so two answers, or
an answer and a new version, are decided one after the other and the loser is told why.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from autopaspoort.models import Passport, StatusCheckItem
from core.errors import ApplicationError
from core.money import format_amount
from core.vat import vat_label
from garage.access import require_role
from garage.menu import page_roles
from notifications.models import Notification
from notifications.services import notification_queue
from quotes.models import Quote, QuoteLine
from quotes.totals import lines_total, quote_total

MAKE_QUOTES = page_roles("quotes")  # the menu's table: the page and the actions
MAX_LINES = 50
MAX_QUANTITY = Decimal("9999")
MAX_UNIT_PRICE = Decimal("1000000")
DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 180
NOTE_MAX_LENGTH = 2000

Rating = StatusCheckItem.Rating
State = Quote.State


@dataclass(frozen=True)
class LineData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    kind: str = QuoteLine.Kind.OTHER
    check_item_id: int | None = None


def _date(day: date) -> str:
    return formats.date_format(day, "j F Y")


def _lock(quote: Quote) -> Quote:
    return (
        Quote.objects.select_for_update(of=("self",))
        .select_related("passport", "garage__account_user", "status_check", "owner")
        .get(pk=quote.pk)
    )


def _require_staff(quote_or_passport, actor) -> None:
    require_role(garage=quote_or_passport.garage, user=actor, roles=MAKE_QUOTES)


def _prefill(check, *, work_order: bool) -> list[LineData]:
    """The findings a quote starts with: for an owner, the expected costs ("now" first, then
    "soon", never what the garage fixes before delivery); for a work order, exactly those."""
    items = list(check.items.all())
    if work_order:
        chosen = [item for item in items if item.fix_before_delivery]
    else:
        chosen = [item for item in items if item.is_expected_cost]
        chosen.sort(key=lambda item: item.rating != Rating.NOW)
    return [
        LineData(
            description=(f"{item.label}: {item.note}" if item.note else item.label)[:200],
            quantity=Decimal("1"),
            unit_price=item.estimated_cost,
            check_item_id=item.pk,
        )
        for item in chosen
    ]


def _write_lines(quote: Quote, lines: list[LineData]) -> None:
    QuoteLine.objects.filter(quote=quote).delete()
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            position=position,
            kind=line.kind,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            check_item_id=line.check_item_id,
        )
        for position, line in enumerate(lines, start=1)
    )


def _create_draft(**fields) -> Quote:
    try:
        with transaction.atomic():
            return Quote.objects.create(state=State.DRAFT, **fields)
    except IntegrityError:
        # A colleague (or another tab) started one at the same moment: open theirs.
        return Quote.objects.get(passport=fields["passport"], state=State.DRAFT)


@transaction.atomic
def quote_start(*, passport: Passport, actor) -> Quote:
    """The car's draft quote (or work order), made from its latest status check if there is
    none yet."""
    passport = (
        Passport.objects.select_for_update(of=("self",))
        .select_related("garage", "latest_check")
        .get(pk=passport.pk)
    )
    _require_staff(passport, actor)
    draft = Quote.objects.filter(passport=passport, state=State.DRAFT).first()
    if draft is not None:
        return draft
    check = passport.latest_check
    if check is None:
        raise ApplicationError(_("Record a status check first: a quote starts from its findings."))
    work_order = passport.is_stock
    quote = _create_draft(
        passport=passport,
        garage=passport.garage,
        status_check=check,
        kind=Quote.Kind.WORK_ORDER if work_order else Quote.Kind.QUOTE,
        prices_include_vat=passport.garage.prices_include_vat,
        valid_until=None if work_order else timezone.localdate() + timedelta(DEFAULT_VALID_DAYS),
        created_by=actor,
    )
    if not quote.lines.exists():
        _write_lines(quote, _prefill(check, work_order=work_order))
    return quote


@transaction.atomic
def quote_new_version(*, quote: Quote, actor) -> Quote:
    """A draft copy of a sent (or declined) quote, to change and send in its place."""
    quote = _lock(quote)
    _require_staff(quote, actor)
    if quote.passport.garage_id != quote.garage_id:
        raise ApplicationError(_("Your garage no longer services this car."))
    draft = Quote.objects.filter(passport=quote.passport, state=State.DRAFT).first()
    if draft is not None:
        if draft.replaces_id == quote.pk:
            return draft
        raise ApplicationError(
            _("There is a draft for this car already: finish or delete it first.")
        )
    if quote.state == State.DRAFT:
        return quote
    if quote.state == State.APPROVED:
        raise ApplicationError(
            _("The owner approved this quote: make a new quote from a new status check instead.")
        )
    if quote.state in (State.REPLACED, State.WITHDRAWN):
        raise ApplicationError(_("This quote is no longer current: change the newest one."))
    new = _create_draft(
        passport=quote.passport,
        garage=quote.garage,
        status_check=quote.status_check,
        kind=quote.kind,
        version=quote.version + 1,
        replaces=quote,
        prices_include_vat=quote.prices_include_vat,
        valid_until=None
        if quote.is_work_order
        else timezone.localdate() + timedelta(DEFAULT_VALID_DAYS),
        note=quote.note,
        created_by=actor,
    )
    _write_lines(
        new,
        [
            LineData(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                kind=line.kind,
                check_item_id=line.check_item_id,
            )
            for line in quote.lines.all()
        ],
    )
    return new


def _decimal(value, *, field: str, message: str) -> Decimal:
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ApplicationError(message, field=field) from None
    if not number.is_finite():
        raise ApplicationError(message, field=field)
    return number


def _clean_lines(quote: Quote, lines: list[LineData]) -> list[LineData]:
    if len(lines) > MAX_LINES:
        raise ApplicationError(_("A quote has at most %(count)s lines.") % {"count": MAX_LINES})
    item_ids = set(quote.status_check.items.values_list("pk", flat=True))
    cleaned = []
    for index, line in enumerate(lines):
        prefix = f"lines-{index}-"
        description = (line.description or "").strip()
        if not description:
            raise ApplicationError(_("Describe the work or part."), field=prefix + "description")
        if len(description) > 200:
            raise ApplicationError(
                _("Keep the description under 200 characters."), field=prefix + "description"
            )
        quantity = _decimal(
            line.quantity, field=prefix + "quantity", message=_("Enter a quantity.")
        )
        if not Decimal("0") < quantity <= MAX_QUANTITY or quantity != round(quantity, 2):
            raise ApplicationError(
                _("Enter a quantity above 0 and up to 9999, with at most two decimals."),
                field=prefix + "quantity",
            )
        price = _decimal(line.unit_price, field=prefix + "unit_price", message=_("Enter a price."))
        if not Decimal("0") <= price < MAX_UNIT_PRICE or price != round(price, 2):
            raise ApplicationError(
                _("Enter a price from € 0 up to € 999,999.99, in whole cents."),
                field=prefix + "unit_price",
            )
        if line.kind not in QuoteLine.Kind.values:
            raise ApplicationError(_("Choose parts, labour or other."), field=prefix + "kind")
        if line.check_item_id is not None and line.check_item_id not in item_ids:
            raise ApplicationError(_("This finding is not part of the quote's status check."))
        cleaned.append(
            LineData(
                description=description,
                quantity=quantity,
                unit_price=price,
                kind=line.kind,
                check_item_id=line.check_item_id,
            )
        )
    return cleaned


def _check_valid_until(valid_until: date | None, *, required: bool) -> None:
    if valid_until is None:
        if required:
            raise ApplicationError(
                _("Give the date until which the quote is valid."), field="valid_until"
            )
        return
    today = timezone.localdate()
    if valid_until < today:
        raise ApplicationError(_("Choose a date from today on."), field="valid_until")
    if valid_until > today + timedelta(days=MAX_VALID_DAYS):
        raise ApplicationError(
            _("A quote is valid for at most %(days)s days.") % {"days": MAX_VALID_DAYS},
            field="valid_until",
        )


def _refuse_if_sent(quote: Quote) -> None:
    if quote.state != State.DRAFT:
        raise ApplicationError(
            _("This quote has been sent and can no longer be changed: make a new version.")
        )


@transaction.atomic
def quote_update(
    *, quote: Quote, actor, lines: list[LineData], valid_until: date | None, note: str = ""
) -> Quote:
    """Save the draft's lines (replacing them all), validity date and note."""
    quote = _lock(quote)
    _require_staff(quote, actor)
    _refuse_if_sent(quote)
    lines = _clean_lines(quote, list(lines))
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the note under %(count)s characters.") % {"count": NOTE_MAX_LENGTH},
            field="note",
        )
    if not quote.is_work_order:
        _check_valid_until(valid_until, required=False)
        quote.valid_until = valid_until
    quote.note = note
    quote.save(update_fields=["valid_until", "note", "updated_at"])
    _write_lines(quote, lines)
    return quote


@transaction.atomic
def quote_delete_draft(*, quote: Quote, actor) -> None:
    quote = _lock(quote)
    _require_staff(quote, actor)
    _refuse_if_sent(quote)
    quote.delete()


def _portal_url(quote: Quote) -> str:
    return settings.SITE_URL + reverse(
        "portal:quote", kwargs={"plate": quote.passport.plate, "quote_id": quote.pk}
    )


def _garage_url(quote: Quote) -> str:
    return settings.SITE_URL + reverse(
        "quotes:garage_detail", kwargs={"garage_id": quote.garage_id, "quote_id": quote.pk}
    )


def _line_rows(lines) -> list[dict]:
    return [
        {"description": line.description, "amount": format_amount(line.amount)} for line in lines
    ]


def _notify_owner(quote: Quote, lines) -> Notification:
    owner = quote.owner
    total = quote_total(quote, lines)
    with translation.override(owner.language):
        context = {
            "name": owner.full_name,
            "plate": quote.passport.plate,
            "vehicle": quote.passport.vehicle_name,
            "garage_name": quote.garage.name,
            "version": quote.version,
            "replaces": quote.replaces_id is not None,
            "lines": _line_rows(lines),
            "total": format_amount(total.shown),
            "vat": vat_label(quote.prices_include_vat),
            "valid_until": _date(quote.valid_until),
            "note": quote.note,
            "quote_url": _portal_url(quote),
        }
    return notification_queue(
        kind=Notification.Kind.QUOTE_SENT, recipient=owner.email, user=owner, context=context
    )


@transaction.atomic
def quote_send(*, quote: Quote, actor) -> Quote:
    """Send the draft to the car's owner (or issue the work order). It replaces the quote that
    was waiting for the owner, if any. A repeated click changes nothing."""
    quote = _lock(quote)
    _require_staff(quote, actor)
    if quote.state != State.DRAFT:
        return quote
    lines = list(quote.lines.select_related("check_item"))
    if not lines:
        raise ApplicationError(_("Add at least one line before sending."))
    # Quote rows first, then the passport (the order the owner's approval locks them in).
    waiting = (
        Quote.objects.select_for_update(of=("self",))
        .filter(passport_id=quote.passport_id, state=State.SENT)
        .first()
    )
    if quote.replaces_id is not None:
        previous = Quote.objects.get(pk=quote.replaces_id)
        if previous.state == State.APPROVED:
            raise ApplicationError(
                _(
                    "The owner approved version %(version)s on %(when)s meanwhile, so this "
                    "version was not sent. Delete this draft, or make a new quote from a "
                    "new status check."
                )
                % {
                    "version": previous.version,
                    "when": formats.date_format(
                        timezone.localtime(previous.answered_at), "j F Y H:i"
                    ),
                }
            )
    passport = (
        Passport.objects.select_for_update(of=("self",))
        .select_related("owner", "garage")
        .get(pk=quote.passport_id)
    )
    if passport.garage_id != quote.garage_id:
        raise ApplicationError(_("Your garage no longer services this car."))
    now = timezone.now()
    if not quote.is_work_order:
        if passport.is_stock:
            raise ApplicationError(_("This car is in your stock now: make a work order instead."))
        if not passport.is_active or passport.owner is None or not passport.owner.is_active:
            raise ApplicationError(
                _(
                    "The owner has not activated their AutoPaspoort yet: send the quote once "
                    "they have."
                )
            )
        _check_valid_until(quote.valid_until, required=True)
        quote.owner = passport.owner
    if waiting is not None and waiting.pk != quote.pk:
        waiting.state = State.REPLACED
        waiting.save(update_fields=["state", "updated_at"])
        if quote.replaces_id is None:
            quote.replaces = waiting
            quote.version = waiting.version + 1
    total = quote_total(quote, lines)
    quote.state = State.SENT
    quote.sent_by = actor
    quote.sent_at = now
    quote.total_excl = total.excl
    quote.total_incl = total.incl
    quote.save()
    if not quote.is_work_order:
        quote.passport = passport
        _notify_owner(quote, lines)
    return quote


@transaction.atomic
def quote_withdraw(*, quote: Quote, actor) -> Quote:
    """The garage takes back a quote the owner has not answered (or an issued work order)."""
    quote = _lock(quote)
    _require_staff(quote, actor)
    if quote.state == State.WITHDRAWN:
        return quote
    if quote.state != State.SENT:
        raise ApplicationError(_("Only a quote that waits for an answer can be withdrawn."))
    quote.state = State.WITHDRAWN
    quote.save(update_fields=["state", "updated_at"])
    return quote


def _lock_for_owner(quote: Quote, *, actor) -> Quote:
    """The quote, locked, if `actor` may answer it: sent to them, about a car they own now."""
    quote = _lock(quote)
    passport = quote.passport
    if (
        quote.is_work_order
        or quote.state == State.DRAFT
        or quote.owner_id != actor.pk
        or passport.owner_id != actor.pk
        or not passport.is_active
    ):
        raise PermissionDenied
    return quote


def refusal(quote: Quote, *, actor=None) -> str | None:
    """Why this quote cannot be answered now (None: it can). The one rule for the service and
    for the portal page, which shows the reason instead of the form."""
    if quote.state == State.APPROVED:
        return _("You approved this quote on %(when)s.") % {
            "when": _date(timezone.localdate(quote.answered_at))
        }
    if quote.state == State.DECLINED:
        return _("You declined this quote on %(when)s.") % {
            "when": _date(timezone.localdate(quote.answered_at))
        }
    if quote.state == State.REPLACED:
        return _("%(garage)s has replaced this quote with a newer version.") % {
            "garage": quote.garage.name
        }
    if quote.state == State.WITHDRAWN:
        return _("%(garage)s has withdrawn this quote.") % {"garage": quote.garage.name}
    if quote.is_expired:
        return _("This quote expired on %(date)s. Ask %(garage)s for a new one.") % {
            "date": _date(quote.valid_until),
            "garage": quote.garage.name,
        }
    if quote.passport.garage_id != quote.garage_id:
        return _("%(garage)s no longer services this car.") % {"garage": quote.garage.name}
    return None


def _notify_garage(quote: Quote, lines, *, preferred=()) -> Notification:
    garage = quote.garage
    account = garage.account_user
    approved = quote.state == State.APPROVED
    with translation.override(account.language):
        context = {
            "approved": approved,
            "plate": quote.passport.plate,
            "vehicle": quote.passport.vehicle_name,
            "owner_name": quote.passport.owner_name or quote.owner.full_name,
            "version": quote.version,
            "accepted": _line_rows(line for line in lines if line.accepted),
            "refused": _line_rows(line for line in lines if approved and not line.accepted),
            "approved_total": format_amount(quote_total(quote, lines, accepted_only=True).shown),
            "total": format_amount(quote_total(quote, lines).shown),
            "vat": vat_label(quote.prices_include_vat),
            "reason": quote.decline_reason,
            "preferred": list(preferred),
            "quote_url": _garage_url(quote),
            "appointments_url": settings.SITE_URL
            + reverse("appointments:garage_list", kwargs={"garage_id": garage.pk}),
        }
    return notification_queue(
        kind=Notification.Kind.QUOTE_ANSWERED,
        recipient=garage.email,
        user=account,
        context=context,
    )


@transaction.atomic
def quote_approve(*, quote: Quote, actor, line_ids, preferred=()) -> Quote:
    """The owner agrees to the lines `line_ids` (at least one) of the quote. `preferred` are
    the times they asked for, as text for the garage's email. Called by
    `appointments.services.quote_approve_and_request` in its transaction."""
    quote = _lock_for_owner(quote, actor=actor)
    reason = refusal(quote)
    if reason:
        raise ApplicationError(reason)
    lines = list(quote.lines.all())
    chosen = set()
    for value in line_ids:
        try:
            chosen.add(int(value))
        except (TypeError, ValueError):
            raise ApplicationError(_("Choose lines of this quote."), field="lines") from None
    if not chosen:
        raise ApplicationError(_("Tick at least one line you agree to."), field="lines")
    if not chosen <= {line.pk for line in lines}:
        raise ApplicationError(_("Choose lines of this quote."), field="lines")
    for line in lines:
        line.accepted = line.pk in chosen
    QuoteLine.objects.bulk_update(lines, ["accepted"])
    approved = lines_total(lines, includes_vat=quote.prices_include_vat, accepted_only=True)
    quote.state = State.APPROVED
    quote.answered_at = timezone.now()
    quote.approved_excl = approved.excl
    quote.approved_incl = approved.incl
    quote.save(
        update_fields=["state", "answered_at", "approved_excl", "approved_incl", "updated_at"]
    )
    _notify_garage(quote, lines, preferred=preferred)
    return quote


@transaction.atomic
def quote_decline(*, quote: Quote, actor, reason: str = "") -> Quote:
    """The owner declines the whole quote, optionally saying why; the garage is told."""
    quote = _lock_for_owner(quote, actor=actor)
    refused = refusal(quote)
    if refused:
        raise ApplicationError(refused)
    reason = (reason or "").strip()
    if len(reason) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the note under %(count)s characters.") % {"count": NOTE_MAX_LENGTH},
            field="reason",
        )
    quote.state = State.DECLINED
    quote.answered_at = timezone.now()
    quote.decline_reason = reason
    quote.save(update_fields=["state", "answered_at", "decline_reason", "updated_at"])
    lines = list(quote.lines.all())
    _notify_garage(quote, lines)
    return quote


def quotes_withdraw_for_car(*, passport: Passport) -> int:
    """The car has a new owner (transfers.services.on_owner_changed): the quotes waiting for
    the previous owner's answer can no longer be answered."""
    return (
        Quote.objects.filter(passport=passport, state=State.SENT, kind=Quote.Kind.QUOTE)
        .exclude(owner_id=passport.owner_id)
        .update(state=State.WITHDRAWN, updated_at=timezone.now())
    )


REASON_MIN_SEARCH = 12


def owner_quotes_erase(*, user, now) -> list[str]:
    """The owner deleted their account (accounts.services.on_account_deleted): their open
    quotes are withdrawn and the reasons they typed are erased (and looked for in the outbox)."""
    quotes = Quote.objects.filter(owner=user)
    texts = [
        text
        for text in quotes.values_list("decline_reason", flat=True)
        if len(text) >= REASON_MIN_SEARCH
    ]
    quotes.filter(state=State.SENT).update(state=State.WITHDRAWN, updated_at=now)
    quotes.exclude(decline_reason="").update(decline_reason="", updated_at=now)
    return texts
