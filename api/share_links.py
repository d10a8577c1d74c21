"""Share links from the GMS API: a dealer's website or marketplace ad links the passport of
every stock car it sells. The rules are `sharing.services`, as on the garage's profile."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from ninja import Router
from ninja.responses import Status

from api.errors import ApiError
from api.schemas import ERRORS, ShareLinkIn, ShareLinkOut
from autopaspoort import plates
from core.errors import ApplicationError
from sharing.models import ShareLink
from sharing.selectors import share_link_get
from sharing.services import share_link_create, share_link_revoke
from transfers import selectors as transfer_selectors

router = Router(tags=["share links"])


def _stock_car(garage, plate: str):
    try:
        canonical = plates.normalize(plate)
    except DjangoValidationError:
        raise Http404 from None
    passport = transfer_selectors.api_passports(garage=garage).filter(plate=canonical).first()
    if passport is None:
        raise Http404
    if not passport.is_stock:
        raise ApiError(
            409,
            "not_stock",
            "Only the garage's stock cars are shared through the API; an owner shares their "
            "own car in the portal.",
        )
    return passport


def represent(request, link: ShareLink) -> dict:
    page = reverse("sharing:page", args=[link.token])
    return {
        "url": request.build_absolute_uri(page),
        "pdf_url": request.build_absolute_uri(page + "pdf"),
        "expires_at": link.expires_at,
        "token": link.token,
    }


@router.post("/passports/{plate}/share-links", response={201: ShareLinkOut, **ERRORS},
             operation_id="autopaspoort_api_create_share_link")  # fmt: skip
@router.post("/passports/{plate}/share-links/", response={201: ShareLinkOut, **ERRORS},
             include_in_schema=False)  # fmt: skip
def create_share_link(request, plate: str, payload: ShareLinkIn):
    """A public link to the passport of one of the garage's stock cars (no person data). A
    transfer of the car revokes it."""
    garage = request.garage
    passport = _stock_car(garage, plate)
    try:
        link = share_link_create(
            passport=passport,
            actor=garage.account_user,
            days=payload.days,
            show_costs=payload.show_costs,
            include_photos=payload.include_photos,
        )
    except ApplicationError as error:
        fields = {error.field or "body": [error.message]}
        raise ApiError(400, "refused", error.message, fields) from None
    return Status(201, represent(request, link))


@router.delete("/passports/{plate}/share-links/{token}", response={204: None, **ERRORS},
               operation_id="autopaspoort_api_revoke_share_link")  # fmt: skip
@router.delete("/passports/{plate}/share-links/{token}/", response={204: None, **ERRORS},
               include_in_schema=False)  # fmt: skip
def revoke_share_link(request, plate: str, token: str):
    """Revoke a link of this car: its page answers 410 from now on. Revoking again is 204."""
    garage = request.garage
    passport = _stock_car(garage, plate)
    link = share_link_get(token=token, passport=passport)
    share_link_revoke(link=link, actor=garage.account_user)
    return HttpResponse(status=204)
