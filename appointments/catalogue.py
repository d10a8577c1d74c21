"""The warning-light catalogue: content written by us, shipped as `data/warning_lights.json`.

The lights are data, not code: the texts are edited (and reviewed) as content, in both
languages side by side, and the file can be read as it is by anything else that wants it (a
mobile app, the GMS). It is read once per process and checked while loading: a light without
both languages, a known urgency or an icon fails at start-up and in the tests, not on a page.
Icons are the inner elements of a 24x24 SVG drawn in `currentColor`, so the page colours them
by urgency; only plain shape elements are accepted, so the markup is safe to put in a page.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

DATA_FILE = Path(__file__).resolve().parent / "data" / "warning_lights.json"
LANGUAGES = ("nl", "en")
URGENCIES = ("red", "orange", "green")
URGENCY_LABELS = {
    "red": _("Stop as soon as it is safe"),
    "orange": _("Have it looked at soon"),
    "green": _("Information"),
}
_ICON_TAG = re.compile(r"<\s*/?\s*([a-zA-Z]+)")
_ICON_ELEMENTS = {"path", "circle", "rect", "line", "polyline", "polygon", "ellipse", "text", "g"}
_ICON_FORBIDDEN = re.compile(r"\son[a-z]+\s*=|href|url\(|javascript:|<!|&", re.IGNORECASE)
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class CatalogueError(ValueError):
    """The data file is not what the portal needs."""


@dataclass(frozen=True)
class LightText:
    name: str
    meaning: str
    action: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class WarningLight:
    code: str
    urgency: str
    icon: SafeString
    texts: dict  # language -> LightText

    def text(self, language: str | None = None) -> LightText:
        return self.texts[language_of(language)]

    @property
    def urgency_label(self):
        return URGENCY_LABELS[self.urgency]


@dataclass(frozen=True)
class LightInLanguage:
    """One light as a page in one language shows it."""

    code: str
    urgency: str
    urgency_label: str
    icon: SafeString
    name: str
    meaning: str
    action: str


def language_of(language: str | None = None) -> str:
    """The catalogue language for a Django language code ("en-gb" -> "en"); Dutch otherwise."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in LANGUAGES else LANGUAGES[0]


def _check_icon(code: str, icon: str) -> SafeString:
    if not icon.strip():
        raise CatalogueError(f"{code}: no icon")
    unknown = {tag.lower() for tag in _ICON_TAG.findall(icon)} - _ICON_ELEMENTS
    if unknown or _ICON_FORBIDDEN.search(icon):
        raise CatalogueError(f"{code}: icon may only hold plain shapes, found {unknown or icon}")
    return mark_safe(icon)  # noqa: S308 - our own data, checked above to hold shapes only


def parse(raw: dict) -> tuple[WarningLight, ...]:
    lights, seen = [], set()
    for entry in raw["lights"]:
        code = entry.get("code", "")
        if not _CODE.match(code) or code in seen:
            raise CatalogueError(f"bad or repeated code {code!r}")
        seen.add(code)
        if entry.get("urgency") not in URGENCIES:
            raise CatalogueError(f"{code}: urgency must be one of {URGENCIES}")
        texts = {}
        for language in LANGUAGES:
            text = entry.get(language) or {}
            missing = [field for field in ("name", "meaning", "action") if not text.get(field)]
            if missing:
                raise CatalogueError(f"{code}: {language} lacks {', '.join(missing)}")
            texts[language] = LightText(
                name=text["name"],
                meaning=text["meaning"],
                action=text["action"],
                keywords=tuple(text.get("keywords", ())),
            )
        lights.append(
            WarningLight(
                code=code,
                urgency=entry["urgency"],
                icon=_check_icon(code, entry.get("icon", "")),
                texts=texts,
            )
        )
    return tuple(lights)


@cache
def all_lights() -> tuple[WarningLight, ...]:
    with open(DATA_FILE, encoding="utf-8") as handle:
        return parse(json.load(handle))


@cache
def _by_code() -> dict[str, WarningLight]:
    return {light.code: light for light in all_lights()}


def light_get(code: str) -> WarningLight | None:
    return _by_code().get(code)


def light_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of every light, by name, for a select field."""
    language = language_of(language)
    return sorted(
        ((light.code, light.text(language).name) for light in all_lights()),
        key=lambda choice: _fold(choice[1]),
    )


def _fold(text: str) -> str:
    """Lower case without accents, so "remvloeistof" finds "Remvloeistof" and "creme" "crème"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def in_language(light: WarningLight, language: str) -> LightInLanguage:
    text = light.text(language)
    return LightInLanguage(
        code=light.code,
        urgency=light.urgency,
        urgency_label=str(light.urgency_label),
        icon=light.icon,
        name=text.name,
        meaning=text.meaning,
        action=text.action,
    )


def light_search(query: str = "", *, language: str | None = None) -> list[LightInLanguage]:
    """The lights whose name, meaning or search words (in `language`) contain every word of
    the query; red first, then orange, then green, each by name. No query: all of them."""
    language = language_of(language)
    words = _fold(query).split()
    found = []
    for light in all_lights():
        text = light.text(language)
        haystack = _fold(" ".join((text.name, text.meaning, *text.keywords)))
        if all(word in haystack for word in words):
            found.append(in_language(light, language))
    found.sort(key=lambda light: (URGENCIES.index(light.urgency), _fold(light.name)))
    return found
