"""An owner's data download (AVG art. 15 and 20): one ZIP with `gegevens.json` (their account,
their cars as the portal shows them, appointments, the quotes sent to them with their answers,
reminders, consents and email settings, the emails sent to them) and each car's passport PDF.

Everything is read through the selectors the portal's pages use, scoped to the person: a car
is in it only while it is theirs, as their car page shows it (no delivery costs, no staff
names, earlier owners only as "previous owner" with their period). Nothing here names another
person: not a buyer, not a previous owner, not a driver."""

import io
import json
import logging
import time
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from appointments import selectors as appointment_selectors
from autopaspoort import selectors as passport_selectors
from fleet import selectors as fleet_selectors
from notifications import selectors as notification_selectors
from quotes import selectors as quote_selectors
from quotes.totals import quote_total
from reminders import selectors as reminder_selectors
from sharing import selectors as sharing_selectors
from sharing.pdf import PdfUnavailable, passport_pdf
from sharing.services import document_record
from transfers import selectors as transfer_selectors

logger = logging.getLogger(__name__)

FORMAT = "autopaspoort-export/1"
JSON_NAME = "gegevens.json"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value) -> str:
    return f"{value:.2f}"


def _account(user) -> dict:
    return {
        "email": user.email,
        "name": user.full_name,
        "language": user.language,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
    }


def _item(item) -> dict:
    """A finding as the owner's page shows it: planned before delivery has no cost."""
    row = {
        "item": str(item.label),
        "tread_depth_mm": str(item.tread_depth_mm) if item.tread_depth_mm is not None else None,
        "note": item.note,
    }
    if item.fix_before_delivery:
        return {**row, "rating": "repaired_before_delivery", "estimated_cost": None}
    return {**row, "rating": item.rating, "estimated_cost": _money(item.estimated_cost)}


def _timeline(passport) -> list[dict]:
    events = []
    for event in passport_selectors.passport_timeline(passport=passport, limit=10_000):
        item = event.item
        if event.kind == "check":
            events.append(
                {
                    "date": _iso(event.day),
                    "kind": "status_check",
                    "odometer_km": item.odometer_km,
                    "odometer_correction_reason": item.odometer_correction_reason,
                    "garage": item.garage.name,
                    "expected_costs": _money(item.expected_costs),
                }
            )
        else:
            events.append(
                {
                    "date": _iso(event.day),
                    "kind": item.kind,
                    "odometer_km": item.odometer_km,
                    "odometer_correction_reason": item.odometer_correction_reason,
                    "description": item.description,
                    "cost": _money(item.cost),
                    "garage": item.garage.name,
                }
            )
    return events


def _owners(passport, user) -> list[dict]:
    rows = []
    for period in transfer_selectors.ownership_periods(passport=passport, viewer=user):
        who = "you" if period.is_you else ("garage_stock" if period.garage_name else "previous")
        rows.append(
            {
                "owner": who,
                "garage": period.garage_name or None,
                "from": _iso(period.start),
                "until": _iso(period.end),
            }
        )
    return rows


def _car(passport, user) -> dict:
    """One car as its portal page shows it (transfers.selectors.owner_car_get)."""
    car = {
        "plate": passport.plate,
        "state": "to_accept" if passport.is_awaiting_activation else "yours",
        "garage": passport.garage.name,
        "make": passport.make,
        "model": passport.model,
        "colour": passport.colour,
        "fuel": passport.fuel,
        "first_admission": _iso(passport.first_admission),
        "apk_expires": _iso(passport.apk_expires),
        "odometer_km": passport.odometer_km,
        "odometer_read_on": _iso(passport.odometer_read_on),
        "odometer_logical": passport.odometer_logical,
        "accepted_at": _iso(passport.activated_at),
        # What the garage keeps as your details on this car.
        "your_details": {
            "name": passport.owner_name,
            "street": passport.owner_street,
            "house_number": passport.owner_house_number,
            "postcode": passport.owner_postcode,
            "city": passport.owner_city,
            "phone": passport.owner_phone,
        },
    }
    if passport.is_awaiting_activation:
        return car  # not theirs to read yet: the page shows only the question
    check = passport.latest_check
    items = list(check.items.all()) if check else []
    costs = passport_selectors.check_costs(items)
    car["latest_status_check"] = (
        {
            "date": _iso(timezone.localdate(check.performed_at)),
            "odometer_km": check.odometer_km,
            "expected_costs": _money(costs.expected),
            "items": [_item(item) for item in items],
        }
        if check
        else None
    )
    car["history"] = _timeline(passport)
    car["owners"] = _owners(passport, user)
    return car


def _appointments(user) -> list[dict]:
    return [
        {
            "plate": row.passport.plate,
            "garage": row.garage.name,
            "reason": row.reason,
            "warning_light": row.warning_light,
            "note": row.note,
            "state": row.state,
            "preferred": [
                {"date": _iso(slot.date), "part_of_day": slot.part_of_day}
                for slot in row.slots.all()
            ],
            "planned_date": _iso(row.planned_date),
            "planned_part_of_day": row.planned_part_of_day,
            "message_from_garage": row.garage_message,
            "requested_at": _iso(row.created_at),
            "answered_at": _iso(row.answered_at),
            "confirmed_at": _iso(row.confirmed_at),
            "cancelled_at": _iso(row.cancelled_at),
        }
        for row in appointment_selectors.owner_appointments_all(user=user)
    ]


