import logging
from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing import selectors
from billing.models import Invoice
from billing.pdf import PdfUnavailable, invoice_pdf
from core.pagination import keyset_page, next_page_query
from garage.access import garage_page

logger = logging.getLogger(__name__)

MONTHS_PER_PAGE = 12


def _month_param(value: str) -> date | None:
    """`?after=2025-06`: the closed months before June 2025; anything else: from the newest."""
    try:
        return date.fromisoformat(f"{value[:7]}-01") if value else None
    except ValueError:
        return None


@garage_page("usage")
@require_GET
def usage(request, garage):
    """ "Gebruik en facturen": this month so far (an estimate), the closed months (a year a
    page, newest first) and their invoices. The garage's admins only, like the settings."""
    after = _month_param(request.GET.get("after", ""))
    statements, cursor = keyset_page(
        selectors.statement_list(garage=garage), after=after, size=MONTHS_PER_PAGE, key="-month"
    )
    return render(
        request,
        "billing/usage.html",
        {
            "garage": garage,
            "estimate": selectors.usage_estimate(garage=garage, today=timezone.localdate()),
            "statements": statements,
            "next_query": next_page_query(request.GET, cursor and f"{cursor:%Y-%m}"),
            "first_page": after is None,
        },
    )


@garage_page("usage")
@require_GET
def invoice_download(request, garage, invoice_id):
    try:
        invoice = selectors.invoice_get(garage=garage, invoice_id=invoice_id)
    except Invoice.DoesNotExist:
        raise Http404 from None
    try:
        content = invoice_pdf(invoice=invoice, language=request.LANGUAGE_CODE)
    except PdfUnavailable:
        logger.exception("The invoice PDF cannot be made: WeasyPrint cannot load Pango.")
        return render(request, "billing/pdf_unavailable.html", status=503)
    response = HttpResponse(content, content_type="application/pdf")
    kind = "creditnota" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "factuur"
    response["Content-Disposition"] = (
        f'attachment; filename="autopaspoort-{kind}-{invoice.number}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
