"""An invoice or credit note as an A4 PDF, drawn by WeasyPrint like the passport PDF
(`sharing.pdf`): a print template rendered in the garage's language. Made on request from the
stored rows, never stored itself, so the same invoice always prints the same."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sharing.pdf import PdfUnavailable

__all__ = ["PdfUnavailable", "invoice_pdf"]


def invoice_pdf(*, invoice, language: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: the Pango library cannot be loaded
        raise PdfUnavailable(str(error)) from error
    sign = -1 if invoice.kind == invoice.Kind.CREDIT_NOTE else 1
    lines = list(invoice.statement.lines.all())
    for line in lines:  # a credit note prints the statement's lines negated
        line.signed_amount = sign * line.amount
    with translation.override(language):
        html = render_to_string(
            "billing/invoice_pdf.html",
            {
                "invoice": invoice,
                "statement": invoice.statement,
                "lines": lines,
                "issued_on": timezone.localdate(invoice.issued_at),
                "seller": settings.BILLING_SELLER,
                "payment_days": settings.BILLING_PAYMENT_DAYS,
                "language": language,
            },
        )
    return HTML(string=html).write_pdf()
