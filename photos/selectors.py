"""Who may see a check's photos, and the photos a page shows.

- The staff (any role) of the passport's current garage: every photo of the car's checks.
- The current owner (an activated customer car) only the photos of checks made while they own
  the car: from the hand-over that made them the owner (their transfer, `Transfer.created_at`,
  the start of their period in `transfers.selectors.ownership_periods`) on; a car created for
  them directly, since its creation. Earlier checks still show in the car's history, without
  photos: those were taken while someone else owned the car.
- Support staff with the permission to delete a photo with a reason (to judge a request).
- A share link whose maker ticked "include photos" (sharing.selectors.share_link_photos): the
  photos of the current owner's period (`photos_of_current_period`), as the owner sees them;
  for a stock car, those of the garage's period since it took the car in.
- Nobody else: another garage, a previous owner, a fleet manager (a fleet sees the car's
  passport, not the workshop's photos) and other staff get a 404.
"""

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from autopaspoort.models import Passport, StatusCheck
from garage.models import Membership
from photos.models import CheckPhoto
from transfers.models import Transfer

# Support, who deletes a photo with a reason, may look at it first (accounts/support_role.py).
SUPPORT_VIEW = "photos.delete_checkphoto_with_reason"


def owner_since_subquery(passport_ref: str = "pk"):
    """When the passport's current owner got it (an expression over `passport_ref`)."""
    latest = (
        Transfer.objects.filter(passport=OuterRef(passport_ref))
        .exclude(state=Transfer.State.CANCELLED)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    return latest


def owner_since(passport_path: str):
    """When the current owner's period began (an expression over the passport at
    `passport_path`): their hand-over, else the passport's creation."""
    return Coalesce(
        Subquery(owner_since_subquery(passport_path)), F(f"{passport_path}__created_at")
    )


def photos_of_current_period(photos: QuerySet[CheckPhoto]) -> QuerySet[CheckPhoto]:
    """Of `photos`, those of checks made since the car's current owner got it: the rule for the
    owner's pages and for a share link; never a photo of an earlier owner's period."""
    return photos.annotate(owner_since=owner_since("status_check__passport")).filter(
        status_check__performed_at__gte=F("owner_since")
    )


def photo_get_for_viewer(*, user, key) -> CheckPhoto:
    """One photo that `user` may see; 404 for every other photo (nothing leaks)."""
    if not user.is_authenticated:
        raise Http404
    photo = (
        CheckPhoto.objects.visible()
        .filter(key=key)
        .select_related("status_check__passport")
        .annotate(owner_since=owner_since("status_check__passport"))
        .first()
    )
    if photo is None:
        raise Http404
    passport = photo.status_check.passport
    if Membership.objects.filter(user=user, garage_id=passport.garage_id).exists():
        return photo
    if (
        passport.owner_id == user.pk
        and passport.is_active
        and photo.status_check.performed_at >= photo.owner_since
    ):
        return photo
    if user.is_staff and user.has_perm(SUPPORT_VIEW):
        return photo  # support judging a deletion request, from the admin's photo page
    raise Http404


def check_photos(*, check: StatusCheck) -> QuerySet[CheckPhoto]:
    """A check's photos for its garage's pages (the caller already passed the garage's door)."""
    return CheckPhoto.objects.visible().filter(status_check=check).order_by("uploaded_at", "id")


def owner_check_photos(*, user, passport: Passport, check: StatusCheck | None):
    """The photos of `check` the owner may see: none if it was made before their period."""
    if check is None:
        return CheckPhoto.objects.none()
    return photos_of_current_period(
        CheckPhoto.objects.visible().filter(
            status_check=check,
            status_check__passport=passport,
            status_check__passport__owner=user,
            status_check__passport__state=Passport.State.CUSTOMER,
            status_check__passport__activated_at__isnull=False,
        )
    ).order_by("uploaded_at", "id")


def shared_photos(*, passport: Passport, check: StatusCheck | None = None):
    """The photos a share link of `passport` may show (the link's maker ticked "include
    photos"; sharing.selectors.share_link_photos decides that): those of the current owner's
    period, of one check if given. A link is made by the car's owner (the owner, or the
    garage for a stock car) and dies with a transfer, so this is what its maker may see as
    the owner."""
    photos = CheckPhoto.objects.visible().filter(status_check__passport=passport)
    if check is not None:
        photos = photos.filter(status_check=check)
    return photos_of_current_period(photos).order_by("uploaded_at", "id")


def attach_photos(items, photos) -> dict:
    """Give each item its photos (`item.check_photos`, for templates/photos/_thumbs.html) and
    return {"intake": [...], item_id: [...]}: one query for all of them."""
    grouped: dict = {"intake": []}
    for photo in photos:
        key = photo.item_id if photo.item_id else "intake"
        grouped.setdefault(key, []).append(photo)
    for item in items:
        item.check_photos = grouped.get(item.pk, [])
    return grouped
