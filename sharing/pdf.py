"""The passport as an A4 PDF (WeasyPrint, which draws with the system's Pango): the share page's
content in a print template, two QR codes (segno, inline SVG) and the verification code in
every page's footer. Imported lazily, so the site runs (and says so) without Pango."""

import segno
from django.template.loader import render_to_string
from django.utils import translation


class PdfUnavailable(Exception):
    """WeasyPrint or the Pango library it loads is missing on this machine."""


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=2)


def passport_pdf(*, view, document, share_url: str, verify_url: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: the Pango library cannot be loaded
        raise PdfUnavailable(str(error)) from error
    with translation.override(document.language):
        html = render_to_string(
            "sharing/passport_pdf.html",
            {
                "view": view,
                "document": document,
                "share_url": share_url,
                "verify_url": verify_url,
                "share_qr": qr_svg(share_url),
                "verify_qr": qr_svg(f"{verify_url}?code={document.code}"),
            },
        )
    return HTML(string=html).write_pdf()
