"""The owner's quotes (/mijn/<plate>/offerte/<id>/): read a quote, with the photos of its
findings, and approve some of its lines (asking for a time) or decline it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from quotes import selectors as quote_selectors
from quotes.services import refusal
from transfers import selectors as transfer_selectors


def _owner_car(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    if passport.is_awaiting_activation:
        raise Http404
    return passport


@login_required
@require_http_methods(["GET", "POST"])
def quote(request, plate, quote_id):
    passport = _owner_car(request, plate)
    if plate != passport.plate:
        return redirect("portal:quote", plate=passport.plate, quote_id=quote_id)
    quote = quote_selectors.owner_quote_get(user=request.user, passport=passport, quote_id=quote_id)
    return render(
        request,
        "portal/quote.html",
        {"passport": passport, "quote": quote, "refusal": refusal(quote)},
    )
