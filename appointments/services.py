"""Appointments between an owner and the servicing garage, and a garage's own advice on the
warning lights of the catalogue.

The owner asks (`appointment_request`); the garage accepts one of the preferred times
(`appointment_accept_slot`) or proposes another (`appointment_propose`); the owner accepts the
proposal (`appointment_accept_proposal`) or cancels (`appointment_cancel`). Each step locks the
appointment row and checks its state under the lock, so of two people answering at once one
wins and the other is told what happened. The garage's emails go to its account email (the
address all garage mail goes to); the owner's to their login.

Who may answer: a garage's admins and sales staff (they plan the customers' visits); mechanics
see the requests but do not answer them. The same roles write the garage's warning-light
advice.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from appointments import catalogue
from appointments.models import (
    OPEN_STATES,
    Appointment,
    AppointmentSlot,
    GarageLightAdvice,
    PartOfDay,
)
from autopaspoort.models import Passport
from autopaspoort.services import dashboard_summary_changed
from core.errors import ApplicationError
from core.phones import format_phone
from garage.access import require_role
from garage.models import Membership
from notifications.models import Notification
from notifications.services import notification_queue
from quotes.models import Quote
from quotes.services import quote_approve

ANSWER_ROLES = (Membership.Role.ADMIN, Membership.Role.SALES)
ADVICE_ROLES = (Membership.Role.ADMIN, Membership.Role.SALES)
MAX_SLOTS = 3
BOOKABLE_DAYS = 180  # how far ahead an owner may ask, or a garage propose
ADVICE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Slot:
    date: date
    part_of_day: str


def slot_text(day: date, part_of_day: str) -> str:
    """A time as people say it, in the active language: "Tuesday 3 June 2025, morning"."""
    return f"{formats.date_format(day, 'l j F Y')}, {PartOfDay(part_of_day).label.lower()}"


def _check_day(day: date, *, field: str) -> None:
    today = timezone.localdate()
    if day < today:
        raise ApplicationError(_("Choose a date from today on."), field=field)
    if day > today + timedelta(days=BOOKABLE_DAYS):
        raise ApplicationError(
            _("Choose a date within %(days)s days.") % {"days": BOOKABLE_DAYS}, field=field
        )


def _check_slots(slots: list[Slot]) -> list[Slot]:
    if not slots:
        raise ApplicationError(_("Give at least one date that suits you."), field="date_1")
    if len(slots) > MAX_SLOTS:
        raise ApplicationError(_("Give at most three dates."))
    seen = set()
    for position, slot in enumerate(slots, start=1):
        _check_day(slot.date, field=f"date_{position}")
        if slot.part_of_day not in PartOfDay.values:
            raise ApplicationError(_("Choose morning or afternoon."), field=f"part_{position}")
        if (slot.date, slot.part_of_day) in seen:
            raise ApplicationError(_("You gave this time twice."), field=f"date_{position}")
        seen.add((slot.date, slot.part_of_day))
    return slots


def _garage_url(appointment: Appointment) -> str:
    return settings.SITE_URL + reverse(
        "appointments:garage_list", kwargs={"garage_id": appointment.garage_id}
    )


def _owner_url(appointment: Appointment) -> str:
    return settings.SITE_URL + reverse(
        "portal:appointment_request", kwargs={"plate": appointment.passport.plate}
    )


def _notify_garage(appointment: Appointment, *, event: str, slots=()) -> Notification:
    """The garage's email: a new request, an accepted proposal or a cancellation (`event`).
    Texts that depend on the language are made in the garage login's language."""
    garage = appointment.garage
    account = garage.account_user
    light = catalogue.light_get(appointment.warning_light)
    with translation.override(account.language):
        context = {
            "event": event,
            "plate": appointment.passport.plate,
            "vehicle": appointment.passport.vehicle_name,
            "owner_name": appointment.passport.owner_name or appointment.owner.get_full_name(),
            "reason": str(appointment.get_reason_display()),
            "warning_light": light.text().name if light else "",
            "note": appointment.note,
            "slots": [slot_text(slot.date, slot.part_of_day) for slot in slots],
            "planned": (
                slot_text(appointment.planned_date, appointment.planned_part_of_day)
                if appointment.planned_date
                else ""
            ),
            "appointments_url": _garage_url(appointment),
        }
    return notification_queue(
        kind=Notification.Kind.APPOINTMENT_REQUESTED,
        recipient=garage.email,
        user=account,
        context=context,
    )


