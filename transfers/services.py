"""Handing a passport to its new owner (docs/product.md rules 3-8). The dashboard, the fleet,
the API, support and the owner (a private sale) all go through `transfer_confirm`; only
`transfer_cancel` gives a car back before its new owner accepts it."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import erased_email, is_erased, is_pending, user_password_set
from accounts.tokens import activation_token_generator
from autopaspoort import plates, roles
from autopaspoort.models import Passport
from autopaspoort.services import dashboard_summary_changed, passport_create_many
from core.emails import normalize_email
from core.errors import ApplicationError
from core.phones import normalize_phone
from core.queueing import enqueue_on_commit
from core.text import single_stop
from core.validators import normalize_postcode
from fleet.models import FleetMembership
from fleet.services import DRIVER_FIELDS, close_link, is_fleet_manager, passport_create_linked
from garage.access import require_role
from garage.models import Garage
from notifications.models import Notification
from notifications.services import notification_cancel, notification_queue
from transfers.models import EmailCorrection, OwnerContactChange, Transfer

_owner_change_hooks: list[Callable[..., None]] = []


def on_owner_changed(hook: Callable[..., None]) -> None:
    """Register `hook(passport=...)`, run inside `transfer_confirm`'s transaction when the car
    gets a new owner (AppConfig.ready of a higher app: sharing revokes the car's links)."""
    if hook not in _owner_change_hooks:
        _owner_change_hooks.append(hook)


# An owner's contact details besides the email (which only a transfer or a correction sets).
CONTACT_FIELDS = ("name", "street", "house_number", "postcode", "city", "phone")


@dataclass(frozen=True)
class OwnerContact:
    email: str
    name: str = ""
    street: str = ""
    house_number: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""


@dataclass(frozen=True)
class TransferOutcome:
    transfer: Transfer
    already_done: bool  # a repeated confirmation: nothing new happened


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="phone") from None


def _lock_passport(passport_id: int) -> Passport:
    return (
        Passport.objects.select_for_update(of=("self",))
        .select_related("garage__account_user", "fleet", "owner")
        .get(pk=passport_id)
    )


def _same_request(transfer: Transfer | None, *, email: str, contact: OwnerContact, actor) -> bool:
    """Is `transfer` what this (repeated) confirmation already did? Other details for the same
    owner are not a repeat: answering "already done" would silently drop them."""
    return (
        transfer is not None
        and transfer.state != Transfer.State.CANCELLED
        and transfer.email == email
        and transfer.created_by_id == actor.pk
        and all(getattr(transfer, field) == getattr(contact, field) for field in CONTACT_FIELDS)
    )


def _is_pending_account(user: User) -> bool:
    """An account made for a new owner who has not activated yet."""
    return is_pending(user)


def _owner_account(*, email: str, name: str) -> tuple[User, bool]:
    """The account the car goes to, and whether it must be activated (else: accepted)."""
    user = User.objects.filter(email=email).first()
    if user is None:
        # Inactive until activation; no password (set_unusable_password: nothing is hashed).
        user = User.objects.create_user(email=email, password=None, full_name=name, is_active=False)
        return user, True
    return user, _is_pending_account(user)


def _new_owner_notification(
    *, passport: Passport, email: str, new_owner: User, is_new: bool, via: str
) -> Notification:
    """The activation (or "car added") email to the new owner, queued in the outbox; made
    before the transfer row so that row is written once, with its notification."""
    context = {"plate": passport.plate, "garage_name": passport.garage.name}
    if via == Transfer.Via.OWNER:
        context["private_sale"] = True  # the seller, not the garage, handed it over
    kind = Notification.Kind.OWNER_ACTIVATION if is_new else Notification.Kind.CAR_ADDED
    return notification_queue(kind=kind, recipient=email, user=new_owner, context=context)


def _notify_new_owner(*, transfer: Transfer, passport: Passport) -> Notification:
    """A fresh email for an open transfer (a resend or a corrected address)."""
    notification = _new_owner_notification(
        passport=passport,
        email=transfer.email,
        new_owner=transfer.new_owner,
        is_new=transfer.new_owner_is_new,
        via=transfer.via,
    )
    transfer.notification = notification
    transfer.save(update_fields=["notification", "updated_at"])
    return notification


def transfer_refusal(*, passport: Passport, via: str = Transfer.Via.GARAGE) -> str | None:
    """Why this route may not transfer the car, or None. A car in a fleet belongs to the fleet:
    only the fleet (or support) moves it. The close dialog, the profile's buttons, the transfer
    form and the owner's car page ask this before anyone types a thing; `transfer_confirm`
    enforces it."""
    if via == Transfer.Via.OWNER:
        if passport.fleet_id:
            return single_stop(
                _(
                    "%(plate)s is in the fleet of %(fleet)s: only its fleet managers can "
                    "transfer it."
                )
                % {"plate": passport.plate, "fleet": passport.fleet.name}
            )
        if not passport.is_active:
            return _("Confirm that %(plate)s is yours before you transfer it.") % {
                "plate": passport.plate
            }
        return None
    if passport.fleet_id and via not in (Transfer.Via.FLEET, Transfer.Via.SUPPORT):
        return single_stop(
            _(
                "%(plate)s is linked to the fleet account %(fleet)s. Unlink it first, or "
                "transfer it from the fleet account."
            )
            % {"plate": passport.plate, "fleet": passport.fleet.name}
        )
    return None


