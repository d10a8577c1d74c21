import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from autopaspoort import plates, roles
from autopaspoort.check_reports import check_report_queue
from autopaspoort.maintenance import MAINTENANCE_KINDS, maintenance_due_on_refresh
from autopaspoort.models import (
    GarageHandover,
    GarageMoveRequest,
    HistoryEntry,
    Passport,
    StatusCheck,
    StatusCheckItem,
)
from autopaspoort.selectors import odometer_readings
from autopaspoort.validators import VEHICLE_DATE_VALIDATORS
from autopaspoort.vehicle_data import RDW_FIELDS, apk_expiry_report
from core.emails import normalize_email
from core.errors import ApplicationError
from core.money import format_amount
from core.queueing import enqueue_on_commit
from core.validators import validate_past_date
from garage.access import has_role, require_role
from notifications.models import Notification
from notifications.services import notification_queue

logger = logging.getLogger(__name__)

# The vehicle fields the RDW gives (and the create service takes): one list with the refresh's.
VEHICLE_FIELDS = RDW_FIELDS
OWNER_FIELDS = (
    "owner_name",
    "owner_street",
    "owner_house_number",
    "owner_postcode",
    "owner_city",
    "owner_phone",
    "driver_name",
    "driver_email",
    "driver_phone",
)


def _plate_taken_error(*, garage, plate) -> ApplicationError:
    if Passport.objects.filter(garage=garage, plate=plate).exists():
        return ApplicationError(
            _("Your garage already has an AutoPaspoort for %(plate)s.") % {"plate": plate},
            field="plate",
        )
    return ApplicationError(
        _(
            "%(plate)s already has an AutoPaspoort with another garage or owner. "
            "Ask its owner to have it transferred to you."
        )
        % {"plate": plate},
        field="plate",
    )


def passport_create(
    *,
    garage,
    actor,
    plate: str,
    owner_email: str,
    odometer_km: int | None = None,
    vehicle: dict | None = None,
    **owner_details,
) -> Passport:
    """A new passport. With the garage account's email as owner email it is the garage's stock
    car: linked to the garage and active at once (docs/product.md rule 1). Putting it in a fleet is
    the fleet's business: `fleet.services.passport_create_linked` does both in one transaction.

    Without vehicle data the RDW enrichment task fills it in after commit, never in the request.
    """
    require_role(garage=garage, user=actor, roles=roles.CREATE_PASSPORT)
    plate = plates.normalize(plate)  # ValidationError for the caller's form
    if normalize_email(owner_email) != normalize_email(garage.email):
        raise ApplicationError(
            _(
                "A new AutoPaspoort starts as stock of your garage: use the garage account's "
                "email (%(email)s). Hand the car to its owner afterwards with a transfer."
            )
            % {"email": garage.email},
            field="owner_email",
        )
    # A taken plate is found by the unique index at the insert below, not by a lookup first:
    # callers that looked already (the API's registration) do not pay for a second one.
    vehicle = {key: value for key, value in (vehicle or {}).items() if value not in (None, "")}
    unknown = set(vehicle) - set(VEHICLE_FIELDS) - {"rdw_status"}
    unknown |= set(owner_details) - set(OWNER_FIELDS)  # never drop a field silently
    if unknown:
        raise TypeError(f"Unknown passport fields: {sorted(unknown)}")
    for name, validate in VEHICLE_DATE_VALIDATORS.items():
        if name in vehicle:
            try:
                validate(vehicle[name])  # the same window as the form and the admin
            except ValidationError as error:
                raise ApplicationError(" ".join(error.messages), field=name) from None
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: only the insert's own failure is caught
                passport = _stock_passport(
                    garage=garage,
                    actor=actor,
                    plate=plate,
                    odometer_km=odometer_km,
                    now=now,
                    vehicle=vehicle,
                    **owner_details,
                )
                passport.save(force_insert=True)
        except IntegrityError:
            if not Passport.objects.filter(plate=plate).exists():
                raise  # another rule was broken: not the customer's doing, a bug to see
            # The plate has a passport already (perhaps since a moment ago): say whose.
            raise _plate_taken_error(garage=garage, plate=plate) from None
        if not any(key in vehicle for key in VEHICLE_FIELDS):
            _enqueue_enrichment(passport.pk)
        dashboard_summary_changed(garage.pk)
    return passport


