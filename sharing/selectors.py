"""What a share link shows: the car and its history, never a person. One fixed set of queries
whatever the length of the history (the page and the PDF read the same `share_view`)."""

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from autopaspoort.models import HistoryEntry, Passport, StatusCheck, StatusCheckItem
from photos import selectors as photo_selectors
from photos.models import CheckPhoto
from sharing.codes import document_code_normalize
from sharing.models import PassportDocument, ShareLink
from transfers.models import Transfer

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what secrets.token_urlsafe makes


def share_link_get(*, token: str, passport: Passport | None = None) -> ShareLink:
    """The link with its passport, usable or not (the view tells expired from unknown); with
    `passport`, only a link of that car. Anything not shaped like a token is a 404 unasked."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise Http404
    links = ShareLink.objects.select_related("passport").filter(token=token)
    if passport is not None:
        links = links.filter(passport=passport)
    link = links.first()
    if link is None:
        raise Http404
    return link


def share_links_open(*, passport: Passport) -> list[ShareLink]:
    """The car's links that still work, newest first (the owner's and garage's list)."""
    return list(ShareLink.objects.active().filter(passport=passport))


@dataclass(frozen=True)
class Reading:
    day: date
    km: int
    source: str  # "registration", "check" or "workshop"


@dataclass
class ShareView:
    passport: Passport
    show_costs: bool
    readings: list[Reading]
    checks: list[StatusCheck]
    history: list[HistoryEntry]
    previous_owners: int
    made_at: object = field(default_factory=timezone.now)


_GARAGE = ("garage__name", "garage__prices_include_vat")


def share_view(*, passport: Passport, show_costs: bool) -> ShareView:
    """Checks (with items and garage), history (with garage) and the owner count: four
    queries. The odometer readings are the series of `autopaspoort.selectors.odometer_readings`
    (registration, uncorrected checks, history), built from the rows already loaded."""
    # Only what the page and the PDF show: a garage has dozens of columns, 60 rows a page.
    checks = list(
        StatusCheck.objects.filter(passport=passport)
        .select_related("garage")
        .only("passport_id", "performed_at", "odometer_km", "corrects_id", *_GARAGE)
        .prefetch_related(Prefetch("items", queryset=StatusCheckItem.objects.order_by("id")))
        .order_by("-performed_at", "-id")
    )
    history = list(
        HistoryEntry.objects.filter(passport=passport)
        .select_related("garage")
        .only("passport_id", "kind", "date", "odometer_km", "description", "cost", *_GARAGE)
        .order_by("-date", "-id")
    )
    corrected = {check.corrects_id for check in checks if check.corrects_id}
    readings = []
    if passport.initial_odometer_km is not None:
        readings.append(
            Reading(
                timezone.localdate(passport.created_at),
                passport.initial_odometer_km,
                "registration",
            )
        )
    readings += [
        Reading(timezone.localdate(check.performed_at), check.odometer_km, "check")
        for check in checks
        if check.pk not in corrected
    ]
    readings += [Reading(entry.date, entry.odometer_km, "workshop") for entry in history]
    # Newest first; on one day the registration reading is the earliest.
    readings.sort(key=lambda r: (r.day, r.source != "registration"), reverse=True)
    previous_owners = Transfer.objects.filter(
        passport=passport, previous_owner_was_garage=False, previous_owner__isnull=False
    ).count()
    return ShareView(
        passport=passport,
        show_costs=show_costs,
        readings=readings,
        checks=checks,
        history=history,
        previous_owners=previous_owners,
    )


def share_link_photos(*, link: ShareLink, check: StatusCheck | None = None):
    """The photos this link may show: none unless its maker ticked "include photos"; then
    those of the current owner's period (photos.selectors.shared_photos), of one check if
    given. The page's thumbnails and the file view (`share_link_photo_get`) both ask here."""
    if not link.include_photos:
        return CheckPhoto.objects.none()
    return photo_selectors.shared_photos(passport=link.passport, check=check)


def share_link_photo_get(*, link: ShareLink, key) -> CheckPhoto:
    """One photo the (usable) link may show; 404 for any other, as for one that does not exist."""
    photo = share_link_photos(link=link).filter(key=key).first()
    if photo is None:
        raise Http404
    return photo


def share_view_attach_photos(view: ShareView, *, link: ShareLink) -> None:
    """The latest check's photos on the share page, as on the owner's car page: each item's
    (`item.check_photos`) and the intake's (`check.intake_photos`). One query if the link
    includes photos, none otherwise; the PDF shows none."""
    latest = next(
        (check for check in view.checks if check.pk == view.passport.latest_check_id), None
    )
    if latest is None or not link.include_photos:
        return
    grouped = photo_selectors.attach_photos(
        latest.items.all(), share_link_photos(link=link, check=latest)
    )
    latest.intake_photos = grouped["intake"]


def document_find(*, code: str) -> PassportDocument | None:
    """The PDF with this verification code as typed (any case, with or without dashes)."""
    canonical = document_code_normalize(code)
    if canonical is None:
        return None
    return PassportDocument.objects.select_related("passport").filter(code=canonical).first()


def document_readings(document: PassportDocument) -> list[Reading]:
    """The readings the PDF printed, from its snapshot."""
    return [
        Reading(date.fromisoformat(row["date"]), row["km"], row["source"])
        for row in document.snapshot.get("readings", [])
    ]


def share_links_made_by(*, user) -> QuerySet[ShareLink]:
    """The share links this person made (their data download); the tokens are not repeated."""
    return ShareLink.objects.filter(created_by=user).select_related("passport").order_by("-id")