def _day_in_words(moment, user) -> str:
    """A date as an email says it, in the reader's language: "5 december 2026"."""
    with translation.override(user.language):
        return formats.date_format(timezone.localdate(moment), "DATE_FORMAT")


@dataclass(frozen=True)
class TransferOffer:
    """What a garage page offers for handing this car over, from the same rules the service
    enforces (`roles.TRANSFER` and `transfer_refusal`): every page asks this, none decides alone.
    """

    role_allows: bool  # this member's role hands cars over; if not, no transfer action shows
    refusal: str | None  # why the car cannot be handed over now (shown to who may transfer)
    awaiting_owner: bool  # handed over already: resend or correct that transfer instead

    @property
    def may_start(self) -> bool:
        return self.role_allows and self.refusal is None and not self.awaiting_owner


def transfer_offer(*, passport: Passport, role: str) -> TransferOffer:
    role_allows = role in roles.TRANSFER
    return TransferOffer(
        role_allows=role_allows,
        refusal=transfer_refusal(passport=passport) if role_allows else None,
        awaiting_owner=passport.is_awaiting_activation,
    )


@transaction.atomic
def transfer_confirm(
    *,
    passport: Passport,
    contact: OwnerContact,
    actor,
    via: str = Transfer.Via.GARAGE,
    expected_version: int | None = None,
    reason: str = "",
) -> TransferOutcome:
    """Give the passport to the owner in `contact`; ownership moves now.

    Locks the passport row, so of two concurrent transfers one wins and the other is refused
    (`expected_version` is the owner version the confirming page was showing). A repeated
    confirmation of the same hand-over returns the existing transfer: one transfer, one email.
    The garage account's own email makes the car stock again (a trade-in).
    """
    email = normalize_email(contact.email)
    # Every route (forms, fleet, API, support) stores the phone as E.164 (core.phones).
    contact = replace(contact, phone=_phone(contact.phone))
    passport = _lock_passport(passport.pk)
    last = passport.transfers.order_by("-id").first()
    if expected_version is not None and passport.owner_version != expected_version:
        if _same_request(last, email=email, contact=contact, actor=actor):
            return TransferOutcome(transfer=last, already_done=True)
        if via == Transfer.Via.OWNER:  # the seller in another window, or the garage meanwhile
            raise ApplicationError(
                _(
                    "The owner of %(plate)s was changed a moment ago, perhaps in another "
                    "window. Look under “My cars” before transferring again."
                )
                % {"plate": passport.plate}
            )
        raise ApplicationError(
            _(
                "The owner of %(plate)s was changed by someone else a moment ago. Check the "
                "customer profile before transferring again."
            )
            % {"plate": passport.plate}
        )
    if via == Transfer.Via.GARAGE:
        require_role(garage=passport.garage, user=actor, roles=roles.TRANSFER)
    if via == Transfer.Via.SUPPORT:
        # The admin's "Transfer to a new owner": support staff only, always with a reason.
        if not (actor.is_staff and actor.has_perm("transfers.transfer_as_support")):
            raise PermissionDenied
        if not reason.strip():
            raise ApplicationError(_("Give the reason for the transfer."), field="reason")
    if via == Transfer.Via.FLEET and not (
        passport.fleet_id and is_fleet_manager(fleet=passport.fleet, user=actor)
    ):
        raise PermissionDenied
    if via == Transfer.Via.OWNER and not (
        passport.state == Passport.State.CUSTOMER and passport.owner_id == actor.pk
    ):
        # A private sale is the current owner's own car only (stock is the garage's to sell).
        raise PermissionDenied
    refusal = transfer_refusal(passport=passport, via=via)
    if refusal:
        raise ApplicationError(refusal)
    if passport.owner is not None and passport.owner.email == email:
        if _same_request(last, email=email, contact=contact, actor=actor):
            return TransferOutcome(transfer=last, already_done=True)
        message = (
            _("%(plate)s already belongs to %(email)s.")
            if passport.is_stock
            else _(
                "%(plate)s already belongs to %(email)s. To change their name, address or "
                "phone, use “Edit owner details” on the owner details page."
            )
        )
        raise ApplicationError(message % {"plate": passport.plate, "email": email}, field="email")
    if last is not None and last.is_open:
        raise ApplicationError(
            _(
                "%(plate)s is still waiting for %(email)s to activate. Correct that email "
                "address on the customer profile if it was mistyped."
            )
            % {"plate": passport.plate, "email": last.email}
        )

    now = timezone.now()
    to_stock = email == passport.garage.email
    previous_owner, previous_was_garage = passport.owner, passport.is_stock
    # Kept to give the car back if the transfer is cancelled before the new owner accepts.
    previous_contact = {field: getattr(passport, f"owner_{field}") for field in CONTACT_FIELDS}
    if passport.fleet_id:
        close_link(passport=passport, actor=actor, now=now)  # the car leaves the fleet with it
    new_owner, is_new = (
        (passport.garage.account_user, False)
        if to_stock
        else _owner_account(email=email, name=contact.name)
    )
    notification = (
        None
        if to_stock
        else _new_owner_notification(
            passport=passport, email=email, new_owner=new_owner, is_new=is_new, via=via
        )
    )
    transfer = Transfer.objects.create(
        passport=passport,
        garage=passport.garage,
        notification=notification,
        previous_owner=previous_owner,
        previous_owner_was_garage=previous_was_garage,
        new_owner=new_owner,
        new_owner_is_new=is_new,
        name=contact.name,
        email=email,
        street=contact.street,
        house_number=contact.house_number,
        postcode=contact.postcode,
        city=contact.city,
        phone=contact.phone,
        via=via,
        reason=reason.strip(),
        previous_contact={} if to_stock else previous_contact,  # a trade-in is not cancelled
        state=Transfer.State.COMPLETED if to_stock else Transfer.State.AWAITING_ACTIVATION,
        completed_at=now if to_stock else None,
        created_by=actor,
    )
    passport.owner = new_owner
    passport.state = Passport.State.STOCK if to_stock else Passport.State.CUSTOMER
    passport.activated_at = now if to_stock else None
    passport.owner_left_at = None  # an "owner left" car has an owner again
    passport.owner_version += 1
    for field in CONTACT_FIELDS:  # the passport holds the current owner's profile
        setattr(passport, f"owner_{field}", getattr(contact, field))
    for field in DRIVER_FIELDS:  # the driver belonged to the previous owner
        setattr(passport, field, "")
    passport.save(
        update_fields=[
            "owner",
            "state",
            "activated_at",
            "owner_left_at",
            "owner_version",
            *(f"owner_{field}" for field in CONTACT_FIELDS),
            *DRIVER_FIELDS,
            "updated_at",
        ]
    )
    dashboard_summary_changed(passport.garage_id)
    for hook in _owner_change_hooks:
        hook(passport=passport)
    if previous_owner is not None and not previous_was_garage:
        # A receipt for the person who loses the car, whatever the route (garage, fleet, API,
        # support): plate and date, nothing about the buyer.
        notification_queue(
            kind=Notification.Kind.TRANSFER_RECEIPT,
            recipient=previous_owner.email,
            user=previous_owner,
            context={"plate": passport.plate, "date": _day_in_words(now, previous_owner)},
        )
    if via == Transfer.Via.OWNER:
        _notify_garage(passport=passport, kind=Notification.Kind.GARAGE_PRIVATE_SALE, now=now)
    return TransferOutcome(transfer=transfer, already_done=False)


