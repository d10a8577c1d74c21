"""Dutch licence plates (kentekens): one canonical form, so one car is one passport.

A plate arrives in whatever spelling a person types ("gj5555", "GJ 55-55") and is stored and shown
in its canonical form: upper case, with dashes where its sidecode puts them ("GJ-55-55"). Only the
14 sidecodes of ordinary 6-character plates are accepted; anything else is refused with a message
the user can act on. Each refusal has its own `code` so forms and tests can tell them apart.

Non-ASCII characters are refused, never folded: "ß".upper() is "SS" and "ı".upper() is "I", so
upper-casing first would turn a typo into some other car's plate.

Special plates (royal house, diplomatic, ZZ special permits, temporary and trade plates) belong to
no ordinary owner and cannot have an AutoPaspoort. Which prefixes count as special is deliberately
a table (`_SPECIAL_PLATES`) that is easy to change: the F- and Z- series of one letter followed only
by digits stand for the temporary plates and also for the green dealer plates
(handelaarskentekens), whose exact format we do not check separately.

Letters the RDW avoids (vowels from sidecode 4 on, C and Q, offensive combinations) are only warned
about, never refused: the RDW has issued such plates, and the registration card is the truth.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# X = letter, 9 = digit. The RDW's sidecodes for ordinary 6-character plates.
SIDECODES = {
    1: "XX-99-99",
    2: "99-99-XX",
    3: "99-XX-99",
    4: "XX-99-XX",
    5: "XX-XX-99",
    6: "99-XX-XX",
    7: "99-XXX-9",
    8: "9-XXX-99",
    9: "XX-999-X",
    10: "X-999-XX",
    11: "XXX-99-X",
    12: "X-99-XXX",
    13: "9-XX-999",
    14: "999-XX-9",
}

SEPARATORS = frozenset(" -._")

# Checked before length and layout: special plates are often shorter or longer than 6 characters,
# and the user should hear "not possible for this kind of plate", not "wrong length".
_SPECIAL_PLATES = (
    (
        re.compile(r"AA"),
        "royal",
        _("This is a plate of the Royal House (AA); such plates cannot have an AutoPaspoort."),
    ),
    (
        re.compile(r"CD"),
        "diplomatic",
        _("This is a diplomatic plate (CD); such plates cannot have an AutoPaspoort."),
    ),
    (
        re.compile(r"ZZ"),
        "special_permit",
        _("This is a special-permit plate (ZZ); such plates cannot have an AutoPaspoort."),
    ),
    (
        re.compile(r"[FZ][0-9]+\Z"),
        "temporary",
        _(
            "This is a temporary or trade plate (F or Z series, including green dealer plates); "
            "such plates cannot have an AutoPaspoort."
        ),
    ),
)

_VOWELS = frozenset("AEIOU")
_RARE_LETTERS = frozenset("CQ")
# Letter combinations the RDW leaves out of new series; matched inside one letter group only.
_EXCLUDED_COMBINATIONS = (
    "GVD",
    "KKK",
    "KVT",
    "LPF",
    "NSB",
    "PKK",
    "PSV",
    "TBS",
    "SS",
    "SD",
    "PVV",
    "SGP",
    "VVD",
)
# Vowels appear on plates up to sidecode 3; from sidecode 4 on the RDW does not use them.
_LAST_SIDECODE_WITH_VOWELS = 3


def _compile_layouts():
    """Map the letter/digit shape of a compact plate to its sidecode and group lengths.

    The shapes are unique, so the compact input alone decides the sidecode; a duplicate in the
    table would be a typo, and is refused at import rather than silently shadowed.
    """
    layouts = {}
    for number, pattern in SIDECODES.items():
        shape = pattern.replace("-", "")
        if shape in layouts:
            raise ValueError(f"sidecodes {layouts[shape][0]} and {number} share layout {pattern}")
        layouts[shape] = (number, tuple(len(group) for group in pattern.split("-")))
    return layouts


_LAYOUTS = _compile_layouts()


def compact(raw: str) -> str:
    """The plate without separators, ASCII letters upper-cased: for partial search, no checks.

    Non-ASCII characters stay exactly as typed, so they can never match an ASCII plate by accident.
    """
    return "".join(
        char.upper() if char.isascii() else char for char in (raw or "") if char not in SEPARATORS
    )


def _parse(raw: str) -> tuple[str, int]:
    """(canonical plate, sidecode), or ValidationError saying what is wrong, most useful first."""
    value = compact(raw)
    if not value:
        raise ValidationError(
            _("Enter a licence plate: 6 letters and digits, e.g. GJ-55-55."),
            code="plate_length",
            params={"count": 0},
        )
    if not all(char.isascii() and char.isalnum() for char in value):
        raise ValidationError(
            _("A licence plate contains only the letters A–Z and digits."),
            code="plate_characters",
        )
    for pattern, kind, message in _SPECIAL_PLATES:
        if pattern.match(value):
            raise ValidationError(message, code="plate_special", params={"kind": kind})
    if len(value) != 6:
        raise ValidationError(
            _("A Dutch licence plate has 6 letters and digits; you entered %(count)s."),
            code="plate_length",
            params={"count": len(value)},
        )
    shape = "".join("9" if char.isdigit() else "X" for char in value)
    if shape not in _LAYOUTS:
        raise ValidationError(
            _("This is not a Dutch licence plate layout (e.g. GJ-55-55 or 12-ABC-3)."),
            code="plate_layout",
        )
    number, lengths = _LAYOUTS[shape]
    groups, start = [], 0
    for length in lengths:
        groups.append(value[start : start + length])
        start += length
    return "-".join(groups), number


def normalize(raw: str) -> str:
    """The canonical plate ("gj5555" -> "GJ-55-55"); ValidationError if it is not a valid plate."""
    return _parse(raw)[0]


def sidecode(raw: str) -> int:
    """The sidecode (1-14) of a valid plate; ValidationError like `normalize`."""
    return _parse(raw)[1]


def warnings(plate: str) -> list[str]:
    """Translated warnings about letters the RDW avoids but has issued; empty for most plates.

    These never refuse a plate: they ask the person to compare it with the registration card,
    because a typo is more likely than such a plate, but such plates do exist.
    """
    canonical, number = _parse(plate)
    letter_groups = [group for group in canonical.split("-") if group.isalpha()]
    letters = "".join(letter_groups)
    found = []

    vowels = _in_order(char for char in letters if char in _VOWELS)
    if vowels and number > _LAST_SIDECODE_WITH_VOWELS:
        found.append(
            gettext(
                "Unusual plate: %(plate)s contains the vowel(s) %(letters)s, which the RDW does "
                "not use in this series. Please check it against the registration card "
                "(kentekenbewijs)."
            )
            % {"plate": canonical, "letters": ", ".join(vowels)}
        )

    rare = _in_order(char for char in letters if char in _RARE_LETTERS)
    if rare:
        found.append(
            gettext(
                "Unusual plate: %(plate)s contains the letter(s) %(letters)s, which the RDW does "
                "not normally use. Please check it against the registration card (kentekenbewijs)."
            )
            % {"plate": canonical, "letters": ", ".join(rare)}
        )

    combinations = [
        combination
        for combination in _EXCLUDED_COMBINATIONS
        if any(combination in group for group in letter_groups)
    ]
    if combinations:
        found.append(
            gettext(
                "Unusual plate: %(plate)s contains the letter combination(s) %(letters)s, which "
                "the RDW does not issue. Please check it against the registration card "
                "(kentekenbewijs)."
            )
            % {"plate": canonical, "letters": ", ".join(combinations)}
        )
    return found


def _in_order(chars) -> list[str]:
    """Each character once, in the order it first appears: for a readable message."""
    return list(dict.fromkeys(chars))
