"""Garage pages (/garage/<id>/offertes/...): the garage's quotes and work orders. The owner's
side (reading and answering a quote) is in `portal`.

Admins and sales staff (the menu's "quotes" page) make, send, version and withdraw them; a
mechanic gets a 403 and another garage a 404 (`garage_page`). Every change goes through
`quotes.services`; a refusal lands beside the field it is about (the services name the
formset's fields, "lines-<i>-unit_price")."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from autopaspoort import selectors as passport_selectors
from core.errors import ApplicationError
from core.ids import parse_id
from core.money import RULE as AMOUNT_RULE
from core.pagination import keyset_page, next_page_query
from core.vat import vat_label
from garage.access import garage_page
from photos import selectors as photo_selectors
from quotes import selectors, services
from quotes.forms import MAX_SPARE, PREFIX, QuoteForm, QuoteLineFormSet, line_initial
from quotes.models import QuoteLine
from quotes.totals import lines_total, quote_total

PAGE_SIZE = 50


def _detail_url(quote, **query) -> str:
    url = reverse(
        "quotes:garage_detail", kwargs={"garage_id": quote.garage_id, "quote_id": quote.pk}
    )
    return f"{url}?spare={query['spare']}#lines" if query.get("spare") else url


def _spare(value) -> int:
    """How many empty rows to offer (one, or more after "add line"), bounded."""
    number = parse_id(value) or 1
    return min(number, MAX_SPARE)


@garage_page("quotes")
@require_GET
def garage_list(request, garage):
    """The garage's quotes and work orders by tab, newest first, a page at a time."""
    show = request.GET.get("show", "open")
    if show not in selectors.FILTERS:
        show = "open"
    quotes, cursor = keyset_page(
        selectors.garage_quote_list(garage=garage, show=show),
        after=parse_id(request.GET.get("after")),
        size=PAGE_SIZE,
        key="-id",
    )
    return render(
        request,
        "quotes/garage_list.html",
        {
            "garage": garage,
            "show": show,
            "tabs": [
                ("open", pgettext("quotes tab", "Open")),
                ("draft", pgettext("quotes tab", "Drafts")),
                ("answered", pgettext("quotes tab", "Answered")),
                ("all", pgettext("quotes tab", "All")),
            ],
            "quotes": quotes,
            "next_query": next_page_query(request.GET, cursor),
            "first_page": not request.GET.get("after"),
        },
    )