def _notify_owner(appointment: Appointment) -> Notification:
    owner = appointment.owner
    garage = appointment.garage
    with translation.override(owner.language):
        context = {
            "proposed": appointment.state == Appointment.State.PROPOSED,
            "plate": appointment.passport.plate,
            "garage_name": garage.name,
            "garage_phone": format_phone(garage.phone),
            "planned": slot_text(appointment.planned_date, appointment.planned_part_of_day),
            "message": appointment.garage_message,
            "appointment_url": _owner_url(appointment),
        }
    return notification_queue(
        kind=Notification.Kind.APPOINTMENT_ANSWERED,
        recipient=owner.email,
        user=owner,
        context=context,
    )


def _lock(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("passport", "garage__account_user", "owner", "answered_by")
        .get(pk=appointment.pk)
    )


def _refuse_if_not_open(appointment: Appointment, *, actor) -> None:
    """The refusal for a second answer: say what happened instead."""
    if appointment.state == Appointment.State.REQUESTED:
        return
    if appointment.state == Appointment.State.CANCELLED:
        raise ApplicationError(_("The owner has cancelled this request."))
    who = appointment.answered_by.get_full_name() if appointment.answered_by else ""
    if appointment.answered_by_id == actor.pk:
        who = _("you")
    planned = slot_text(appointment.planned_date, appointment.planned_part_of_day)
    if appointment.state == Appointment.State.PROPOSED:
        raise ApplicationError(
            _("This request has already been answered by %(who)s: %(planned)s was proposed.")
            % {"who": who or _("a colleague"), "planned": planned}
        )
    raise ApplicationError(
        _("This request has already been answered by %(who)s: %(planned)s was agreed.")
        % {"who": who or _("a colleague"), "planned": planned}
    )


@transaction.atomic
def appointment_request(
    *,
    passport: Passport,
    actor,
    reason: str,
    slots: list[Slot],
    note: str = "",
    warning_light: str = "",
) -> Appointment:
    """The owner asks the car's servicing garage for an appointment; the garage gets an email.

    One open request per car: a second (a double submit, another tab) is refused, also when
    both arrive at once (the partial unique constraint decides)."""
    appointment = _appointment_create(
        passport=passport,
        actor=actor,
        reason=reason,
        slots=slots,
        note=note,
        warning_light=warning_light,
    )
    _notify_garage(appointment, event="requested", slots=appointment.wanted)
    return appointment


@transaction.atomic
def quote_approve_and_request(
    *, quote: Quote, actor, line_ids, slots: list[Slot], note: str = ""
) -> Appointment:
    """The owner approves (some lines of) a quote and asks for a time to have the work done:
    the quote is approved and an appointment request made with it, in one transaction, and
    the garage gets one email (the quote's answer, with the preferred times). Approving locks
    the quote before the request locks the passport (the order `quote_send` keeps)."""
    slots = _check_slots(list(slots))
    quote_approve(
        quote=quote,
        actor=actor,
        line_ids=line_ids,
        preferred=[slot_text(slot.date, slot.part_of_day) for slot in slots],
    )
    return _appointment_create(
        passport=quote.passport,
        actor=actor,
        reason=Appointment.Reason.QUOTE,
        slots=slots,
        note=note,
        quote=quote,
    )


def _already_asked(passport: Passport, quote: Quote | None) -> ApplicationError:
    if quote is not None:
        # The approval is rolled back with the request: nothing is half done.
        return ApplicationError(
            _(
                "You have an open appointment request for %(plate)s. Wait for the garage's "
                "answer or cancel that request, then approve the quote."
            )
            % {"plate": passport.plate}
        )
    return ApplicationError(
        _("You have already asked for an appointment for %(plate)s; wait for the answer.")
        % {"plate": passport.plate}
    )


