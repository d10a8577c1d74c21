"""Fleet accounts: setting one up, its managers, and which cars are in it (with a record of
every link and unlink)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User, normalize_email
from accounts.services import user_create_invited
from autopaspoort import roles
from autopaspoort.models import Passport
from core.errors import ApplicationError
from fleet.models import FleetAccount, FleetLink, FleetMembership
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
    """The garage's own stock fleet (for its sales department), made on first use."""
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


def fleets_for_linking(*, garage):
    """The fleets a garage may link its cars to: those it services and its own stock fleet."""
    stock_fleet_for(garage=garage)
    return FleetAccount.objects.filter(garages=garage).order_by("kind", "name")


def _lock(passport) -> Passport:
    return (
        Passport.objects.select_for_update(of=("self",))
        .select_related("garage", "fleet")
        .get(pk=passport.pk)
    )


def close_link(*, passport: Passport, actor, now=None) -> None:
    """End the car's current fleet period (the caller holds the passport lock)."""
    now = now or timezone.now()
    FleetLink.objects.filter(passport=passport, unlinked_at__isnull=True).update(
        unlinked_at=now, unlinked_by=actor
    )
    passport.fleet = None
    passport.save(update_fields=["fleet", "updated_at"])


@transaction.atomic
def fleet_link(*, passport: Passport, fleet: FleetAccount, actor) -> FleetLink:
    """Link a car to a fleet; the garage may only use fleets it services or its stock fleet."""
    passport = _lock(passport)
    require_role(garage=passport.garage, user=actor, roles=roles.TRANSFER)
    if not fleet.garages.filter(pk=passport.garage_id).exists():
        raise ApplicationError(
            _("Your garage does not service the fleet %(fleet)s.") % {"fleet": fleet.name},
            field="fleet",
        )
    if passport.fleet_id == fleet.pk:
        raise ApplicationError(
            _("%(plate)s is already in %(fleet)s.")
            % {"plate": passport.plate, "fleet": fleet.name},
            field="fleet",
        )
    if passport.fleet_id:
        raise ApplicationError(
            _("%(plate)s is in the fleet %(fleet)s. Unlink it first.")
            % {"plate": passport.plate, "fleet": passport.fleet.name},
            field="fleet",
        )
    if passport.transfers.filter(state="awaiting_activation").exists():
        raise ApplicationError(
            _("%(plate)s is waiting for its new owner; link it once the transfer is done.")
            % {"plate": passport.plate},
            field="fleet",
        )
    link = FleetLink.objects.create(passport=passport, fleet=fleet, linked_by=actor)
    passport.fleet = fleet
    passport.save(update_fields=["fleet", "updated_at"])
    return link


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
