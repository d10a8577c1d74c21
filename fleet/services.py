"""Fleet accounts: setting one up, its managers, and which cars are in it (with a record of
every link and unlink)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import user_create_invited
from autopaspoort import roles
from autopaspoort.models import Passport
from autopaspoort.services import passport_create
from core.emails import normalize_email
from core.errors import ApplicationError
from core.shared_cache import places_forget
from core.text import single_stop
from fleet.models import FleetAccount, FleetLink, FleetLinkRequest, FleetMembership
from garage.access import has_role, require_role
from garage.models import Membership
from notifications.models import Notification
from notifications.services import notification_queue


def is_fleet_manager(*, fleet: FleetAccount, user) -> bool:
    return FleetMembership.objects.filter(fleet=fleet, user=user).exists()


def _may_manage(*, fleet: FleetAccount, actor) -> bool:
    """Managers of the fleet, admins of a garage that services it, and support."""
    if actor.is_staff and actor.has_perm("fleet.change_fleetaccount"):
        return True
    if is_fleet_manager(fleet=fleet, user=actor):
        return True
    return Membership.objects.filter(
        user=actor, role=Membership.Role.ADMIN, garage__serviced_fleets=fleet
    ).exists()


@transaction.atomic
def fleet_manager_invite(*, fleet: FleetAccount, actor, email: str, full_name: str = ""):
    """Make someone a manager of the fleet. Someone new sets a password from the email."""
    if not _may_manage(fleet=fleet, actor=actor):
        raise PermissionDenied
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is not None and FleetMembership.objects.filter(fleet=fleet, user=user).exists():
        raise ApplicationError(_("This person already manages this fleet."), field="manager_email")
    if user is None:
        user = user_create_invited(email=email, full_name=full_name)
    membership = FleetMembership.objects.create(fleet=fleet, user=user, invited_by=actor)
    places_forget([user.pk])
    with translation.override(user.language):
        context = {"fleet_name": fleet.name, "invited_by": actor.get_full_name()}
    kind = (
        Notification.Kind.FLEET_ADDED
        if user.is_active and user.has_usable_password()
        else Notification.Kind.FLEET_INVITE
    )
    notification_queue(kind=kind, recipient=user.email, user=user, context=context)
    return membership


@transaction.atomic
def fleet_create(
    *,
    garage,
    actor,
    name: str,
    email: str,
    manager_email: str,
    manager_name: str = "",
    kvk_number: str = "",
) -> FleetAccount:
    """A business customer's fleet, serviced by `garage`, with its first manager invited."""
    require_role(garage=garage, user=actor, roles=[Membership.Role.ADMIN])
    fleet = FleetAccount(
        name=name,
        email=normalize_email(email),
        kind=FleetAccount.Kind.BUSINESS,
        kvk_number=kvk_number,
    )
    fleet.full_clean(exclude=["garages", "stock_of"])
    fleet.save()
    fleet.garages.add(garage)
    fleet_manager_invite(fleet=fleet, actor=actor, email=manager_email, full_name=manager_name)
    return fleet


def stock_fleet_for(*, garage) -> FleetAccount:
    """The garage's own stock fleet (for its sales department): made with the garage (this
    runs as a `garage_create` hook), and found again by every later call."""
    fleet, created = FleetAccount.objects.get_or_create(
        stock_of=garage,
        defaults={
            "name": f"{garage.name} (voorraad)",  # stored once: not in a passing UI language
            "email": garage.email,
            "kind": FleetAccount.Kind.STOCK,
        },
    )
    if created:
        fleet.garages.add(garage)
    return fleet


DRIVER_FIELDS = ("driver_name", "driver_email", "driver_phone")


def _lock(passport) -> Passport:
    return (
        Passport.objects.select_for_update(of=("self",))
        .select_related("garage", "fleet")
        .get(pk=passport.pk)
    )


def close_link(*, passport: Passport, actor, now=None) -> None:
    """End the car's current fleet period (the caller holds the passport lock). The driver
    stays with the period it was set in, not with the car."""
    now = now or timezone.now()
    FleetLink.objects.filter(passport=passport, unlinked_at__isnull=True).update(
        unlinked_at=now,
        unlinked_by=actor,
        **{field: getattr(passport, field) for field in DRIVER_FIELDS},
    )
    passport.fleet = None
    for field in DRIVER_FIELDS:
        setattr(passport, field, "")
    passport.save(update_fields=["fleet", *DRIVER_FIELDS, "updated_at"])