def _appointment_create(
    *,
    passport: Passport,
    actor,
    reason: str,
    slots: list[Slot],
    note: str = "",
    warning_light: str = "",
    quote: Quote | None = None,
) -> Appointment:
    passport = (
        Passport.objects.select_for_update(of=("self",))
        .select_related("garage__account_user")
        .get(pk=passport.pk)
    )
    if passport.owner_id != actor.pk or not passport.is_active:
        raise PermissionDenied
    if reason not in Appointment.Reason.values:
        raise ApplicationError(_("Choose a reason."), field="reason")
    if warning_light and catalogue.light_get(warning_light) is None:
        raise ApplicationError(_("Choose a warning light from the list."), field="warning_light")
    slots = _check_slots(list(slots))
    # A request a previous owner left open is no longer the garage's to answer (the garage's
    # list hides it): close it, so it neither blocks the new owner nor tells them it exists.
    now = timezone.now()
    Appointment.objects.filter(passport=passport, state__in=OPEN_STATES).exclude(
        owner=actor
    ).update(state=Appointment.State.CANCELLED, cancelled_at=now, updated_at=now)
    if Appointment.objects.filter(
        passport=passport, state__in=[Appointment.State.REQUESTED, Appointment.State.PROPOSED]
    ).exists():
        raise _already_asked(passport, quote)
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                passport=passport,
                garage=passport.garage,
                owner=actor,
                reason=reason,
                warning_light=warning_light,
                note=note.strip(),
                quote=quote,
            )
    except IntegrityError:
        raise _already_asked(passport, quote) from None
    AppointmentSlot.objects.bulk_create(
        AppointmentSlot(
            appointment=appointment, position=position, date=slot.date, part_of_day=slot.part_of_day
        )
        for position, slot in enumerate(slots, start=1)
    )
    appointment.passport = passport
    appointment.wanted = slots
    dashboard_summary_changed(passport.garage_id)  # its list of requests waiting
    return appointment


def _answer(appointment: Appointment, *, actor) -> Appointment:
    appointment = _lock(appointment)
    require_role(garage=appointment.garage, user=actor, roles=ANSWER_ROLES)
    _refuse_if_not_open(appointment, actor=actor)
    if appointment.passport.owner_id != appointment.owner_id:
        raise ApplicationError(_("The car has changed owner since this request."))
    return appointment


def _save_answer(appointment: Appointment, *, actor, day, part_of_day, message, state):
    now = timezone.now()
    appointment.state = state
    appointment.planned_date = day
    appointment.planned_part_of_day = part_of_day
    appointment.garage_message = message.strip()
    appointment.answered_by = actor
    appointment.answered_at = now
    appointment.confirmed_at = now if state == Appointment.State.CONFIRMED else None
    appointment.save(
        update_fields=[
            "state",
            "planned_date",
            "planned_part_of_day",
            "garage_message",
            "answered_by",
            "answered_at",
            "confirmed_at",
            "updated_at",
        ]
    )
    dashboard_summary_changed(appointment.garage_id)
    _notify_owner(appointment)
    return appointment


@transaction.atomic
def appointment_accept_slot(
    *, appointment: Appointment, slot_id: int, actor, message: str = ""
) -> Appointment:
    """The garage agrees to one of the owner's preferred times; the owner gets an email."""
    appointment = _answer(appointment, actor=actor)
    slot = AppointmentSlot.objects.filter(appointment=appointment, pk=slot_id).first()
    if slot is None:
        raise ApplicationError(_("Choose one of the times the owner gave."), field="slot")
    return _save_answer(
        appointment,
        actor=actor,
        day=slot.date,
        part_of_day=slot.part_of_day,
        message=message,
        state=Appointment.State.CONFIRMED,
    )


