"""The owner's quotes (/mijn/<plate>/offerte/<id>/): read a quote, with the photos of its
findings, and approve some of its lines (asking for a time) or decline it.

`quotes.services.refusal` is the one rule for whether a quote can still be answered: the page
shows its reason instead of the forms, and a POST that comes anyway (an old tab, a second
click) is refused with it. Every answer goes through the services in one transaction, so a
refused or invalid answer writes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments import selectors as appointment_selectors
from appointments.services import quote_approve_and_request
from core.errors import ApplicationError
from photos import selectors as photo_selectors
from portal.forms import QuoteApproveForm, QuoteDeclineForm
from quotes import selectors as quote_selectors
from quotes import services as quote_services
from quotes.models import Quote
from quotes.totals import lines_total, quote_total
from transfers import selectors as transfer_selectors


def _owner_car(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    if passport.is_awaiting_activation:
        raise Http404
    return passport


def _get(request, plate, quote_id):
    """The owner's car and the quote sent to them about it (404 for anyone else's)."""
    passport = _owner_car(request, plate)
    quote = quote_selectors.owner_quote_get(user=request.user, passport=passport, quote_id=quote_id)
    return passport, quote


def _selected_total(quote: Quote, lines, chosen: set[int]):
    return lines_total(
        [line for line in lines if line.pk in chosen], includes_vat=quote.prices_include_vat
    )


def _newer_version(quote: Quote, user) -> Quote | None:
    """The version that replaced this one, if the owner may open it (sent to them)."""
    newer = getattr(quote, "replaced_by", None)
    if newer is None or newer.state == Quote.State.DRAFT or newer.owner_id != user.pk:
        return None
    return newer


def _render(request, passport, quote, *, approve_form=None, decline_form=None):
    lines = list(quote.lines.all())  # prefetched, in order, with their findings
    items = [line.check_item for line in lines if line.check_item_id]
    # The findings' photos the owner may see (their own period): one query.
    photo_selectors.attach_photos(
        items,
        photo_selectors.owner_check_photos(
            user=request.user, passport=passport, check=quote.status_check
        ),
    )
    reason = quote_services.refusal(quote)
    answerable = reason is None and quote.state == Quote.State.SENT
    open_request = None
    if answerable:
        # An open appointment request blocks the approval (it asks for another): say so first.
        open_request = appointment_selectors.owner_open_request(
            user=request.user, passport=passport
        )
        approve_form = approve_form or QuoteApproveForm(quote_lines=lines)
        decline_form = decline_form or QuoteDeclineForm()
        chosen = approve_form.chosen_line_ids()
    else:
        approve_form = decline_form = None
        chosen = {line.pk for line in lines if line.accepted}
    previous = quote.replaces
    return render(
        request,
        "portal/quote.html",
        {
            "passport": passport,
            "quote": quote,
            "lines": lines,
            "refusal": reason,
            "approve_form": approve_form,
            "decline_form": decline_form,
            "chosen": chosen,
            "total": quote_total(quote, lines),
            "selected_total": _selected_total(quote, lines, chosen),
            "previous": previous if previous and previous.owner_id == request.user.pk else None,
            "newer": _newer_version(quote, request.user),
            "open_request": open_request,
        },
    )


def _refused(request, passport, quote):
    """A POST to a quote that can no longer be answered: the reason, back on its page."""
    reason = quote_services.refusal(quote)  # None only for a sent quote (drafts are 404s)
    if reason is None:
        return None
    messages.error(request, reason)
    return redirect("portal:quote", plate=passport.plate, quote_id=quote.pk)


@login_required
@require_http_methods(["GET", "POST"])
def quote(request, plate, quote_id):
    """The quote; POST: approve the ticked lines and ask for a time (the appointment page
    next)."""
    passport, quote = _get(request, plate, quote_id)
    if plate != passport.plate:
        return redirect("portal:quote", plate=passport.plate, quote_id=quote.pk)
    if request.method != "POST":
        return _render(request, passport, quote)
    refused = _refused(request, passport, quote)
    if refused is not None:
        return refused
    form = QuoteApproveForm(request.POST, quote_lines=list(quote.lines.all()))
    if form.is_valid():
        try:
            quote_approve_and_request(
                quote=quote,
                actor=request.user,
                line_ids=form.cleaned_data["lines"],
                slots=form.slots(),
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _(
                    "You approved the quote. %(garage)s has your request for an appointment; "
                    "you will get an email with the answer."
                )
                % {"garage": quote.garage.name},
            )
            return redirect("portal:appointment_request", plate=passport.plate)
    # The state may have changed under the form (the garage sent a new version): read again.
    passport, quote = _get(request, passport.plate, quote.pk)
    return _render(request, passport, quote, approve_form=form)


@login_required
@require_POST
def quote_decline(request, plate, quote_id):
    passport, quote = _get(request, plate, quote_id)
    refused = _refused(request, passport, quote)
    if refused is not None:
        return refused
    form = QuoteDeclineForm(request.POST)
    if form.is_valid():
        try:
            quote_services.quote_decline(
                quote=quote, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("You declined the quote. %(garage)s has been told.")
                % {"garage": quote.garage.name},
            )
            return redirect("portal:quote", plate=passport.plate, quote_id=quote.pk)
    passport, quote = _get(request, passport.plate, quote.pk)
    return _render(request, passport, quote, decline_form=form)


@login_required
@require_GET
def quote_selected_total(request, plate, quote_id):
    """htmx: the total of the lines ticked now (`lines`), as the owner ticks them. Without
    JavaScript the page shows it after a submit instead."""
    passport, quote = _get(request, plate, quote_id)
    if not request.htmx:
        return redirect("portal:quote", plate=passport.plate, quote_id=quote.pk)
    lines = list(quote.lines.all())
    chosen = set()
    for value in request.GET.getlist("lines"):
        try:
            chosen.add(int(value))
        except ValueError:
            continue
    return render(
        request,
        "portal/_quote_selected_total.html",
        {"quote": quote, "selected_total": _selected_total(quote, lines, chosen)},
    )