def _stock_passport(
    *, garage, actor, plate: str, odometer_km, now, vehicle: dict | None = None, **owner_details
) -> Passport:
    """What a new stock passport is, for one car and for a batch alike (not saved)."""
    vehicle = vehicle or {}
    return Passport(
        plate=plate,
        garage=garage,
        state=Passport.State.STOCK,
        owner=garage.account_user,
        activated_at=now,
        initial_odometer_km=odometer_km,
        odometer_km=odometer_km,
        odometer_read_on=timezone.localdate(now) if odometer_km is not None else None,
        created_by=actor,
        rdw_checked_at=now if vehicle.get("rdw_status") else None,
        **vehicle,
        **{key: owner_details.get(key, "") for key in OWNER_FIELDS},
    )


def passport_create_many(*, garage, actor, cars: list[dict]) -> list[Passport]:
    """Stock passports for a batch of new plates (a GMS syncing its stock) in one INSERT: each
    car is `{"plate", "odometer_km", "owner_name"}` with the plate already normalised and not
    yet registered. Raises IntegrityError when another request registered one of them
    meanwhile (the whole batch is then rolled back; the caller goes one by one)."""
    require_role(garage=garage, user=actor, roles=roles.CREATE_PASSPORT)
    now = timezone.now()
    rows = [
        _stock_passport(
            garage=garage,
            actor=actor,
            plate=car["plate"],
            odometer_km=car.get("odometer_km"),
            now=now,
            owner_name=car.get("owner_name", ""),
        )
        for car in cars
    ]
    with transaction.atomic():
        created = Passport.objects.bulk_create(rows)
        enqueue_enrichment_many([passport.pk for passport in created])
        dashboard_summary_changed(garage.pk)
    return created


def dashboard_summary_changed(garage_id: int) -> None:
    """The garage's dashboard counts or cost totals change with this transaction: forget the
    cached ones once it commits (a rollback changes nothing)."""
    from autopaspoort.selectors import dashboard_summary_forget

    transaction.on_commit(partial(dashboard_summary_forget, garage_id))


# With the broker down the vehicle data can still be typed in on the profile.
RDW_LOOKUP_LOST = "the vehicle data can be typed in on the profile"


def enqueue_enrichment_many(passport_ids: list[int]) -> None:
    """One task for a batch of new passports (bulk imports), after commit."""
    from autopaspoort.tasks import enrich_passports_from_rdw

    if passport_ids:
        enqueue_on_commit(
            enrich_passports_from_rdw,
            passport_ids,
            label=f"the RDW lookup of {len(passport_ids)} passports",
            recovery=RDW_LOOKUP_LOST,
        )


def _enqueue_enrichment(passport_id: int) -> None:
    from autopaspoort.tasks import enrich_passport_from_rdw

    enqueue_on_commit(
        enrich_passport_from_rdw,
        passport_id,
        label=f"the RDW lookup of passport {passport_id}",
        recovery=RDW_LOOKUP_LOST,
    )


def passport_enrich_from_rdw(*, passport_id: int) -> str | None:
    """Look the car up at the RDW and fill only the empty vehicle fields (never overwrite what a
    person typed). Returns the lookup status (see autopaspoort.rdw), None if there is no such
    passport. The HTTP call happens outside any transaction."""
    from autopaspoort import rdw

    plate = Passport.objects.filter(pk=passport_id).values_list("plate", flat=True).first()
    if plate is None:
        return None
    result = rdw.lookup(plate)
    if result.status == rdw.DISABLED:
        return result.status
    status = {
        rdw.FOUND: Passport.RdwStatus.FOUND,
        rdw.NOT_FOUND: Passport.RdwStatus.NOT_FOUND,
    }.get(result.status, Passport.RdwStatus.UNAVAILABLE)
    with transaction.atomic():
        passport = Passport.objects.select_for_update().get(pk=passport_id)
        changed = ["rdw_status", "rdw_checked_at", "updated_at"]
        passport.rdw_status = status
        passport.rdw_checked_at = timezone.now()
        if result.vehicle is not None:
            for field, value in vehicle_fields(result.vehicle).items():
                if value and not getattr(passport, field):
                    setattr(passport, field, value)
                    changed.append(field)
        passport.save(update_fields=changed)
    return result.status


def vehicle_fields(vehicle) -> dict:
    """An RDW VehicleData as Passport field values."""
    return {
        "make": vehicle.make,
        "model": vehicle.model,
        "colour": vehicle.colour,
        "fuel": vehicle.fuel,
        "first_admission": vehicle.first_admission,
        "apk_expires": vehicle.apk_expires,
        "rdw_odometer_judgement": vehicle.odometer_judgement,
    }