def _quotes(user) -> list[dict]:
    """The quotes sent to them and their answers (the lines they agreed to, their reason)."""
    rows = []
    for quote in quote_selectors.owner_quotes_all(user=user):
        lines = list(quote.lines.all())
        approved = quote.state == quote.State.APPROVED
        rows.append(
            {
                "plate": quote.passport.plate,
                "garage": quote.garage.name,
                "version": quote.version,
                "state": quote.shown_state,
                "sent_at": _iso(quote.sent_at),
                "valid_until": _iso(quote.valid_until),
                "note_from_garage": quote.note,
                "prices_include_vat": quote.prices_include_vat,
                "lines": [
                    {
                        "description": line.description,
                        "quantity": str(line.quantity),
                        "unit_price": _money(line.unit_price),
                        "amount": _money(line.amount),
                        "accepted": line.accepted,
                    }
                    for line in lines
                ],
                "total": _money(quote_total(quote, lines).shown),
                "answered_at": _iso(quote.answered_at),
                "approved_total": (
                    _money(quote_total(quote, lines, accepted_only=True).shown)
                    if approved
                    else None
                ),
                "decline_reason": quote.decline_reason,
            }
        )
    return rows


def _reminders(user) -> list[dict]:
    return [
        {"plate": row.passport.plate, "kind": row.kind, "sent_at": _iso(row.created_at)}
        for row in reminder_selectors.reminders_sent_to(email=user.email)
    ]


def _consents(user) -> dict:
    return {
        "email": {
            "reminders": user.reminders_enabled,
            "promotions": user.promotions_enabled,
            "check_reports": user.check_reports_enabled,
            "unsubscribed_by_link": sorted(notification_selectors.opt_outs_of(email=user.email)),
        },
        "fleet_requests": [
            {
                "plate": row.passport.plate,
                "fleet": row.fleet.name,
                "state": row.state,
                "asked_at": _iso(row.requested_at),
                "answered_at": _iso(row.answered_at),
            }
            for row in fleet_selectors.fleet_link_requests_of(user=user)
        ],
        "garage_requests": [
            {
                "plate": row.passport.plate,
                "garage": row.to_garage.name,
                "state": row.state,
                "asked_at": _iso(row.requested_at),
                "answered_at": _iso(row.decided_at),
            }
            for row in passport_selectors.move_requests_of(user=user)
        ],
    }


def _share_links(user, plates: set[str]) -> list[dict]:
    """The links they made for cars that are still theirs (a sold car's links died with the
    sale, and belong to its new owner's time)."""
    return [
        {
            "plate": link.passport.plate,
            "created_at": _iso(link.created_at),
            "expires_at": _iso(link.expires_at),
            "revoked_at": _iso(link.revoked_at),
            "show_costs": link.show_costs,
            "include_photos": link.include_photos,
            "views": link.view_count,
        }
        for link in sharing_selectors.share_links_made_by(user=user)
        if link.passport.plate in plates
    ]


def _emails(user) -> list[dict]:
    return [
        {
            "kind": row.kind,
            "state": row.state,
            "queued_at": _iso(row.created_at),
            "sent_at": _iso(row.sent_at),
        }
        for row in notification_selectors.notifications_to(user=user)
    ]


def _sales(user) -> list[dict]:
    """Private sales they started and that still wait for the buyer (never the buyer's details)."""
    return [
        {"plate": sale.passport.plate, "started_at": _iso(sale.created_at)}
        for sale in transfer_selectors.owner_sales_open(user=user)
    ]


def export_data(user) -> tuple[dict, list]:
    """The JSON's content, and the cars (for their PDFs)."""
    cars = [
        transfer_selectors.owner_car_get(user=user, plate=passport.plate)
        for passport in transfer_selectors.owner_car_list(user=user)
    ]
    plates = {car.plate for car in cars}
    return {
        "format": FORMAT,
        "made_at": _iso(timezone.now()),
        "account": _account(user),
        "cars": [_car(car, user) for car in cars],
        "private_sales_waiting": _sales(user),
        "share_links": _share_links(user, plates),
        "appointments": _appointments(user),
        "quotes": _quotes(user),
        "reminders": _reminders(user),
        "consents": _consents(user),
        "emails": _emails(user),
    }, cars


@dataclass(frozen=True)
class Export:
    content: bytes
    filename: str
    pdf_count: int
    pdf_seconds: float  # time spent drawing the PDFs (WeasyPrint)
    pdfs_missing: int  # cars without a PDF (WeasyPrint unavailable on this machine)


def export_zip(*, user) -> Export:
    """The ZIP: gegevens.json and one PDF per accepted car (each a verifiable document, like
    a PDF from a share link, in the person's language)."""
    data, cars = export_data(user)
    buffer = io.BytesIO()
    started, missing, count = time.monotonic(), 0, 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, json.dumps(data, ensure_ascii=False, indent=2))
        for car in cars:
            if car.is_awaiting_activation:
                continue
            view = sharing_selectors.share_view(passport=car, show_costs=True)
            document = document_record(view=view, link=None, language=user.language)
            try:
                pdf = passport_pdf(
                    view=view,
                    document=document,
                    share_url=settings.SITE_URL + reverse("portal:car", args=[car.plate]),
                    verify_url=settings.SITE_URL + reverse("sharing:verify"),
                )
            except PdfUnavailable:
                logger.exception("The data download has no PDF: WeasyPrint cannot load Pango.")
                missing += 1
                continue
            archive.writestr(f"autopaspoort-{car.plate}.pdf", pdf)
            count += 1
    day = timezone.localdate().isoformat()
    return Export(
        content=buffer.getvalue(),
        filename=f"autopaspoort-mijn-gegevens-{day}.zip",
        pdf_count=count,
        pdf_seconds=time.monotonic() - started,
        pdfs_missing=missing,
    )
