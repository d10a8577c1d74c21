"""The Dutch UI depends on the committed .mo file: it must say what the .po says."""

import gettext
import re
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands import makemessages
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


class _ExtractInto(makemessages.Command):
    """`make messages` as it runs, but writing its .pot (and a scratch .po) into `target`."""

    def __init__(self, target):
        super().__init__()
        self.target = str(target)

    def find_files(self, root):
        files = super().find_files(root)
        self.locale_paths.insert(0, self.target)
        for translatable in files:
            translatable.locale_dir = self.target
        return files


def test_every_text_in_the_code_has_dutch_in_the_committed_catalogue(tmp_path, monkeypatch):
    """Catches a msgid added without running `make messages`, and one left untranslated."""
    monkeypatch.chdir(settings.BASE_DIR)
    call_command(
        _ExtractInto(tmp_path),
        locale=["nl"],
        keep_pot=True,
        no_obsolete=True,
        ignore_patterns=[".venv", "var", "node_modules"],
        verbosity=0,
    )
    in_code = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(tmp_path / "django.pot"))}
    source = polib.pofile(str(CATALOGUE / "django.po"))
    translated = {
        (entry.msgctxt, entry.msgid)
        for entry in source
        if entry.translated() and "fuzzy" not in entry.flags
    }

    assert sorted(msgid for _, msgid in in_code - translated) == []
    assert sorted(msgid for _, msgid in translated - in_code) == [], "obsolete entries"


INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jouwe|jezelf)\b", re.IGNORECASE)


def test_the_dutch_texts_address_the_reader_as_u():
    source = polib.pofile(str(CATALOGUE / "django.po"))
    informal = [
        text
        for entry in source
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if INFORMAL.search(text)
    ]

    assert informal == []