def _notify_garage(*, passport: Passport, kind: str, now) -> None:
    """Tell the servicing garage what became of one of its customer cars: the plate and the
    date, nothing of any person. Private sale: it stays the servicing garage (its dashboard
    lists the same, `transfers.selectors.private_sales_recent`). Owner left: the car is theirs
    to look after until someone takes it over."""
    garage_user = passport.garage.account_user
    notification_queue(
        kind=kind,
        recipient=garage_user.email,
        user=garage_user,
        context={
            "plate": passport.plate,
            "date": _day_in_words(now, garage_user),
            "garage_name": passport.garage.name,
        },
    )


def _may_cancel(*, transfer: Transfer, passport: Passport, actor) -> bool:
    """Only whoever started a transfer withdraws it: the seller for a private sale, the
    garage's staff with the transfer role for the garage's and its GMS's transfers. A fleet's
    or support's transfer took the car out of a fleet or was a correction: support undoes it."""
    if transfer.via == Transfer.Via.OWNER:
        return transfer.created_by_id == actor.pk
    if transfer.via in (Transfer.Via.GARAGE, Transfer.Via.API):
        require_role(garage=passport.garage, user=actor, roles=roles.TRANSFER)
        return transfer.garage_id == passport.garage_id
    return False


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, actor) -> Transfer:
    """Withdraw an open transfer: the car goes back to whoever had it, the new owner's email
    and link die, and the new owner is told the link is void. Once the new owner has accepted
    (or activated), it is theirs and only a new transfer moves it."""
    passport = _lock_passport(transfer.passport_id)
    transfer = Transfer.objects.select_for_update().select_related("new_owner").get(pk=transfer.pk)
    if not _may_cancel(transfer=transfer, passport=passport, actor=actor):
        raise PermissionDenied
    if transfer.state == Transfer.State.CANCELLED:
        return transfer  # a repeated click: done already, nothing more to send
    if not transfer.is_open or passport.owner_id != transfer.new_owner_id:
        raise ApplicationError(
            _(
                "%(plate)s has been accepted by its new owner: the transfer can no longer be "
                "cancelled."
            )
            % {"plate": passport.plate}
        )
    _cancel_open(transfer=transfer, passport=passport, now=timezone.now())
    return transfer


