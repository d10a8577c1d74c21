"""The public share page and its PDF (no login), /verify/, and the owner's and garage's share
actions."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from autopaspoort import selectors as passport_selectors
from core import ratelimit
from core.errors import ApplicationError
from garage.access import garage_member_required
from photos.serving import photo_response
from sharing import selectors
from sharing.forms import ShareLinkForm, VerifyForm
from sharing.models import ShareLink
from sharing.pdf import PdfUnavailable, passport_pdf
from sharing.roles import SHARE
from sharing.services import (
    document_record,
    share_link_create,
    share_link_revoke,
    share_link_view,
)
from transfers import selectors as transfer_selectors

logger = logging.getLogger(__name__)

PUBLIC_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-cache",
    "Referrer-Policy": "no-referrer",
}


def _public(response, status: int | None = None):
    for header, value in PUBLIC_HEADERS.items():
        response[header] = value
    if status is not None:
        response.status_code = status
    return response


def _too_many(request, token: str, photos: bool = False):
    # A link's photos have buckets of their own (a page view asks for one per thumbnail).
    if photos:
        per_token, per_ip = ratelimit.SHARE_PHOTO_PER_TOKEN, ratelimit.SHARE_PHOTO_PER_IP
    else:
        per_token, per_ip = ratelimit.SHARE_VIEW_PER_TOKEN, ratelimit.SHARE_VIEW_PER_IP
    waits = [
        ratelimit.hit(per_token, token),
        ratelimit.hit(per_ip, ratelimit.client_ip(request)),
    ]
    waits = [wait for wait in waits if wait]
    if not waits:
        return None
    response = render(
        request, "sharing/too_many.html", {"minutes": ratelimit.minutes(max(waits))}, status=429
    )
    response["Retry-After"] = str(max(waits))
    return _public(response)


def usable_link(request, token: str):
    """(link, None) for a link that works, else (None, the answer: 429, 404 or 410)."""
    refused = _too_many(request, token)
    if refused is not None:
        return None, refused
    try:
        link = selectors.share_link_get(token=token)
    except Http404:
        return None, _public(render(request, "sharing/gone.html", {"unknown": True}, status=404))
    if not link.is_usable:
        # Says why, never which car.
        context = {"revoked": link.revoked_at is not None}
        return None, _public(render(request, "sharing/gone.html", context, status=410))
    return link, None


@require_GET
def share_page(request, token):
    link, refused = usable_link(request, token)
    if refused is not None:
        return refused
    share_link_view(link=link)
    view = selectors.share_view(passport=link.passport, show_costs=link.show_costs)
    selectors.share_view_attach_photos(view, link=link)  # nothing unless the link has photos
    return _public(render(request, "sharing/share_page.html", {"view": view, "link": link}))


SHARE_PHOTO_VERSIONS = ("thumb", "large")  # never the original through a link


@require_GET
def share_photo(request, token, key, version):
    """A photo of the link's car, if the link works, includes photos and may show this one
    (sharing.selectors.share_link_photos); a 404 for everything else, expired and revoked
    links too (a photo says nothing about why). Rate-limited per token and per client."""
    if version not in SHARE_PHOTO_VERSIONS:
        raise Http404
    refused = _too_many(request, token, photos=True)
    if refused is not None:
        return refused
    link = selectors.share_link_get(token=token)
    if not link.is_usable:
        raise Http404
    response = photo_response(selectors.share_link_photo_get(link=link, key=key), version)
    # photo_response says private, no-store and nosniff; a link's page is never indexed.
    response["X-Robots-Tag"] = PUBLIC_HEADERS["X-Robots-Tag"]
    response["Referrer-Policy"] = PUBLIC_HEADERS["Referrer-Policy"]
    return response


def _pdf_language(request) -> str:
    """The language of the person who makes the PDF: their account's, else the page's."""
    return getattr(request.user, "language", "") or translation.get_language()


@require_GET
def share_pdf(request, token):
    """The share page as an A4 PDF with a new verification code (one per download)."""
    link, refused = usable_link(request, token)
    if refused is not None:
        return refused
    view = selectors.share_view(passport=link.passport, show_costs=link.show_costs)
    document = document_record(view=view, link=link, language=_pdf_language(request))
    try:
        content = passport_pdf(
            view=view,
            document=document,
            share_url=request.build_absolute_uri(reverse("sharing:page", args=[token])),
            verify_url=request.build_absolute_uri(reverse("sharing:verify")),
        )
    except PdfUnavailable:
        logger.exception("The passport PDF cannot be made: WeasyPrint cannot load Pango.")
        response = render(request, "sharing/pdf_unavailable.html", status=503)
        return _public(response)
    share_link_view(link=link)
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"autopaspoort-{link.passport.plate}-{document.code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _public(response)


@require_GET
def verify(request):
    """Anyone checks a PDF: the code shows the plate, the day it was made and the readings as
    they were then. A code that does not exist says so, and nothing else."""
    form = VerifyForm(request.GET or None)
    document, wait = None, None
    if form.is_bound and form.is_valid():
        wait = ratelimit.hit(ratelimit.VERIFY_PER_IP, ratelimit.client_ip(request))
        if wait:
            form.add_error("code", ratelimit.too_many_link_requests(wait))
        else:
            document = selectors.document_find(code=form.cleaned_data["code"])
            if document is None:
                form.add_error(
                    "code",
                    _("No document has this code. Check the code on the document's footer."),
                )
    response = render(
        request,
        "sharing/verify.html",
        {
            "form": form,
            "document": document,
            "readings": selectors.document_readings(document) if document else [],
        },
        status=429 if wait else 200,
    )
    return _public(response)


# --- Making and revoking links -------------------------------------------------------------------


def _create(request, passport):
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return None
    try:
        link = share_link_create(
            passport=passport,
            actor=request.user,
            days=form.cleaned_data["days"],
            show_costs=form.cleaned_data["show_costs"],
            include_photos=form.cleaned_data["include_photos"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, _("The share link is ready. Copy it from the list below."))
    return link


def _revoke(request, passport, link_id):
    link = get_object_or_404(ShareLink, pk=link_id, passport=passport)
    share_link_revoke(link=link, actor=request.user)
    messages.success(request, _("The share link no longer works."))


def _owner_passport(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    if not passport.is_active:
        raise Http404
    return passport


@require_POST  # a GET is refused before anything is read
@login_required
def owner_create(request, plate):
    passport = _owner_passport(request, plate)
    _create(request, passport)
    return redirect(reverse("portal:car", kwargs={"plate": passport.plate}) + "#share")


@require_POST  # a GET is refused before anything is read
@login_required
def owner_revoke(request, plate, link_id):
    passport = _owner_passport(request, plate)
    _revoke(request, passport, link_id)
    return redirect(reverse("portal:car", kwargs={"plate": passport.plate}) + "#share")


def _stock_passport(garage, plate):
    passport = passport_selectors.passport_get(garage=garage, plate=plate)
    if not passport.is_stock:
        raise Http404
    return passport


@require_POST
@garage_member_required(*SHARE)
def garage_create(request, garage, plate):
    passport = _stock_passport(garage, plate)
    _create(request, passport)
    return redirect(passport.get_absolute_url() + "#share")


@require_POST
@garage_member_required(*SHARE)
def garage_revoke(request, garage, plate, link_id):
    passport = _stock_passport(garage, plate)
    _revoke(request, passport, link_id)
    return redirect(passport.get_absolute_url() + "#share")