@garage_page("quotes")
@require_POST
def start(request, garage, plate):
    """ "Make a quote" (or work order) on the car's profile: the car's draft, new or existing."""
    passport = passport_selectors.passport_get(garage=garage, plate=plate)
    try:
        quote = services.quote_start(passport=passport, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(passport)
    return redirect(_detail_url(quote))


def _put_error(error, *, form, formset, rows) -> None:
    """A service refusal beside its field: "lines-<i>-<name>" counts the saved lines, which
    `rows` maps back to the formset's rows (removed and empty rows are not sent)."""
    field = error.field or ""
    if field.startswith(PREFIX + "-"):
        _prefix, index, name = field.split("-", 2)
        position = int(index) if index.isdigit() else -1
        if 0 <= position < len(rows):
            row = formset.forms[rows[position]]
            if name in row.fields:
                row.add_error(name, error.message)
                return
    form.add_error(field if field in form.fields else None, error.message)


def _draft_page(request, garage, quote, lines):
    """The draft: its lines as a formset, validity date, note; Save, Send (or Issue), add a
    line, remove lines; the totals as saved."""
    work_order = quote.is_work_order
    findings = {line.check_item_id: line.check_item for line in lines if line.check_item_id}
    posted = request.method == "POST"
    form = QuoteForm(
        request.POST if posted else None,
        work_order=work_order,
        initial={"valid_until": quote.valid_until, "note": quote.note},
    )
    formset = QuoteLineFormSet(
        request.POST if posted else None,
        prefix=PREFIX,
        # A post is read as it is: with the saved lines as initial data, Django would take a
        # row posted unchanged for an empty one and drop it.
        initial=None if posted else line_initial(lines),
        findings=findings,
    )
    formset.extra = _spare(request.GET.get("spare"))
    if posted:
        action = request.POST.get("action", "save")
        if form.is_valid() and formset.is_valid():
            data, rows = formset.line_data()
            try:
                quote = services.quote_update(
                    quote=quote,
                    actor=request.user,
                    lines=data,
                    valid_until=form.cleaned_data.get("valid_until"),
                    note=form.cleaned_data["note"],
                )
                if action == "send":
                    quote = services.quote_send(quote=quote, actor=request.user)
            except ApplicationError as error:
                _put_error(error, form=form, formset=formset, rows=rows)
            else:
                if action == "send":
                    if work_order:
                        messages.success(request, _("Work order issued to the workshop."))
                    else:
                        messages.success(
                            request,
                            _("Quote sent to %(owner)s. They get an email with a link.")
                            % {"owner": quote.owner.full_name or quote.owner.email},
                        )
                    return redirect(_detail_url(quote))
                if action == "add":
                    messages.success(request, _("Saved. Fill in the new line below."))
                    return redirect(_detail_url(quote, spare=_spare(request.POST.get("spare"))))
                messages.success(request, _("Draft saved."))
                return redirect(_detail_url(quote))
    return form, formset


@garage_page("quotes")
@require_http_methods(["GET", "POST"])
def garage_detail(request, garage, quote_id):
    """One quote or work order: a draft to edit and send; a sent one read-only, with the
    owner's answer, the appointment it led to and its versions."""
    quote = selectors.garage_quote_get(garage=garage, quote_id=quote_id)
    lines = selectors.quote_lines(quote)
    findings = [line.check_item for line in lines if line.check_item_id]
    photo_selectors.attach_photos(findings, photo_selectors.check_photos(check=quote.status_check))
    context = {
        "garage": garage,
        "quote": quote,
        "passport": quote.passport,
        "lines": lines,
        "total": quote_total(quote, lines),
        "vat_label": vat_label(quote.prices_include_vat),
    }
    if quote.is_draft:
        page = _draft_page(request, garage, quote, lines)
        if not isinstance(page, tuple):
            return page  # saved: a redirect
        form, formset = page
        spare = _spare(request.GET.get("spare"))
        context.update(
            form=form,
            formset=formset,
            spare_next=min(spare + 1, MAX_SPARE),
            amount_rule=AMOUNT_RULE,
            can_add=spare < MAX_SPARE,
        )
        return render(request, "quotes/garage_detail.html", context)
    if request.method == "POST":
        return redirect(_detail_url(quote))  # sent: nothing to save (an old tab)
    context.update(
        appointments=selectors.quote_appointments(quote),
        approved=quote_total(quote, lines, accepted_only=True)
        if quote.state == quote.State.APPROVED
        else None,
        answered=any(line.accepted is not None for line in lines),
    )
    return render(request, "quotes/garage_detail.html", context)


@garage_page("quotes")
@require_POST
def garage_totals(request, garage, quote_id):
    """htmx: the draft's totals for what is typed now (nothing saved); the rows that do not
    read yet are left out."""
    quote = selectors.garage_quote_get(garage=garage, quote_id=quote_id)
    if not quote.is_draft:
        raise Http404
    formset = QuoteLineFormSet(request.POST, prefix=PREFIX)
    typed = []
    if formset.management_form.is_valid():
        for row in formset.forms:
            if row.is_valid() and row.cleaned_data and not row.cleaned_data.get("DELETE"):
                typed.append(
                    QuoteLine(
                        quantity=row.cleaned_data["quantity"],
                        unit_price=row.cleaned_data["unit_price"],
                    )
                )
    return render(
        request,
        "quotes/_totals.html",
        {
            "quote": quote,
            "total": lines_total(typed, includes_vat=quote.prices_include_vat),
            "vat_label": vat_label(quote.prices_include_vat),
        },
    )


@garage_page("quotes")
@require_POST
def garage_delete(request, garage, quote_id):
    quote = selectors.garage_quote_get(garage=garage, quote_id=quote_id)
    try:
        services.quote_delete_draft(quote=quote, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(quote))
    messages.success(request, _("Draft deleted."))
    return redirect("quotes:garage_list", garage_id=garage.pk)


@garage_page("quotes")
@require_POST
def garage_new_version(request, garage, quote_id):
    quote = selectors.garage_quote_get(garage=garage, quote_id=quote_id)
    try:
        draft = services.quote_new_version(quote=quote, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(quote))
    messages.success(
        request,
        _("Version %(version)s is a draft: change it and send it to replace version %(old)s.")
        % {"version": draft.version, "old": quote.version},
    )
    return redirect(_detail_url(draft))


@garage_page("quotes")
@require_POST
def garage_withdraw(request, garage, quote_id):
    quote = selectors.garage_quote_get(garage=garage, quote_id=quote_id)
    try:
        services.quote_withdraw(quote=quote, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Withdrawn: it can no longer be answered."))
    return redirect(_detail_url(quote))