def _cancel_open(*, transfer: Transfer, passport: Passport, now) -> None:
    """`transfer_cancel`'s work, once who may cancel is settled (also an erased account's)."""
    transfer.state = Transfer.State.CANCELLED
    transfer.cancelled_at = now
    transfer.save(update_fields=["state", "cancelled_at", "updated_at"])
    notification_cancel(notification=transfer.notification)
    buyer = transfer.new_owner
    if (
        _is_pending_account(buyer)
        and not buyer.incoming_transfers.filter(state=Transfer.State.AWAITING_ACTIVATION).exists()
    ):
        # Nothing else waits for this account: a new unusable password kills its link.
        buyer.set_unusable_password()
        buyer.save(update_fields=["password"])
    previous = transfer.previous_owner
    back_to_stock = transfer.previous_owner_was_garage
    owner_left = not back_to_stock and (previous is None or is_erased(previous))
    if back_to_stock:
        passport.owner = passport.garage.account_user
    else:
        # The person it came from, or nobody if they deleted their account meanwhile.
        passport.owner = None if owner_left else previous
    passport.state = Passport.State.STOCK if back_to_stock else Passport.State.CUSTOMER
    passport.activated_at = now
    passport.owner_left_at = (passport.owner_left_at or now) if owner_left else None
    passport.owner_version += 1
    for field in CONTACT_FIELDS:
        setattr(passport, f"owner_{field}", transfer.previous_contact.get(field, ""))
    passport.save(
        update_fields=[
            "owner",
            "state",
            "activated_at",
            "owner_left_at",
            "owner_version",
            *(f"owner_{field}" for field in CONTACT_FIELDS),
            "updated_at",
        ]
    )
    dashboard_summary_changed(passport.garage_id)
    notification_queue(
        kind=Notification.Kind.TRANSFER_CANCELLED,
        recipient=transfer.email,
        user=buyer,
        context={"plate": passport.plate, "date": _day_in_words(now, buyer)},
    )


@transaction.atomic
def owner_contact_update(
    *,
    passport: Passport,
    actor,
    expected_version: int,
    name: str,
    street: str = "",
    house_number: str = "",
    postcode: str = "",
    city: str = "",
    phone: str = "",
) -> OwnerContactChange | None:
    """The garage corrects the current owner's name, address or phone, with an audit record
    (who, when, before, after). Never the email: it stays final once given; support corrects
    it (`transfer_support_correct_email`). `expected_version` is the owner version the page
    showed: details typed for an owner who has since sold the car are refused. Returns None
    when nothing changed."""
    passport = _lock_passport(passport.pk)
    require_role(garage=passport.garage, user=actor, roles=roles.TRANSFER)
    if passport.is_stock:
        raise ApplicationError(
            _(
                "%(plate)s is a stock car of your garage: it has no customer details to change. "
                "Your garage's own details are in the account settings."
            )
            % {"plate": passport.plate}
        )
    if passport.is_owner_left:
        raise ApplicationError(
            _(
                "The owner of %(plate)s left AutoPaspoort: there is no owner whose details could "
                "be changed. Transfer the car when it gets an owner again."
            )
            % {"plate": passport.plate}
        )
    if passport.owner_version != expected_version:
        raise ApplicationError(
            _("%(plate)s changed owner a moment ago. Check the owner details before changing them.")
            % {"plate": passport.plate}
        )
    if postcode:
        try:
            postcode = normalize_postcode(postcode)
        except ValidationError as error:
            raise ApplicationError(" ".join(error.messages), field="postcode") from None
    phone = _phone(phone)
    typed = {
        "name": name,
        "street": street,
        "house_number": house_number,
        "postcode": postcode,
        "city": city,
        "phone": phone,
    }
    changed = [
        field for field in CONTACT_FIELDS if getattr(passport, f"owner_{field}") != typed[field]
    ]
    if not changed:
        return None
    before = {field: getattr(passport, f"owner_{field}") for field in changed}
    for field in changed:
        setattr(passport, f"owner_{field}", typed[field])
    passport.save(update_fields=[*(f"owner_{field}" for field in changed), "updated_at"])
    return OwnerContactChange.objects.create(
        passport=passport,
        owner=passport.owner,
        before=before,
        after={field: typed[field] for field in changed},
        changed_by=actor,
    )


def _complete(transfer: Transfer, *, now) -> None:
    transfer.state = Transfer.State.COMPLETED
    transfer.completed_at = now
    # Nothing gives the car back now: the seller's details are not kept on the buyer's record.
    transfer.previous_contact = {}
    transfer.save(update_fields=["state", "completed_at", "previous_contact", "updated_at"])
    Passport.objects.filter(pk=transfer.passport_id, owner=transfer.new_owner).update(
        activated_at=now, updated_at=now
    )
    dashboard_summary_changed(transfer.passport.garage_id)  # one fewer awaiting activation


