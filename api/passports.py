"""The GMS API's endpoints (`/api/v1/passports...`): the contract external garage management
systems code against.

Thin like every view: input shape here, rules in the same services the dashboard uses
(`transfers.services.passport_register*`, `autopaspoort.services.history_entry_add`).
Operation ids are named explicitly: they are part of the published schema.
"""

import base64
import binascii
from datetime import UTC, datetime
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import Query, Router
from ninja.responses import Status
from pydantic import ValidationError as PydanticValidationError

from api.errors import ApiError, error_detail, problem_fields
from api.schemas import (
    ERRORS,
    BulkIn,
    BulkOut,
    HistoryIn,
    HistoryOut,
    OwnerIn,
    PassportIn,
    PassportOut,
    PassportPageOut,
)
from autopaspoort import plates
from autopaspoort.models import HistoryEntry, Passport
from autopaspoort.services import history_entry_add
from core.errors import ApplicationError
from fleet.models import FleetAccount
from fleet.selectors import fleet_serviced_get
from transfers import selectors as transfer_selectors
from transfers.models import Transfer
from transfers.services import (
    OwnerContact,
    RegistrationOutcome,
    passport_register,
    passport_register_many,
)

router = Router(tags=["passports"])

HISTORY_KINDS = {
    "maintenance": HistoryEntry.Kind.SMALL_SERVICE,
    "repair": HistoryEntry.Kind.REPAIR,
    "apk": HistoryEntry.Kind.APK,
    "tyres": HistoryEntry.Kind.TYRES,
    "other": HistoryEntry.Kind.OTHER,
}
KIND_NAMES = {value: key for key, value in HISTORY_KINDS.items()}
KIND_NAMES[HistoryEntry.Kind.LARGE_SERVICE] = "maintenance"
BIGINT_LIMIT = 2**63


# --- Representation ---------------------------------------------------------------------------


def represent(passport: Passport) -> dict:
    """A passport as the GMS sees it. The owner's email only while it is the garage's own stock
    or a transfer by this garage still awaits activation (`open_transfer_email`)."""
    owner_email = None
    if passport.is_stock:
        owner_email = passport.contact_email  # the garage's login, never a stored copy
    elif getattr(passport, "open_transfer_email", None):
        owner_email = passport.open_transfer_email
    return {
        "plate": passport.plate,
        "state": passport.state,
        "vehicle": {
            "make": passport.make,
            "model": passport.model,
            "fuel": passport.fuel,
            "colour": passport.colour,
            "first_registration": passport.first_admission,
            "apk_expires": passport.apk_expires,
        },
        "odometer_km": passport.odometer_km,
        "owner": {"email": owner_email} if owner_email else None,
        "fleet_id": passport.fleet_id,
        "created_at": passport.created_at,
        "updated_at": passport.updated_at,
    }


def _reload(garage, passport: Passport) -> Passport:
    """The passport with what the representation needs (after a service changed it)."""
    return transfer_selectors.api_passports(garage=garage).get(pk=passport.pk)


def _passport(garage, plate: str) -> Passport:
    try:
        canonical = plates.normalize(plate)
    except DjangoValidationError:
        raise Http404 from None
    passport = transfer_selectors.api_passports(garage=garage).filter(plate=canonical).first()
    if passport is None:
        raise Http404
    return passport


def _fleet(garage, fleet_id: int | None) -> FleetAccount | None:
    if fleet_id is None:
        return None
    fleet = fleet_serviced_get(garage=garage, fleet_id=fleet_id)
    if fleet is None:
        raise ApiError(
            400,
            "invalid_fleet",
            "Unknown fleet_id for this garage.",
            {"fleet_id": ["Not a fleet this garage services."]},
        )
    return fleet


def _contact(owner: OwnerIn) -> OwnerContact:
    return OwnerContact(**owner.dict())


