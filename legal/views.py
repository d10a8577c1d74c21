from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from legal.models import LegalPage
from legal.selectors import legal_text


def _page(request, kind):
    text = legal_text(kind=kind, language=translation.get_language())
    context = {
        "text": text,
        "page": text.page,
        # The default privacy text states the retention period as configured.
        "retention_days": settings.PREVIOUS_OWNER_RETENTION_DAYS,
    }
    return render(request, "legal/page.html", context)


@require_GET
def privacy(request):
    return _page(request, LegalPage.Kind.PRIVACY)


@require_GET
def terms(request):
    return _page(request, LegalPage.Kind.TERMS)