def owner_consents_by_being(*, passport: Passport, fleet: FleetAccount) -> bool:
    """May the car join `fleet` without asking anyone? Only when the garage owns it (stock) or
    the fleet's business does (its owner is the fleet's own address or one of its managers).
    A private person's car needs that person's consent (`fleet_link_request`)."""
    if passport.is_stock:
        return True
    owner = passport.owner
    return owner is not None and (
        owner.email == normalize_email(fleet.email) or is_fleet_manager(fleet=fleet, user=owner)
    )


def needs_owner_consent(*, passport: Passport) -> bool:
    """Is the car a person's, so that any fleet but their own business's must ask them? (The
    details page offers "ask the owner" instead of "link" then.)"""
    return not passport.is_stock


def _check_linkable(*, passport: Passport, fleet: FleetAccount, actor) -> None:
    """What a garage's link or link request must meet (the caller holds the passport lock)."""
    require_role(garage=passport.garage, user=actor, roles=roles.TRANSFER)
    if not fleet.garages.filter(pk=passport.garage_id).exists():
        raise ApplicationError(
            single_stop(
                _("Your garage does not service the fleet %(fleet)s.") % {"fleet": fleet.name}
            ),
            field="fleet",
        )
    if passport.fleet_id == fleet.pk:
        raise ApplicationError(
            single_stop(
                _("%(plate)s is already in %(fleet)s.")
                % {"plate": passport.plate, "fleet": fleet.name}
            ),
            field="fleet",
        )
    if passport.fleet_id:
        raise ApplicationError(
            single_stop(
                _("%(plate)s is in the fleet %(fleet)s. Unlink it first.")
                % {"plate": passport.plate, "fleet": passport.fleet.name}
            ),
            field="fleet",
        )
    if passport.is_owner_left:
        raise ApplicationError(
            _(
                "The owner of %(plate)s left AutoPaspoort: nobody can agree to a fleet now. "
                "Transfer the car to its new owner first."
            )
            % {"plate": passport.plate},
            field="fleet",
        )
    if passport.transfers.filter(state="awaiting_activation").exists():
        raise ApplicationError(
            _("%(plate)s is waiting for its new owner; link it once the transfer is done.")
            % {"plate": passport.plate},
            field="fleet",
        )


def _open_link(*, passport: Passport, fleet: FleetAccount, actor) -> FleetLink:
    link = FleetLink.objects.create(passport=passport, fleet=fleet, linked_by=actor)
    passport.fleet = fleet
    passport.save(update_fields=["fleet", "updated_at"])
    return link


@transaction.atomic
def fleet_link(*, passport: Passport, fleet: FleetAccount, actor) -> FleetLink:
    """Link a car to a fleet; the garage may only use fleets it services or its stock fleet,
    and only cars it or the fleet's business owns: every entry point (profile, creation, API,
    admin) comes here."""
    passport = _lock(passport)
    _check_linkable(passport=passport, fleet=fleet, actor=actor)
    if not owner_consents_by_being(passport=passport, fleet=fleet):
        raise ApplicationError(
            _(
                "%(plate)s belongs to a private owner: it joins %(fleet)s only if the owner "
                "agrees. Ask the owner instead."
            )
            % {"plate": passport.plate, "fleet": fleet.name},
            field="fleet",
        )
    return _open_link(passport=passport, fleet=fleet, actor=actor)


@transaction.atomic
def fleet_link_request(*, passport: Passport, fleet: FleetAccount, actor) -> FleetLinkRequest:
    """Ask a private owner to let the car join the fleet: a pending request and an email; the
    car joins only when the owner accepts in the portal."""
    passport = _lock(passport)
    _check_linkable(passport=passport, fleet=fleet, actor=actor)
    if owner_consents_by_being(passport=passport, fleet=fleet):
        raise ApplicationError(_("No consent is needed: link the car directly."), field="fleet")
    # A question to an earlier owner died with the sale: it no longer blocks asking the new one.
    FleetLinkRequest.objects.filter(
        passport=passport, state=FleetLinkRequest.State.PENDING
    ).exclude(owner=passport.owner).update(
        state=FleetLinkRequest.State.CANCELLED, answered_at=timezone.now()
    )
    if FleetLinkRequest.objects.filter(
        passport=passport, state=FleetLinkRequest.State.PENDING
    ).exists():
        raise ApplicationError(
            _("The owner of %(plate)s has not answered the previous request yet.")
            % {"plate": passport.plate},
            field="fleet",
        )
    link_request = FleetLinkRequest.objects.create(
        passport=passport, fleet=fleet, owner=passport.owner, requested_by=actor
    )
    notification_queue(
        kind=Notification.Kind.FLEET_LINK_REQUEST,
        recipient=passport.owner.email,
        user=passport.owner,
        context={
            "plate": passport.plate,
            "fleet_name": fleet.name,
            "garage_name": passport.garage.name,
        },
    )
    return link_request


