"""The car's vehicle data (make, model, colour, fuel, dates, VIN): who may change it, and how
the garage's corrections and the RDW's data live side by side.

Three writers, one module:
- the garage corrects a field by hand (`vehicle_data_update`): the value is marked "garage" and
  the RDW refresh no longer overwrites it;
- an APK history entry reports the new APK expiry (`apk_expiry_report`): marked "apk_entry"
  until the RDW shows the same or a later date;
- the RDW refresh (`vehicle_data_apply_rdw`) writes every field that is not the garage's; where
  the RDW disagrees with a correction it keeps both and the garage chooses
  (`vehicle_data_choose`).
Every change leaves a `VehicleDataChange` row: who, when, before and after.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from autopaspoort import roles
from autopaspoort.models import Passport, VehicleDataChange
from autopaspoort.validators import VEHICLE_DATE_VALIDATORS, normalize_vin, validate_vin
from core.errors import ApplicationError
from garage.access import require_role

Source = VehicleDataChange.Source

# What a garage may correct on the vehicle page, in the page's order.
EDITABLE_FIELDS = ("make", "model", "colour", "fuel", "first_admission", "apk_expires", "vin")
# What the RDW refresh writes (the VIN is not in the RDW's open data).
RDW_FIELDS = (
    "make",
    "model",
    "colour",
    "fuel",
    "first_admission",
    "apk_expires",
    "rdw_odometer_judgement",
)
DATE_FIELDS = ("first_admission", "apk_expires")
TEXT_LIMITS = {"make": 100, "model": 100, "colour": 50, "fuel": 100, "rdw_odometer_judgement": 50}


def _as_text(value) -> str:
    """How a value is kept in the audit and in a disagreement: dates as ISO, None as ""."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _from_text(field: str, text: str):
    if field in DATE_FIELDS:
        return date.fromisoformat(text) if text else None
    return text


def _clean(field: str, value):
    """The value as the passport keeps it, or ApplicationError beside the field."""
    if field in DATE_FIELDS:
        if value in (None, ""):
            return None
        try:
            VEHICLE_DATE_VALIDATORS[field](value)
        except ValidationError as error:
            raise ApplicationError(" ".join(error.messages), field=field) from None
        return value
    value = (value or "").strip()
    if field == "vin":
        if not value:
            return ""
        try:
            validate_vin(value)
        except ValidationError as error:
            raise ApplicationError(" ".join(error.messages), field=field) from None
        return normalize_vin(value)
    if len(value) > TEXT_LIMITS[field]:
        raise ApplicationError(
            _("At most %(limit)d characters.") % {"limit": TEXT_LIMITS[field]}, field=field
        )
    return value


def _record(passport, *, field, before, after, source, by=None) -> None:
    VehicleDataChange.objects.create(
        passport=passport,
        field=field,
        before=_as_text(before)[:200],
        after=_as_text(after)[:200],
        source=source,
        changed_by=by,
    )


def _locked(passport_id: int) -> Passport:
    return Passport.objects.select_for_update().get(pk=passport_id)


def _summary_changed(garage_id: int) -> None:
    from autopaspoort.services import dashboard_summary_changed  # services imports this module

    dashboard_summary_changed(garage_id)


@transaction.atomic
def vehicle_data_update(*, passport: Passport, actor, changes: dict) -> list[str]:
    """The garage corrects vehicle fields by hand (`changes`: field -> new value). Returns the
    fields that changed. A corrected field is the garage's from now on: the RDW refresh shows
    its own value beside it instead of overwriting it."""
    require_role(garage=passport.garage, user=actor, roles=roles.EDIT_VEHICLE_DATA)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable vehicle fields: {sorted(unknown)}")
    cleaned = {field: _clean(field, value) for field, value in changes.items()}
    passport = _locked(passport.pk)
    changed = []
    for field, value in cleaned.items():
        before = getattr(passport, field)
        if value == before:
            continue
        setattr(passport, field, value)
        if field != "vin":  # the RDW has no VIN: nothing to protect it from
            passport.vehicle_sources[field] = Source.GARAGE
            passport.rdw_disagreements.pop(field, None)
        _record(passport, field=field, before=before, after=value, source=Source.GARAGE, by=actor)
        changed.append(field)
    if changed:
        passport.save(
            update_fields=[*changed, "vehicle_sources", "rdw_disagreements", "updated_at"]
        )
        _summary_changed(passport.garage_id)
    return changed


@transaction.atomic
def support_corrected(*, passport: Passport, actor, before: dict) -> None:
    """Support corrected vehicle fields in the admin (already saved; `before`: field -> old
    value): the same record and protection as the garage's own correction."""
    for field, old in before.items():
        if field != "vin":
            passport.vehicle_sources[field] = Source.GARAGE
            passport.rdw_disagreements.pop(field, None)
        _record(
            passport,
            field=field,
            before=old,
            after=getattr(passport, field),
            source=Source.GARAGE,
            by=actor,
        )
    passport.save(update_fields=["vehicle_sources", "rdw_disagreements"])