# The services say what became of a plate; HTTP is this entry point's business.
REGISTRATION_STATUS = {
    RegistrationOutcome.CREATED: 201,
    RegistrationOutcome.EXISTING: 200,
    RegistrationOutcome.INVALID_PLATE: 400,
    RegistrationOutcome.PLATE_TAKEN: 409,
    RegistrationOutcome.REFUSED: 400,
}


def _registration_error(registration) -> ApiError:
    outcome = registration.outcome
    field = "owner" if outcome == RegistrationOutcome.REFUSED else "plate"
    return ApiError(
        REGISTRATION_STATUS[outcome],
        outcome.value,
        registration.error,
        {field: [registration.error]},
    )


# --- Endpoints --------------------------------------------------------------------------------


@router.post("/passports", response={200: PassportOut, 201: PassportOut, **ERRORS},
             operation_id="autopaspoort_api_create_passport")  # fmt: skip
@router.post("/passports/", response={200: PassportOut, 201: PassportOut, **ERRORS},
             include_in_schema=False)  # fmt: skip
def create_passport(request, payload: PassportIn):
    """Create a passport (stock when `owner.email` is the garage's account email, otherwise
    handed to that owner). Resending a plate this garage already has returns it with 200."""
    garage = request.garage
    registration = passport_register(
        garage=garage,
        actor=garage.account_user,
        plate=payload.plate,
        owner=_contact(payload.owner),
        odometer_km=payload.odometer_km,
        fleet=_fleet(garage, payload.fleet_id),
        via=Transfer.Via.API,
    )
    if registration.passport is None:
        raise _registration_error(registration)
    return Status(
        REGISTRATION_STATUS[registration.outcome], represent(_reload(garage, registration.passport))
    )


@router.post("/passports/bulk", response={200: BulkOut, **ERRORS},
             operation_id="autopaspoort_api_bulk_create")  # fmt: skip
@router.post("/passports/bulk/", response={200: BulkOut, **ERRORS}, include_in_schema=False)
def bulk_create(request, payload: BulkIn):
    """Up to 1,000 create bodies; one result per item, in order. Each item stands alone."""
    garage = request.garage
    if len(payload.items) > settings.API_BULK_MAX_ITEMS:
        raise ApiError(
            413,
            "too_many_items",
            f"At most {settings.API_BULK_MAX_ITEMS} items per request.",
        )
    results: list[dict | None] = [None] * len(payload.items)
    valid, positions = [], []
    for index, raw in enumerate(payload.items):
        try:
            item = PassportIn.model_validate(raw)
            fleet = _fleet(garage, item.fleet_id)
        except PydanticValidationError as error:
            results[index] = _bulk_error(raw, 400, "invalid_input", problem_fields(error.errors()))
            continue
        except ApiError as error:
            results[index] = _bulk_error(raw, error.status, error.code, error.fields)
            continue
        valid.append(
            {
                "plate": item.plate,
                "owner": _contact(item.owner),
                "odometer_km": item.odometer_km,
                "fleet": fleet,
            }
        )
        positions.append(index)
    registrations = passport_register_many(
        garage=garage, actor=garage.account_user, items=valid, via=Transfer.Via.API
    )
    shown = {
        passport.pk: passport
        for passport in transfer_selectors.api_passports(garage=garage).filter(
            pk__in=[r.passport.pk for r in registrations if r.passport is not None]
        )
    }
    for index, registration in zip(positions, registrations, strict=True):
        passport = shown.get(registration.passport.pk) if registration.passport else None
        results[index] = {
            "status": REGISTRATION_STATUS[registration.outcome],
            "plate": passport.plate if passport else payload.items[index].get("plate"),
            "error": (
                None
                if passport
                else error_detail(
                    registration.outcome.value, registration.error, {"plate": [registration.error]}
                )
            ),
            "passport": represent(passport) if passport else None,
        }
    return Status(200, {"results": results})


def _bulk_error(raw, status, code, fields) -> dict:
    plate = raw.get("plate") if isinstance(raw, dict) else None
    return {
        "status": status,
        "plate": plate if isinstance(plate, str) else None,
        "error": error_detail(code, "The item is not valid.", fields),
        "passport": None,
    }