def _check_odometer(*, passport: Passport, on: date, km: int, correction_reason: str) -> bool:
    """Is `km` on day `on` consistent with the car's other readings (the RDW's "logisch")?

    Returns True if it is. A reading that is lower than an earlier one, or higher than a later
    one, is only accepted with a correction reason; it then returns False.
    """
    readings = odometer_readings(passport=passport)
    earlier_max = max((r_km for r_day, r_km in readings if r_day <= on), default=None)
    later_min = min((r_km for r_day, r_km in readings if r_day > on), default=None)
    consistent = (earlier_max is None or km >= earlier_max) and (
        later_min is None or km <= later_min
    )
    if consistent:
        return True
    if not correction_reason.strip():
        reference = earlier_max if earlier_max is not None and km < earlier_max else later_min
        raise ApplicationError(
            _(
                "%(km)s km does not fit the earlier readings of this car (%(reference)s km). "
                "If the odometer really shows this, give the reason for the correction."
            )
            % {
                "km": number_format(km, force_grouping=True),
                "reference": number_format(reference, force_grouping=True),
            },
            field="odometer_km",
        )
    return False


def _record_reading(*, passport: Passport, on: date, km: int, logical: bool) -> None:
    fields = ["updated_at"]
    if passport.odometer_read_on is None or on >= passport.odometer_read_on:
        passport.odometer_km, passport.odometer_read_on = km, on
        fields += ["odometer_km", "odometer_read_on"]
    if not logical and passport.odometer_logical:
        passport.odometer_logical = False
        fields.append("odometer_logical")
    passport.save(update_fields=fields)


@dataclass(frozen=True)
class CheckItemInput:
    component: str
    rating: str
    estimated_cost: Decimal = Decimal("0.00")
    note: str = ""
    description: str = ""
    tread_depth_mm: Decimal | None = None
    fix_before_delivery: bool = False


@transaction.atomic
def status_check_record(
    *,
    passport: Passport,
    actor,
    odometer_km: int,
    items: list[CheckItemInput],
    notes: str = "",
    corrects: StatusCheck | None = None,
    odometer_correction_reason: str = "",
) -> StatusCheck:
    """Save a status check (an inspection report: never edited afterwards) and make it the
    car's latest, which is where expected and delivery costs come from."""
    require_role(garage=passport.garage, user=actor, roles=roles.RECORD_CHECK)
    passport = Passport.objects.select_for_update().get(pk=passport.pk)
    if not items:
        raise ApplicationError(_("A status check needs at least one item."))
    if corrects is not None and corrects.passport_id != passport.pk:
        raise ApplicationError(_("A correction must be for a check of the same car."))
    today = timezone.localdate()
    logical = _check_odometer(
        passport=passport,
        on=today,
        km=odometer_km,
        # A correction is judged like any other reading: the reading it corrects was recorded
        # and stays in the series, so lowering it needs a reason and makes the series "not
        # logical" (a rollback must never pass as a typo fix).
        correction_reason=odometer_correction_reason,
    )
    # Planning repairs before delivery is the garage's decision (admin/sales), not the mechanic's.
    may_plan = passport.is_stock and has_role(
        garage=passport.garage, user=actor, roles=roles.MARK_FOR_DELIVERY
    )
    check = StatusCheck.objects.create(
        passport=passport,
        garage=passport.garage,
        performed_by=actor,
        odometer_km=odometer_km,
        odometer_correction_reason=odometer_correction_reason.strip(),
        notes=notes,
        corrects=corrects,
    )
    rows = [
        StatusCheckItem(
            status_check=check,
            component=item.component,
            description=item.description,
            rating=item.rating,
            tread_depth_mm=item.tread_depth_mm,
            estimated_cost=item.estimated_cost,
            note=item.note,
            fix_before_delivery=item.fix_before_delivery and may_plan,
        )
        for item in items
    ]
    for row in rows:
        row.fix_before_delivery = row.fix_before_delivery and row.needs_work  # nothing to fix
    StatusCheckItem.objects.bulk_create(rows)
    passport.latest_check = check
    passport.save(update_fields=["latest_check", "updated_at"])
    dashboard_summary_changed(passport.garage_id)
    _record_reading(passport=passport, on=today, km=odometer_km, logical=logical)
    check_report_queue(passport=passport, check=check, items=rows)
    return check