def apk_expiry_report(*, passport: Passport, actor, expires: date) -> bool:
    """An APK history entry tells the new expiry date: the passport shows it at once, marked
    "reported by the garage" until the RDW confirms it. Call inside the entry's transaction with
    the passport locked. Returns whether the date changed."""
    expires = _clean("apk_expires", expires)
    before = passport.apk_expires
    if expires == before:
        return False
    passport.apk_expires = expires
    passport.vehicle_sources["apk_expires"] = Source.APK_ENTRY
    passport.rdw_disagreements.pop("apk_expires", None)
    _record(
        passport,
        field="apk_expires",
        before=before,
        after=expires,
        source=Source.APK_ENTRY,
        by=actor,
    )
    passport.save(
        update_fields=["apk_expires", "vehicle_sources", "rdw_disagreements", "updated_at"]
    )
    _summary_changed(passport.garage_id)
    return True


def vehicle_data_apply_rdw(*, passport: Passport, values: dict, checked_at: datetime) -> list[str]:
    """Write what the RDW says (`values`: field -> value, fields of RDW_FIELDS) onto a passport
    the caller has locked (select_for_update) in its transaction. Returns the changed fields.

    - An empty RDW value never erases ours (the RDW dropping a colour is no reason to forget it).
    - A field the garage corrected keeps its value; a different RDW value is kept beside it for
      the garage to choose (unless it chose its own over that very value before). An RDW value
      equal to the correction confirms it: the field is the RDW's again.
    - An APK expiry reported with an APK entry stays until the RDW shows that date or a later
      one (the RDW's register may lag the garage by a day or two).
    """
    unknown = set(values) - set(RDW_FIELDS)
    if unknown:
        raise TypeError(f"Not RDW vehicle fields: {sorted(unknown)}")
    sources, disagreements = passport.vehicle_sources, passport.rdw_disagreements
    changed, touched = [], False
    for field, value in values.items():
        if value in (None, ""):
            continue
        ours = getattr(passport, field)
        source = sources.get(field)
        if source == Source.GARAGE:
            if value == ours:
                sources.pop(field)
                disagreements.pop(field, None)
                touched = True
                continue
            known = disagreements.get(field)
            if known is None or known["value"] != _as_text(value):
                disagreements[field] = {"value": _as_text(value), "kept": False}
                touched = True
            continue
        if source == Source.APK_ENTRY and field == "apk_expires":
            if ours is not None and value < ours:
                continue  # the RDW has not seen the new APK yet
            sources.pop(field)
            touched = True
        if value != ours:
            setattr(passport, field, value)
            _record(passport, field=field, before=ours, after=value, source=Source.RDW)
            changed.append(field)
    passport.rdw_status = Passport.RdwStatus.FOUND
    passport.rdw_checked_at = checked_at
    update = [*changed, "rdw_status", "rdw_checked_at", "updated_at"]
    if touched:
        update += ["vehicle_sources", "rdw_disagreements"]
    passport.save(update_fields=update)
    if changed:
        _summary_changed(passport.garage_id)
    return changed


@transaction.atomic
def vehicle_data_choose(*, passport: Passport, actor, field: str, take_rdw: bool) -> None:
    """The garage settles a disagreement: take the RDW's value, or keep its own (the same RDW
    value is then not asked about again; a new one is)."""
    require_role(garage=passport.garage, user=actor, roles=roles.EDIT_VEHICLE_DATA)
    passport = _locked(passport.pk)
    known = passport.rdw_disagreements.get(field)
    if known is None or known["kept"]:
        raise ApplicationError(_("There is no RDW value to choose for this field any more."))
    if take_rdw:
        before = getattr(passport, field)
        value = _from_text(field, known["value"])
        setattr(passport, field, value)
        passport.vehicle_sources.pop(field, None)
        passport.rdw_disagreements.pop(field)
        _record(
            passport, field=field, before=before, after=value, source=Source.RDW_CHOSEN, by=actor
        )
        passport.save(update_fields=[field, "vehicle_sources", "rdw_disagreements", "updated_at"])
        _summary_changed(passport.garage_id)
    else:
        known["kept"] = True
        passport.save(update_fields=["rdw_disagreements", "updated_at"])


@dataclass(frozen=True)
class Disagreement:
    field: str
    label: str
    ours: object
    rdw: object

    @staticmethod
    def _shown(value) -> str:
        return formats.date_format(value, "DATE_FORMAT") if isinstance(value, date) else value

    @property
    def ours_display(self) -> str:
        return self._shown(self.ours) or ""

    @property
    def rdw_display(self) -> str:
        return self._shown(self.rdw) or ""


def open_disagreements(passport: Passport) -> list[Disagreement]:
    """The RDW values the garage has not chosen between yet, in the page's order."""
    labels = {name: Passport._meta.get_field(name).verbose_name for name in RDW_FIELDS}
    return [
        Disagreement(
            field=field,
            label=labels[field],
            ours=getattr(passport, field),
            rdw=_from_text(field, known["value"]),
        )
        for field in RDW_FIELDS
        if (known := passport.rdw_disagreements.get(field)) and not known["kept"]
    ]


def field_source(passport: Passport, field: str) -> str:
    """ "garage", "apk_entry" or "rdw" (also for a value typed at creation once the RDW
    confirmed the car: the refresh owns it), or "" when the RDW never answered for the car."""
    source = passport.vehicle_sources.get(field)
    if source:
        return source
    if field in RDW_FIELDS and passport.rdw_status == Passport.RdwStatus.FOUND:
        return Source.RDW
    return ""


def field_sources(passport: Passport) -> dict[str, str]:
    """`field_source` of every editable field, for the pages."""
    return {field: field_source(passport, field) for field in EDITABLE_FIELDS}