@transaction.atomic
def owner_activate(*, user: User, token: str, password: str) -> list[Transfer]:
    """A new owner sets a password: the account becomes active and every car waiting for it
    becomes theirs. The token is checked again under the lock: an email correction that landed
    after the form was shown must win over the link sent to the mistyped address."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ApplicationError(_("This account has already been activated. Log in instead."))
    if not activation_token_generator.check_token(user, token):
        raise ApplicationError(_("This link no longer works. Ask for a new one below."))
    waiting = list(
        Transfer.objects.filter(new_owner=user, state=Transfer.State.AWAITING_ACTIVATION)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    # The one activation every emailed link goes through (a staff or fleet invitation too):
    # it runs transfers_complete_for_activated below.
    user_password_set(user=user, password=password, activate=True)
    return list(Transfer.objects.filter(pk__in=waiting).order_by("id"))


def transfers_complete_for_activated(*, user: User) -> None:
    """An account became active (accounts.services.user_password_set): the cars waiting for
    it are theirs now. Registered in TransfersConfig.ready."""
    now = timezone.now()
    transfers = (
        Transfer.objects.select_for_update()
        .filter(new_owner=user, state=Transfer.State.AWAITING_ACTIVATION)
        .order_by("id")
    )
    for transfer in transfers:
        _complete(transfer, now=now)


@transaction.atomic
def transfer_accept(*, transfer: Transfer, user: User) -> Transfer:
    """An existing owner confirms the car added to their account."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.new_owner_id != user.pk:
        raise ApplicationError(_("This car is not waiting for your account."))
    if transfer.state == Transfer.State.COMPLETED:
        return transfer
    if transfer.state == Transfer.State.CANCELLED:
        raise ApplicationError(_("This transfer was cancelled by whoever started it."))
    _complete(transfer, now=timezone.now())
    return transfer


@transaction.atomic
def transfer_resend_email(*, transfer: Transfer, actor) -> Notification:
    """Send the activation (or "car added") email of an open transfer again."""
    transfer = (
        Transfer.objects.select_for_update().select_related("passport__garage").get(pk=transfer.pk)
    )
    require_role(garage=transfer.passport.garage, user=actor, roles=roles.TRANSFER)
    if not transfer.is_open:
        raise ApplicationError(
            _("The new owner has already activated; there is nothing to resend.")
        )
    notification_cancel(notification=transfer.notification)
    return _notify_new_owner(transfer=transfer, passport=transfer.passport)


def _made_only_for(user: User, *, transfer: Transfer) -> bool:
    """Was `user` made by this transfer, and holds nothing else? Only such an account may be
    renamed to a corrected address: any other car, transfer, garage or fleet role, staff right
    or garage login would pass to whoever owns the corrected address."""
    return (
        transfer.new_owner_is_new
        and not (user.is_staff or user.is_superuser)
        and not user.groups.exists()
        and not user.user_permissions.exists()
        and not user.owned_passports.exclude(pk=transfer.passport_id).exists()
        and not user.incoming_transfers.exclude(pk=transfer.pk).exists()
        and not user.garage_memberships.exists()
        and not FleetMembership.objects.filter(user=user).exists()
        and not Garage.objects.filter(account_user=user).exists()
    )


def _correct_email(*, transfer: Transfer, new_email: str, actor, reason: str, by_support: bool):
    passport = _lock_passport(transfer.passport_id)
    old_email, old_owner = transfer.email, transfer.new_owner
    if passport.owner_id != old_owner.pk:
        raise ApplicationError(_("The car has changed owner since this transfer."))
    now = timezone.now()
    to_stock = new_email == passport.garage.email
    target = User.objects.filter(email=new_email).exclude(pk=old_owner.pk).first()
    if to_stock:
        new_owner, is_new = passport.garage.account_user, False
    elif target is None and _made_only_for(old_owner, transfer=transfer):
        # The account was made for this car: give it the right address. Its old link dies
        # (the token covers the email and password), and whoever got in by mistake is out.
        old_owner.email = new_email
        old_owner.is_active = False
        old_owner.set_unusable_password()
        old_owner.save(update_fields=["email", "is_active", "password"])
        new_owner, is_new = old_owner, True
    else:
        new_owner, is_new = (
            (target, _is_pending_account(target))
            if target is not None
            else _owner_account(email=new_email, name=transfer.name)
        )
    if new_owner.pk != old_owner.pk and _is_pending_account(old_owner):
        # The link sent to the mistyped address must die too: a new unusable password
        # changes what its token was made of.
        old_owner.set_unusable_password()
        old_owner.save(update_fields=["password"])
    notification_cancel(notification=transfer.notification)
    transfer.new_owner, transfer.new_owner_is_new, transfer.email = new_owner, is_new, new_email
    transfer.state = Transfer.State.COMPLETED if to_stock else Transfer.State.AWAITING_ACTIVATION
    transfer.completed_at = now if to_stock else None
    transfer.save(
        update_fields=[
            "new_owner",
            "new_owner_is_new",
            "email",
            "state",
            "completed_at",
            "updated_at",
        ]
    )
    passport.owner = new_owner
    passport.state = Passport.State.STOCK if to_stock else Passport.State.CUSTOMER
    passport.activated_at = now if to_stock else None
    passport.save(update_fields=["owner", "state", "activated_at", "updated_at"])
    dashboard_summary_changed(passport.garage_id)
    EmailCorrection.objects.create(
        transfer=transfer,
        old_email=old_email,
        new_email=new_email,
        reason=reason,
        by_support=by_support,
        corrected_by=actor,
    )
    if not to_stock:
        _notify_new_owner(transfer=transfer, passport=passport)
    return transfer


