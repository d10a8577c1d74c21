"""Small fixes to sentences built from names."""

import re

from django.utils.safestring import SafeData, mark_safe

# A full stop right after a word that ends in one ("Jansen B.V." + "."), not part of "...".
_DOUBLE_STOP = re.compile(r"(?<=\w\.)\.(?!\.)")


def single_stop(text: str) -> str:
    """One full stop where a name that ends in one closes a sentence: "bij Jansen B.V.." reads
    "bij Jansen B.V.". A translation may put the name last in one language and not in another,
    so the finished sentence is fixed, not the name."""
    fixed = _DOUBLE_STOP.sub("", str(text))
    # Removing a full stop cannot make markup, so safe text stays safe.
    return mark_safe(fixed) if isinstance(text, SafeData) else fixed  # noqa: S308