@transaction.atomic
def check_item_set_delivery(*, item: StatusCheckItem, actor, fix_before_delivery: bool):
    """The garage decides which findings it fixes before handing over a stock car. This is the
    garage's plan, not part of the mechanic's report, so it may change after the check."""
    require_role(
        garage=item.status_check.passport.garage, user=actor, roles=roles.MARK_FOR_DELIVERY
    )
    passport = Passport.objects.select_for_update().get(pk=item.status_check.passport_id)
    if not passport.is_stock:
        raise ApplicationError(_("Delivery costs only apply to stock cars."))
    if passport.latest_check_id != item.status_check_id:
        raise ApplicationError(_("Only items of the latest status check can be planned."))
    if fix_before_delivery and not item.needs_work:
        raise ApplicationError(
            _("%(item)s is rated OK at %(amount)s: there is nothing to fix before delivery.")
            % {"item": item.label, "amount": format_amount(0)}
        )
    item.fix_before_delivery = fix_before_delivery
    item.save(update_fields=["fix_before_delivery"])
    dashboard_summary_changed(passport.garage_id)
    return item


@transaction.atomic
def history_entry_add(
    *,
    passport: Passport,
    actor,
    kind: str,
    on: date,
    odometer_km: int,
    description: str,
    cost: Decimal = Decimal("0.00"),
    odometer_correction_reason: str = "",
    external_id: str = "",
    apk_expires: date | None = None,
    return_created: bool = False,
):
    """Add work done to the car's history. With an `external_id` (a GMS's order id) a resent
    order returns the entry it made before instead of adding it twice. An APK entry may bring
    the new APK expiry date: the passport shows it at once, as reported by the garage."""
    require_role(garage=passport.garage, user=actor, roles=roles.ADD_HISTORY)
    passport = Passport.objects.select_for_update().get(pk=passport.pk)
    if external_id:
        existing = HistoryEntry.objects.filter(passport=passport, external_id=external_id).first()
        if existing is not None:
            return (existing, False) if return_created else existing
    try:
        validate_past_date(on)  # the one date rule for the dashboard and the API
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="date") from None
    if apk_expires is not None and kind != HistoryEntry.Kind.APK:
        raise ApplicationError(
            _("Only an APK entry sets the APK expiry date."), field="apk_expires"
        )
    if apk_expires is not None and apk_expires <= on:
        raise ApplicationError(
            _("The new APK expiry date comes after the date of the APK."), field="apk_expires"
        )
    logical = _check_odometer(
        passport=passport, on=on, km=odometer_km, correction_reason=odometer_correction_reason
    )
    entry = HistoryEntry.objects.create(
        passport=passport,
        garage=passport.garage,
        kind=kind,
        date=on,
        odometer_km=odometer_km,
        odometer_correction_reason=odometer_correction_reason.strip(),
        description=description,
        cost=cost,
        created_by=actor,
        external_id=external_id,
    )
    _record_reading(passport=passport, on=on, km=odometer_km, logical=logical)
    if kind in MAINTENANCE_KINDS:  # a service moves the next one (checks wait for the night)
        maintenance_due_on_refresh(
            Passport.objects.filter(pk=passport.pk), today=timezone.localdate()
        )
    if apk_expires is not None:
        apk_expiry_report(passport=passport, actor=actor, expires=apk_expires)
    return (entry, True) if return_created else entry


# --- Moving a customer's car to another garage (the owner decides) -------------------------------


def garage_move_refusal(*, passport: Passport, garage) -> str:
    """Why `garage` cannot ask this car's owner to move it there ("" when it can). Stock and
    fleet cars are their garage's or fleet manager's to hand over, never asked for."""
    if passport.garage_id == garage.pk:
        return _("%(plate)s is already serviced by your garage.") % {"plate": passport.plate}
    if passport.is_stock:
        return _("%(plate)s is another garage's stock car: only that garage can transfer it.") % {
            "plate": passport.plate
        }
    if passport.fleet_id:
        return _(
            "%(plate)s belongs to a business fleet: its fleet manager decides where it is serviced."
        ) % {"plate": passport.plate}
    if passport.owner_id is None or not passport.is_active:
        return _(
            "%(plate)s has no owner account yet: its owner can be asked once they have "
            "activated their account."
        ) % {"plate": passport.plate}
    return ""


# After an owner declines, the same garage may ask that owner again only after this long.
MOVE_ASK_AGAIN_AFTER = timedelta(days=30)


def _move_lock(passport_id: int) -> Passport:
    # No joins in the locking query: once a concurrent move commits, PostgreSQL re-checks the
    # locked row against the joined garage row it read before, which no longer matches, and
    # the car would vanish from the query (DoesNotExist) instead of being found moved.
    return Passport.objects.select_for_update().get(pk=passport_id)