@transaction.atomic
def transfer_correct_email(*, transfer: Transfer, new_email: str, actor) -> Transfer:
    """The garage fixes a mistyped new-owner email, only until the new owner has activated
    (or, for an existing account, accepted the car)."""
    transfer = Transfer.objects.select_for_update().select_related("new_owner").get(pk=transfer.pk)
    require_role(garage=transfer.garage, user=actor, roles=roles.TRANSFER)
    new_email = normalize_email(new_email)
    if not transfer.is_open:
        raise ApplicationError(
            _(
                "The new owner has already activated, so the email can no longer be changed "
                "here. Ask AutoPaspoort support if it is wrong."
            )
        )
    if transfer.via == Transfer.Via.OWNER:
        # The seller typed the buyer's address: only the seller redoes it (cancel, sell again).
        raise ApplicationError(
            _(
                "The owner transferred this car privately: only they can cancel the transfer "
                "and start it again with the right address."
            )
        )
    if new_email == transfer.email:
        return transfer
    return _correct_email(
        transfer=transfer, new_email=new_email, actor=actor, reason="", by_support=False
    )


@transaction.atomic
def transfer_support_correct_email(
    *, transfer: Transfer, new_email: str, reason: str, actor
) -> Transfer:
    """Support corrects the new owner's email, also after activation (admin only): with a
    reason, an audit record and a fresh activation email to the corrected address."""
    if not (actor.is_staff and actor.has_perm("transfers.correct_transfer_email")):
        raise ApplicationError(_("Only support staff may correct a transferred owner's email."))
    if not reason.strip():
        raise ApplicationError(_("Give the reason for the correction."), field="reason")
    transfer = Transfer.objects.select_for_update().select_related("new_owner").get(pk=transfer.pk)
    new_email = normalize_email(new_email)
    if transfer.passport.transfers.order_by("-id").first().pk != transfer.pk:
        raise ApplicationError(_("Only the latest transfer of a car can be corrected."))
    if new_email == transfer.email:
        raise ApplicationError(
            _("That is the address the transfer already has."), field="new_email"
        )
    return _correct_email(
        transfer=transfer, new_email=new_email, actor=actor, reason=reason.strip(), by_support=True
    )


def activation_resend_request(*, email: str) -> None:
    """'Send me a new link' from an expired activation page. The request only enqueues a task
    for any address (the lookup is in `activation_resend_send`), so neither the page nor its
    timing tells a stranger whether the address has a waiting car."""
    from transfers.tasks import send_activation_again

    normalized = normalize_email(email)
    # Broker down: run here, as for a password reset (accounts.services.password_reset_request).
    enqueue_on_commit(
        send_activation_again,
        normalized,
        fallback=partial(activation_resend_send, email=normalized),
    )


def activation_resend_send(*, email: str) -> Notification | None:
    """The task's half of `activation_resend_request`: a fresh link for the newest car waiting
    for this address, if any."""
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is None or not _is_pending_account(user):
        return None
    transfer = (
        Transfer.objects.filter(new_owner=user, state=Transfer.State.AWAITING_ACTIVATION)
        .select_related("passport__garage")
        .order_by("-id")
        .first()
    )
    if transfer is None:
        return None
    with transaction.atomic():
        notification_cancel(notification=transfer.notification)
        return _notify_new_owner(transfer=transfer, passport=transfer.passport)


class RegistrationOutcome(StrEnum):
    CREATED = "created"
    EXISTING = "existing"  # already this garage's: a resend, not an error
    INVALID_PLATE = "invalid_plate"
    PLATE_TAKEN = "plate_taken"  # another garage's car
    REFUSED = "refused"  # a rule of the transfer or the fleet said no


@dataclass(frozen=True)
class Registration:
    """What became of one plate a GMS sent. The API turns `outcome` into its HTTP status."""

    passport: Passport | None
    outcome: RegistrationOutcome
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in (RegistrationOutcome.CREATED, RegistrationOutcome.EXISTING)


def _require_register(*, garage, actor) -> None:
    """One rule for one car and for a batch: registering needs the role that creating a
    passport needs (PermissionDenied otherwise), even where the batch inserts without
    `passport_create`."""
    require_role(garage=garage, user=actor, roles=roles.CREATE_PASSPORT)


