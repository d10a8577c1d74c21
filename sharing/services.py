"""Share links: made by the car's owner or, for its stock cars, the garage; revoked by them, or
by a transfer of the car (`share_links_revoke_all`, hooked into `transfer_confirm`)."""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from autopaspoort.models import Passport
from core.errors import ApplicationError
from garage.models import Membership
from sharing.codes import document_code_new
from sharing.models import DEFAULT_DAYS, MAX_DAYS, PassportDocument, ShareLink
from sharing.roles import SHARE


def share_role(*, passport: Passport, user) -> str | None:
    """For whom `user` may share this car: "owner", "garage" or None. The owner of a stock car
    is the garage's login, so a stock car is always shared by the garage."""
    if user is None or not user.is_authenticated:
        return None
    if passport.is_stock:
        allowed = Membership.objects.filter(
            garage_id=passport.garage_id, user=user, role__in=SHARE
        ).exists()
        return ShareLink.For.GARAGE if allowed else None
    if passport.is_active and passport.owner_id == user.pk:
        return ShareLink.For.OWNER
    return None


@transaction.atomic
def share_link_create(
    *,
    passport: Passport,
    actor,
    days: int = DEFAULT_DAYS,
    show_costs: bool = False,
    include_photos: bool = False,
) -> ShareLink:
    # The passport row is locked, as a transfer locks it: a link asked for while the car is
    # being sold is made either before (and the transfer revokes it) or after (and refused).
    passport = Passport.objects.select_for_update().get(pk=passport.pk)
    made_for = share_role(passport=passport, user=actor)
    if made_for is None:
        raise PermissionDenied
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ApplicationError(
            _("A link is valid for 1 to %(max)s days.") % {"max": MAX_DAYS}, field="days"
        )
    return ShareLink.objects.create(
        passport=passport,
        token=secrets.token_urlsafe(32),
        created_by=actor,
        created_for=made_for,
        expires_at=timezone.now() + timedelta(days=days),
        show_costs=bool(show_costs),
        include_photos=bool(include_photos),
    )


@transaction.atomic
def share_link_revoke(*, link: ShareLink, actor) -> ShareLink:
    link = ShareLink.objects.select_for_update().select_related("passport").get(pk=link.pk)
    if share_role(passport=link.passport, user=actor) is None:
        raise PermissionDenied
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def share_links_revoke_all(*, passport: Passport) -> int:
    """Every open link of the car dies (a transfer: the new owner decides who looks)."""
    return ShareLink.objects.filter(passport=passport, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def share_link_view(*, link: ShareLink) -> None:
    """Count one view: one UPDATE with F(), so concurrent views are all counted."""
    ShareLink.objects.filter(pk=link.pk).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )


# --- The verifiable PDF --------------------------------------------------------------------------


def document_snapshot(view) -> dict:
    """What the PDF states that a forger would change: plate, car, odometer readings."""
    passport = view.passport
    return {
        "plate": passport.plate,
        "vehicle": passport.vehicle_name,
        "odometer_logical": passport.odometer_logical,
        "readings": [
            {"date": reading.day.isoformat(), "km": reading.km, "source": reading.source}
            for reading in view.readings
        ],
    }


def document_record(*, view, link: ShareLink | None, language: str) -> PassportDocument:
    """A new verification code for a PDF about to be made, with its snapshot."""
    for _attempt in range(5):  # 60 random bits: a collision is all but impossible, but cheap
        try:
            with transaction.atomic():
                return PassportDocument.objects.create(
                    passport=view.passport,
                    share_link=link,
                    code=document_code_new(),
                    language=language,
                    snapshot=document_snapshot(view),
                )
        except IntegrityError:
            continue
    raise RuntimeError("No free verification code after 5 attempts")


def share_links_revoke_by(*, user, now) -> None:
    """The person deleted their account (accounts.services.on_account_deleted): every open
    link they made dies, whatever car it shows."""
    ShareLink.objects.filter(created_by=user, revoked_at__isnull=True).update(revoked_at=now)