@router.get("/passports", response={200: PassportPageOut, **ERRORS},
            operation_id="autopaspoort_api_list_passports")  # fmt: skip
@router.get("/passports/", response={200: PassportPageOut, **ERRORS}, include_in_schema=False)
def list_passports(
    request,
    state: Literal["stock", "customer"] | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = Query(None, max_length=200),
):
    """The garage's passports by last change, oldest first: at most 100 per page. Pass
    `next_cursor` back as `cursor` for the next page; `updated_since` for a sync."""
    after = _decode_cursor(cursor) if cursor else None
    page = transfer_selectors.api_passport_page(
        garage=request.garage,
        state=state,
        updated_since=_as_utc(updated_since) if updated_since else None,
        after=after,
    )
    return Status(
        200,
        {
            "results": [represent(passport) for passport in page.passports],
            "next_cursor": _encode_cursor(page.next_after) if page.next_after else None,
        },
    )


def _as_utc(moment: datetime, field: str = "updated_since") -> datetime:
    """Any ISO 8601 moment as UTC; one without an offset is read as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first moment Python knows
        raise ApiError(
            400,
            "invalid_input",
            "The request is not valid.",
            {field: ["The moment is out of range."]},
        ) from None


def _encode_cursor(position) -> str:
    updated_at, pk = position
    return base64.urlsafe_b64encode(f"{updated_at.isoformat()}|{pk}".encode()).decode()


def _decode_cursor(cursor: str):
    try:
        updated_at, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        moment, position = _as_utc(datetime.fromisoformat(updated_at), "cursor"), int(pk)
        if not 0 < position < BIGINT_LIMIT:  # the database could not compare it with an id
            raise ValueError(position)
    except (ValueError, binascii.Error, UnicodeDecodeError, ApiError):
        raise ApiError(
            400,
            "invalid_cursor",
            "The cursor is not valid.",
            {"cursor": ["Pass next_cursor from the previous page as it was."]},
        ) from None
    return moment, position


@router.get("/passports/{plate}", response={200: PassportOut, **ERRORS},
            operation_id="autopaspoort_api_get_passport")  # fmt: skip
@router.get("/passports/{plate}/", response={200: PassportOut, **ERRORS}, include_in_schema=False)
def get_passport(request, plate: str):
    """One passport of this garage, by plate in any spelling; another garage's plate is 404."""
    return Status(200, represent(_passport(request.garage, plate)))


@router.post("/passports/{plate}/history", response={200: HistoryOut, 201: HistoryOut, **ERRORS},
             operation_id="autopaspoort_api_add_history")  # fmt: skip
@router.post("/passports/{plate}/history/", response={200: HistoryOut, 201: HistoryOut, **ERRORS},
             include_in_schema=False)  # fmt: skip
def add_history(request, plate: str, payload: HistoryIn):
    """A workshop order in the car's history. The same `external_id` again returns the
    existing entry with 200: resent orders are not added twice."""
    garage = request.garage
    passport = _passport(garage, plate)
    try:
        entry, created = history_entry_add(
            passport=passport,
            actor=garage.account_user,
            kind=HISTORY_KINDS[payload.kind],
            on=payload.date,
            odometer_km=payload.odometer_km,
            description=payload.description,
            cost=payload.cost_eur,
            external_id=payload.external_id,
            apk_expires=payload.apk_expires,
            return_created=True,
        )
    except ApplicationError as error:
        known = ("odometer_km", "date", "apk_expires")
        field = error.field if error.field in known else "body"
        raise ApiError(400, "refused", error.message, {field: [error.message]}) from None
    return Status(
        201 if created else 200,
        {
            "id": entry.pk,
            "date": entry.date,
            "odometer_km": entry.odometer_km,
            "kind": KIND_NAMES.get(entry.kind, "other"),
            "description": entry.description,
            "cost_eur": f"{entry.cost:.2f}",
            "external_id": entry.external_id,
        },
    )