def passport_register(
    *, garage, actor, plate: str, owner: OwnerContact, odometer_km=None, fleet=None, via
) -> Registration:
    """A passport for a plate, as a GMS asks for it: created as stock, and handed to the owner
    with the same transfer as the dashboard when the owner email is not the garage's. Resending
    the same plate returns the existing passport: no duplicate, no second email."""
    _require_register(garage=garage, actor=actor)
    try:
        canonical = plates.normalize(plate)
    except ValidationError as error:
        return Registration(None, RegistrationOutcome.INVALID_PLATE, " ".join(error.messages))
    existing = Passport.objects.filter(plate=canonical).first()
    if existing is not None:
        if existing.garage_id == garage.pk:
            return Registration(existing, RegistrationOutcome.EXISTING)
        return Registration(
            None, RegistrationOutcome.PLATE_TAKEN, _("This plate already has an AutoPaspoort.")
        )
    try:
        with transaction.atomic():
            for_customer = normalize_email(owner.email) != garage.email
            passport = passport_create_linked(
                garage=garage,
                actor=actor,
                plate=canonical,
                owner_email=garage.email,
                odometer_km=odometer_km,
                fleet=fleet,
                **({} if for_customer else {"owner_name": owner.name}),
            )
            if for_customer:
                transfer_confirm(passport=passport, contact=owner, actor=actor, via=via)
    except ApplicationError as error:
        taken = error.field == "plate"
        if taken:
            # Another request of this garage registered the plate between our check and our
            # insert (a GMS retrying, or sending twice at once): the same answer as a resend.
            existing = Passport.objects.filter(plate=canonical, garage=garage).first()
            if existing is not None:
                return Registration(existing, RegistrationOutcome.EXISTING)
        return Registration(
            None,
            RegistrationOutcome.PLATE_TAKEN if taken else RegistrationOutcome.REFUSED,
            error.message,
        )
    passport.refresh_from_db()
    return Registration(passport, RegistrationOutcome.CREATED)


def passport_register_many(*, garage, actor, items: list[dict], via) -> list[Registration]:
    """`passport_register` for a batch (a GMS syncing its stock). Each item stands alone.

    Plates are normalised and deduplicated in memory and looked up in one query; new stock
    cars without a fleet are inserted with one INSERT; only cars for a customer or a fleet go
    through the per-car services (they send email or write link records).
    """
    _require_register(garage=garage, actor=actor)
    results: list[Registration | None] = [None] * len(items)
    canonical: dict[int, str] = {}
    for index, item in enumerate(items):
        try:
            canonical[index] = plates.normalize(item["plate"])
        except ValidationError as error:
            results[index] = Registration(
                None, RegistrationOutcome.INVALID_PLATE, " ".join(error.messages)
            )
    existing = {
        passport.plate: passport
        for passport in Passport.objects.filter(plate__in=set(canonical.values()))
    }
    plain_stock, first_index_of = [], {}
    for index, plate in canonical.items():
        if plate in first_index_of:  # the same plate twice in one batch: one passport
            continue
        first_index_of[plate] = index
        if plate in existing:
            passport = existing[plate]
            results[index] = (
                Registration(passport, RegistrationOutcome.EXISTING)
                if passport.garage_id == garage.pk
                else Registration(
                    None,
                    RegistrationOutcome.PLATE_TAKEN,
                    _("This plate already has an AutoPaspoort."),
                )
            )
        elif normalize_email(items[index]["owner"].email) == garage.email and not items[index].get(
            "fleet"
        ):
            plain_stock.append(index)
        else:
            results[index] = passport_register(
                garage=garage,
                actor=actor,
                plate=plate,
                owner=items[index]["owner"],
                odometer_km=items[index].get("odometer_km"),
                fleet=items[index].get("fleet"),
                via=via,
            )
    if plain_stock:
        cars = [
            {
                "plate": canonical[index],
                "odometer_km": items[index].get("odometer_km"),
                "owner_name": items[index]["owner"].name,
            }
            for index in plain_stock
        ]
        try:
            created = passport_create_many(garage=garage, actor=actor, cars=cars)
        except IntegrityError:
            # Another request registered one of these plates meanwhile: fall back to one by one.
            created = None
        for position, index in enumerate(plain_stock):
            results[index] = (
                Registration(created[position], RegistrationOutcome.CREATED)
                if created is not None
                else passport_register(
                    garage=garage,
                    actor=actor,
                    plate=canonical[index],
                    owner=items[index]["owner"],
                    odometer_km=items[index].get("odometer_km"),
                    via=via,
                )
            )
    for other, plate in canonical.items():
        if results[other] is None:  # a repeat of a plate earlier in the batch
            first = results[first_index_of[plate]]
            results[other] = (
                Registration(first.passport, RegistrationOutcome.EXISTING) if first.ok else first
            )
    return results


# --- AVG: an owner deletes their account (accounts.services.account_delete) -----------------------