@transaction.atomic
def fleet_link_request_answer(*, link_request: FleetLinkRequest, user, accept: bool):
    """The owner's answer. Only the person who owned the car when asked, and still owns it,
    may answer; accepting links the car as the garage asked."""
    passport = _lock(link_request.passport)
    link_request = FleetLinkRequest.objects.select_for_update().get(pk=link_request.pk)
    if link_request.owner_id != user.pk or passport.owner_id != user.pk:
        raise PermissionDenied
    if link_request.state != FleetLinkRequest.State.PENDING:
        raise ApplicationError(_("This request has already been answered."))
    if accept and passport.fleet_id:
        raise ApplicationError(_("%(plate)s is already in a fleet.") % {"plate": passport.plate})
    # The car moved to a garage that does not service this fleet since the question was asked.
    if accept and not link_request.fleet.garages.filter(pk=passport.garage_id).exists():
        raise ApplicationError(
            _("%(plate)s is now serviced by a garage that does not service this fleet.")
            % {"plate": passport.plate}
        )
    link_request.state = (
        FleetLinkRequest.State.ACCEPTED if accept else FleetLinkRequest.State.DECLINED
    )
    link_request.answered_at = timezone.now()
    link_request.save(update_fields=["state", "answered_at"])
    if accept:
        _open_link(passport=passport, fleet=link_request.fleet, actor=user)
    return link_request


@transaction.atomic
def fleet_unlink(*, passport: Passport, actor) -> None:
    """Take a car out of its fleet: by the servicing garage or by the fleet's manager."""
    passport = _lock(passport)
    if passport.fleet_id is None:
        raise ApplicationError(_("%(plate)s is not in a fleet.") % {"plate": passport.plate})
    if not (
        has_role(garage=passport.garage, user=actor, roles=roles.TRANSFER)
        or is_fleet_manager(fleet=passport.fleet, user=actor)
    ):
        raise PermissionDenied
    close_link(passport=passport, actor=actor)


@transaction.atomic
def fleet_unlink_by_support(*, passport: Passport, reason: str, actor) -> None:
    """Support takes a car out of its fleet (admin), with a reason for the audit record."""
    if not (actor.is_staff and actor.has_perm("fleet.unlink_fleetlink")):
        raise PermissionDenied
    if not reason.strip():
        raise ApplicationError(_("Give the reason for unlinking."), field="reason")
    passport = _lock(passport)
    if passport.fleet_id is None:
        raise ApplicationError(_("%(plate)s is not in a fleet.") % {"plate": passport.plate})
    close_link(passport=passport, actor=actor)


@transaction.atomic
def driver_update(*, passport: Passport, actor, name: str, email: str, phone: str) -> Passport:
    """The fleet manager keeps the driver (bestuurder) of a fleet car up to date."""
    passport = _lock(passport)
    if passport.fleet_id is None or not is_fleet_manager(fleet=passport.fleet, user=actor):
        raise PermissionDenied
    passport.driver_name = name
    passport.driver_email = normalize_email(email) if email else ""
    passport.driver_phone = phone
    passport.save(update_fields=["driver_name", "driver_email", "driver_phone", "updated_at"])
    return passport


def passport_create_linked(*, fleet: FleetAccount | None = None, **fields) -> Passport:
    """A new passport, put in `fleet` at once when one is given (the creation form and the
    API): one transaction, so a refused link leaves no passport behind."""
    if fleet is None:
        return passport_create(**fields)
    with transaction.atomic():
        passport = passport_create(**fields)
        fleet_link(passport=passport, fleet=fleet, actor=fields["actor"])
    passport.fleet = fleet
    return passport


def driver_erase(*, user: User, now) -> list[str]:
    """An account is deleted (accounts.services.on_account_deleted, FleetConfig.ready): where
    the person is a fleet car's driver (now, or in an earlier fleet period) under their login
    email, the driver's details go. Returns the texts that named them."""
    texts: list[str] = []
    blank = dict.fromkeys(DRIVER_FIELDS, "")
    for model in (Passport, FleetLink):
        rows = model.objects.filter(driver_email=user.email)
        texts += [value for row in rows.values_list("driver_name", "driver_phone") for value in row]
        rows.update(**blank)
    return [text for text in texts if text]