@transaction.atomic
def garage_move_request(*, passport: Passport, garage, actor):
    """Garage B asks the owner to let it service the car: a pending request, an email and a
    prompt in the portal. Asking again while the owner has not answered changes nothing."""
    require_role(garage=garage, user=actor, roles=roles.REQUEST_MOVE)
    passport = _move_lock(passport.pk)
    refusal = garage_move_refusal(passport=passport, garage=garage)
    if refusal:
        raise ApplicationError(refusal)
    pending = GarageMoveRequest.objects.filter(
        passport=passport, to_garage=garage, state=GarageMoveRequest.State.PENDING
    )
    # A question to an earlier owner (or about an earlier garage) died with that change.
    pending.exclude(owner=passport.owner, from_garage=passport.garage).update(
        state=GarageMoveRequest.State.CANCELLED, decided_at=timezone.now()
    )
    existing = pending.first()
    if existing is not None:
        return existing
    # The owner said no: the garage does not ask the same person again for a while.
    declined = (
        GarageMoveRequest.objects.filter(
            passport=passport,
            to_garage=garage,
            owner=passport.owner,
            state=GarageMoveRequest.State.DECLINED,
            decided_at__gte=timezone.now() - MOVE_ASK_AGAIN_AFTER,
        )
        .order_by("-decided_at")
        .first()
    )
    if declined is not None:
        raise ApplicationError(
            _("The owner of %(plate)s declined on %(day)s. You can ask again after %(again)s.")
            % {
                "plate": passport.plate,
                "day": date_format(timezone.localdate(declined.decided_at)),
                "again": date_format(
                    timezone.localdate(declined.decided_at + MOVE_ASK_AGAIN_AFTER)
                ),
            }
        )
    move_request = GarageMoveRequest.objects.create(
        passport=passport,
        from_garage=passport.garage,
        to_garage=garage,
        owner=passport.owner,
        requested_by=actor,
    )
    notification_queue(
        kind=Notification.Kind.GARAGE_MOVE_REQUEST,
        recipient=passport.owner.email,
        user=passport.owner,
        context={
            "plate": passport.plate,
            "garage_name": garage.name,
            "current_garage_name": passport.garage.name,
            "car_url": settings.SITE_URL + reverse("portal:car", kwargs={"plate": passport.plate}),
        },
    )
    return move_request


@transaction.atomic
def garage_move_decide(*, move_request, user, accept: bool):
    """The owner's answer. Accepting makes the asking garage the servicing one and records
    the handover, so the garage the car left keeps a read-only view up to that moment. The
    passport lock makes a second acceptance (another tab, a double click) find it answered."""
    passport = _move_lock(move_request.passport_id)
    move_request = (
        GarageMoveRequest.objects.select_for_update()
        .select_related("to_garage__account_user")
        .get(pk=move_request.pk)
    )
    if move_request.owner_id != user.pk or passport.owner_id != user.pk:
        raise PermissionDenied
    if move_request.state != GarageMoveRequest.State.PENDING:
        raise ApplicationError(_("This request has already been answered."))
    to_garage = move_request.to_garage
    if accept:
        refusal = garage_move_refusal(passport=passport, garage=to_garage)
        if not refusal and passport.garage_id != move_request.from_garage_id:
            refusal = _("%(plate)s has moved to another garage since.") % {"plate": passport.plate}
        if refusal:
            raise ApplicationError(refusal)
    now = timezone.now()
    move_request.state = (
        GarageMoveRequest.State.ACCEPTED if accept else GarageMoveRequest.State.DECLINED
    )
    move_request.decided_at = now
    move_request.save(update_fields=["state", "decided_at"])
    if accept:
        from_garage_id = passport.garage_id
        GarageHandover.objects.create(
            passport=passport,
            from_garage_id=from_garage_id,
            to_garage=to_garage,
            move_request=move_request,
        )
        passport.garage = to_garage
        passport.save(update_fields=["garage", "updated_at"])
        # Other garages' questions were about the garage the car has left.
        GarageMoveRequest.objects.filter(
            passport=passport, state=GarageMoveRequest.State.PENDING
        ).update(state=GarageMoveRequest.State.CANCELLED, decided_at=now)
        dashboard_summary_changed(from_garage_id)
        dashboard_summary_changed(to_garage.pk)
    notification_queue(
        kind=Notification.Kind.GARAGE_MOVE_ANSWERED,
        recipient=to_garage.email,
        user=to_garage.account_user,
        context={
            "plate": passport.plate,
            "garage_name": to_garage.name,
            "accepted": accept,
            "car_url": settings.SITE_URL + passport.get_absolute_url() if accept else "",
        },
    )
    return move_request