def owner_account_erase(*, user: User, now) -> list[str]:
    """Registered with `accounts.services.on_account_deleted` (TransfersConfig.ready), run in
    the deleting transaction. Returns the texts that named the person on passports and
    transfers (for the outbox search).

    - Open transfers to them are cancelled (the car goes back to where it came from), and so
      are the private sales they started (the car is still theirs, so it then leaves below).
    - Each car they own returns to its servicing garage as "owner left" (a customer car
      without an owner, `Passport.owner_left_at`): contact and driver details cleared, out of
      any fleet, share links revoked (the owner-change hooks), pending questions to them
      closed; the garage is emailed. The car's checks and history stay with the car.
    - The records of earlier hand-overs lose their contact details: what was typed for them
      (`Transfer.name/email/address/phone`, email corrections) and what was kept of them
      (`previous_contact`, `OwnerContactChange` values)."""
    from autopaspoort.models import GarageMoveRequest
    from fleet.models import FleetLinkRequest

    texts: list[str] = []
    placeholder = erased_email(user)
    open_ones = Transfer.objects.filter(state=Transfer.State.AWAITING_ACTIVATION).filter(
        Q(new_owner=user) | Q(via=Transfer.Via.OWNER, created_by=user)
    )
    for transfer in open_ones.order_by("id"):
        passport = _lock_passport(transfer.passport_id)
        transfer = (
            Transfer.objects.select_for_update().select_related("new_owner").get(pk=transfer.pk)
        )
        if transfer.is_open and passport.owner_id == transfer.new_owner_id:
            _cancel_open(transfer=transfer, passport=passport, now=now)
    for passport_id in Passport.objects.filter(owner=user).values_list("pk", flat=True):
        passport = _lock_passport(passport_id)
        if passport.is_stock:  # never: a garage's login is refused before the hooks run
            continue
        texts += [passport.owner_name, passport.owner_phone]
        if passport.fleet_id:
            close_link(passport=passport, actor=None, now=now)
        passport.owner = None
        passport.owner_left_at = now
        passport.owner_version += 1
        for field in CONTACT_FIELDS:
            setattr(passport, f"owner_{field}", "")
        for field in DRIVER_FIELDS:
            setattr(passport, field, "")
        passport.save(
            update_fields=[
                "owner",
                "owner_left_at",
                "owner_version",
                *(f"owner_{field}" for field in CONTACT_FIELDS),
                *DRIVER_FIELDS,
                "updated_at",
            ]
        )
        for hook in _owner_change_hooks:
            hook(passport=passport)
        dashboard_summary_changed(passport.garage_id)
        _notify_garage(passport=passport, kind=Notification.Kind.OWNER_LEFT, now=now)
    GarageMoveRequest.objects.filter(owner=user, state=GarageMoveRequest.State.PENDING).update(
        state=GarageMoveRequest.State.CANCELLED, decided_at=now
    )
    FleetLinkRequest.objects.filter(owner=user, state=FleetLinkRequest.State.PENDING).update(
        state=FleetLinkRequest.State.CANCELLED, answered_at=now
    )
    records = Transfer.objects.filter(new_owner=user)
    texts += [value for row in records.values_list("name", "phone") for value in row]
    records.update(
        name="",
        email=placeholder,
        street="",
        house_number="",
        postcode="",
        city="",
        phone="",
        updated_at=now,
    )
    Transfer.objects.filter(previous_owner=user).exclude(previous_contact={}).update(
        previous_contact={}, updated_at=now
    )
    EmailCorrection.objects.filter(transfer__new_owner=user).update(
        old_email=placeholder, new_email=placeholder
    )
    for change in OwnerContactChange.objects.filter(owner=user):
        texts += [str(value) for value in (*change.before.values(), *change.after.values())]
        change.before = dict.fromkeys(change.before, "")
        change.after = dict.fromkeys(change.after, "")
        change.save(update_fields=["before", "after"])
    return [text for text in texts if text]


# --- AVG retention: previous owners' details ----------------------------------------------------

RETENTION_BATCH = 1000


def previous_owners_erase(*, now=None) -> int:
    """Erase what the hand-over records keep of a car's previous owners once the transfer that
    made them previous is older than PREVIOUS_OWNER_RETENTION_DAYS (beat, daily; idempotent).

    A transfer's contact fields are its new owner as typed; when a later transfer of the same
    car completed before the cut-off, that person is a previous owner and the fields go (the
    email too: an erased record has none), with the email corrections of that transfer and the
    record of the garage correcting that owner's details on the car. The transfer itself (car,
    date, route, state) and the car's history stay. Returns the number of transfers erased."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PREVIOUS_OWNER_RETENTION_DAYS)
    handed_on = Transfer.objects.filter(
        passport=OuterRef("passport"),
        id__gt=OuterRef("id"),
        state=Transfer.State.COMPLETED,
        created_at__lte=cutoff,
    )
    erased = 0
    while True:
        ids = list(
            Transfer.objects.filter(Exists(handed_on))
            .exclude(email="")
            .order_by("id")
            .values_list("id", flat=True)[:RETENTION_BATCH]
        )
        if not ids:
            break
        with transaction.atomic():
            erased += Transfer.objects.filter(pk__in=ids).update(
                name="",
                email="",
                street="",
                house_number="",
                postcode="",
                city="",
                phone="",
                previous_contact={},
                updated_at=now,
            )
            EmailCorrection.objects.filter(transfer_id__in=ids).update(old_email="", new_email="")
    left = Transfer.objects.filter(
        passport=OuterRef("passport"),
        previous_owner=OuterRef("owner"),
        state=Transfer.State.COMPLETED,
        created_at__lte=cutoff,
    )
    OwnerContactChange.objects.filter(Exists(left)).exclude(before={}, after={}).exclude(
        passport__owner=F("owner")  # theirs again (bought back): still the current owner's
    ).update(before={}, after={})
    return erased