@transaction.atomic
def appointment_propose(
    *, appointment: Appointment, actor, day: date, part_of_day: str, message: str = ""
) -> Appointment:
    """The garage proposes another time; the owner gets an email and accepts or cancels."""
    appointment = _answer(appointment, actor=actor)
    _check_day(day, field="date")
    if part_of_day not in PartOfDay.values:
        raise ApplicationError(_("Choose morning or afternoon."), field="part_of_day")
    return _save_answer(
        appointment,
        actor=actor,
        day=day,
        part_of_day=part_of_day,
        message=message,
        state=Appointment.State.PROPOSED,
    )


def _lock_for_owner(appointment: Appointment, *, actor) -> Appointment:
    appointment = _lock(appointment)
    if appointment.owner_id != actor.pk or appointment.passport.owner_id != actor.pk:
        raise PermissionDenied
    return appointment


@transaction.atomic
def appointment_accept_proposal(*, appointment: Appointment, actor) -> Appointment:
    """The owner accepts the time the garage proposed; the garage gets an email."""
    appointment = _lock_for_owner(appointment, actor=actor)
    if appointment.state == Appointment.State.CONFIRMED:
        return appointment  # a repeated click: already done
    if appointment.state != Appointment.State.PROPOSED:
        raise ApplicationError(_("There is no proposed time to accept for this request."))
    appointment.state = Appointment.State.CONFIRMED
    appointment.confirmed_at = timezone.now()
    appointment.save(update_fields=["state", "confirmed_at", "updated_at"])
    dashboard_summary_changed(appointment.garage_id)
    _notify_garage(appointment, event="accepted")
    return appointment


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, actor) -> Appointment:
    """The owner withdraws an open request (before or after a proposal); the garage gets an
    email. An agreed appointment is changed by calling the garage, not here."""
    appointment = _lock_for_owner(appointment, actor=actor)
    if appointment.state == Appointment.State.CANCELLED:
        return appointment
    if not appointment.is_open:
        raise ApplicationError(
            _("This appointment has been agreed. Call %(garage)s to change or cancel it.")
            % {"garage": appointment.garage.name}
        )
    appointment.state = Appointment.State.CANCELLED
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["state", "cancelled_at", "updated_at"])
    dashboard_summary_changed(appointment.garage_id)
    _notify_garage(appointment, event="cancelled")
    return appointment


@transaction.atomic
def light_advice_save(*, garage, actor, code: str, text: str) -> GarageLightAdvice | None:
    """The garage's own advice on a light, shown to its customers; empty text removes it."""
    require_role(garage=garage, user=actor, roles=ADVICE_ROLES)
    if catalogue.light_get(code) is None:
        raise ApplicationError(_("This warning light is not in the catalogue."))
    text = text.strip()
    if len(text) > ADVICE_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the advice under %(count)s characters.") % {"count": ADVICE_MAX_LENGTH},
            field="text",
        )
    if not text:
        GarageLightAdvice.objects.filter(garage=garage, light_code=code).delete()
        return None
    advice, _created = GarageLightAdvice.objects.update_or_create(
        garage=garage, light_code=code, defaults={"text": text, "updated_by": actor}
    )
    return advice


NOTE_MIN_SEARCH = 12


def owner_appointments_erase(*, user, now) -> list[str]:
    """The owner deleted their account (accounts.services.on_account_deleted): their open
    requests are cancelled without an email (the garage is told the owner left), and the notes
    they typed go from every appointment of theirs; the garage keeps when and what for."""
    appointments = Appointment.objects.filter(owner=user)
    # A note is looked for in the garage's emails only when it is long enough to be its own
    # ("APK" would match every APK email); short ones say nothing about the person.
    texts = [n for n in appointments.values_list("note", flat=True) if len(n) >= NOTE_MIN_SEARCH]
    open_requests = appointments.filter(state__in=OPEN_STATES)
    for garage_id in set(open_requests.values_list("garage_id", flat=True)):
        dashboard_summary_changed(garage_id)
    open_requests.update(state=Appointment.State.CANCELLED, cancelled_at=now, updated_at=now)
    appointments.exclude(note="").update(note="", updated_at=now)
    return texts
