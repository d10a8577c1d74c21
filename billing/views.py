import logging

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing import selectors
from billing.models import Invoice
from billing.pdf import PdfUnavailable, invoice_pdf
from garage.access import garage_page

logger = logging.getLogger(__name__)


@garage_page("usage")
@require_GET
def usage(request, garage):
    """ "Gebruik en facturen": this month so far (an estimate), the closed months and their
    invoices. The garage's admins only, like the settings."""
    return render(
        request,
        "billing/usage.html",
        {
            "garage": garage,
            "estimate": selectors.usage_estimate(garage=garage, today=timezone.localdate()),
            "statements": selectors.statement_list(garage=garage),
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
