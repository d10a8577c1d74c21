"""Which text a legal page shows: the admin's for the visitor's language, else the admin's in
the other language, else the default that ships with the code."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings

from legal.models import LegalPage

# The day the default texts (templates/legal/default_*.html) last changed.
DEFAULTS_CHANGED_ON = date(2026, 12, 5)


@dataclass(frozen=True)
class LegalText:
    kind: str
    page: LegalPage | None  # None: the default text's template
    template: str
    changed_on: date


def legal_text(*, kind: str, language: str) -> LegalText:
    languages = [language] + [code for code, _name in settings.LANGUAGES if code != language]
    pages = {page.language: page for page in LegalPage.objects.filter(kind=kind)}
    for code in languages:
        if code in pages:
            page = pages[code]
            return LegalText(kind, page, "", page.updated_at.date())
    default = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    return LegalText(kind, None, f"legal/default_{kind}_{default}.html", DEFAULTS_CHANGED_ON)
