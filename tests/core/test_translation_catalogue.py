"""The Dutch UI depends on the committed .mo file: it must say what the .po says."""

import gettext
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"


def test_compiled_dutch_catalogue_matches_its_source():
    source = polib.pofile(str(CATALOGUE / "django.po"))
    with open(CATALOGUE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in source.translated_entries():
        if entry.msgid_plural:
            compiled_text = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            expected = entry.msgstr_plural[0]
        elif entry.msgctxt:
            compiled_text = compiled.pgettext(entry.msgctxt, entry.msgid)
            expected = entry.msgstr
        else:
            compiled_text = compiled.gettext(entry.msgid)
            expected = entry.msgstr
        if compiled_text != expected:
            stale.append(entry.msgid)
    assert stale == [], "run `make messages` and commit locale/: the .mo is out of date"


def test_every_dutch_entry_is_translated():
    source = polib.pofile(str(CATALOGUE / "django.po"))
    assert source.untranslated_entries() == []
    assert source.fuzzy_entries() == []


def test_default_language_is_dutch_with_english_available():
    assert settings.LANGUAGE_CODE == "nl"
    with translation.override("nl"):
        assert translation.gettext("Staff") == "Medewerkers"
    with translation.override("en"):
        assert translation.gettext("Staff") == "Staff"
