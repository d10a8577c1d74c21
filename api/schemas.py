"""The GMS API's request and response schemas (pydantic, via django-ninja): they validate the
input and make the OpenAPI schema. Class names are the schema's component names: keep them."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import StrictInt, field_validator

from core.phones import normalize_phone


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


class InputSchema(Schema):
    """A request body: no text field may hold a NUL character (PostgreSQL cannot store one, and
    no person types it); refused as a 400 like any other invalid field."""

    @field_validator("*", mode="after")
    @classmethod
    def no_nul_characters(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("Text may not contain NUL characters.")
        return value


class OwnerIn(InputSchema):
    email: str = Field(max_length=254, json_schema_extra={"format": "email"})
    name: str = Field("", max_length=150)
    street: str = Field("", max_length=150)
    house_number: str = Field("", max_length=20)
    postcode: str = Field("", max_length=7)
    city: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)

    @field_validator("email")
    @classmethod
    def email_is_valid(cls, value: str) -> str:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("Enter a valid email address.") from None
        return value

    @field_validator("phone")
    @classmethod
    def phone_is_valid(cls, value: str) -> str:
        """Stored as E.164, like the pages store it (core.phones)."""
        try:
            return normalize_phone(value)
        except DjangoValidationError as error:
            raise ValueError(" ".join(error.messages)) from None


class PassportIn(InputSchema):
    plate: str = Field(max_length=20, examples=["GJ-55-55"])
    owner: OwnerIn
    # Strict: JSON `true` or `"12"` is not a number of kilometres (or a fleet).
    odometer_km: StrictInt | None = Field(None, ge=0, le=2_000_000)
    fleet_id: StrictInt | None = None


class VehicleOut(Schema):
    make: str
    model: str
    fuel: str
    colour: str
    first_registration: date | None
    apk_expires: date | None


class OwnerOut(Schema):
    email: str


class PassportOut(Schema):
    plate: str
    state: Literal["stock", "customer"]
    vehicle: VehicleOut
    odometer_km: int | None
    owner: OwnerOut | None
    fleet_id: int | None
    created_at: datetime
    updated_at: datetime


class PassportPageOut(Schema):
    results: list[PassportOut]
    next_cursor: str | None


class HistoryIn(InputSchema):
    date: date
    odometer_km: StrictInt = Field(ge=0, le=2_000_000)
    kind: Literal["maintenance", "repair", "apk", "tyres", "other"]
    description: str = Field(min_length=1, max_length=5000)
    cost_eur: Decimal = Field(Decimal("0.00"), ge=0, le=100_000, max_digits=10, decimal_places=2)
    external_id: str = Field("", max_length=100)
    # An APK entry's new expiry date (shown on the passport as reported by the garage).
    apk_expires: date | None = None

    @field_validator("date", "apk_expires", mode="before")
    @classmethod
    def date_is_an_iso_string(cls, value):
        # pydantic would take a number as a Unix timestamp: a date is "YYYY-MM-DD" only.
        # None passes on: pydantic refuses it for the required `date`.
        if value is not None and not isinstance(value, str):
            raise ValueError("Enter a date as YYYY-MM-DD.")
        return value


class HistoryOut(Schema):
    id: int
    date: date
    odometer_km: int
    kind: str
    description: str
    cost_eur: str
    external_id: str


class BulkIn(InputSchema):
    items: list[Any]


class BulkItemOut(Schema):
    status: int
    plate: str | None
    error: ErrorBody | None = None
    passport: PassportOut | None = None


class BulkOut(Schema):
    results: list[BulkItemOut]


ERRORS = dict.fromkeys((400, 401, 404, 409, 413, 415, 429), ErrorOut)


class ShareLinkIn(InputSchema):
    days: StrictInt = Field(30, ge=1, le=90, description="How long the link works (1-90 days).")
    show_costs: bool = Field(False, description="Show the checks' and the workshop's costs.")
    include_photos: bool = Field(
        False,
        description="Show the latest check's photos (those taken since the garage has the car) "
        "on the page; never in the PDF.",
    )


class ShareLinkOut(Schema):
    url: str = Field(description="The public page of the passport: no login, no person data.")
    pdf_url: str = Field(description="The same as a PDF with a verification code.")
    expires_at: datetime
    token: str = Field(description="Pass it to DELETE to revoke the link.")


class PhotoOut(Schema):
    id: str = Field(description="The photo's key.")
    kind: Literal["item", "sides", "odometer", "dashboard"]
    item_id: int | None = Field(description="The check item it shows (kind item).")
    width: int
    height: int
    size: int = Field(description="Bytes of the stored original (re-encoded, without EXIF).")
    content_type: str
    uploaded_at: datetime


class PhotosOut(Schema):
    photos: list[PhotoOut]
