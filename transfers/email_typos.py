"""'Did you mean ...?' for mistyped email domains, the most common way a car reaches nobody.

A domain that is not one of the popular ones but lies within two edits (a swap of two
neighbouring letters counts as one) of one of them gets a suggestion. The user may accept it or
keep what they typed: small providers and company domains are legitimate.
"""

POPULAR_DOMAINS = (
    "gmail.com",
    "hotmail.com",
    "hotmail.nl",
    "outlook.com",
    "outlook.nl",
    "live.nl",
    "live.com",
    "icloud.com",
    "me.com",
    "yahoo.com",
    "ziggo.nl",
    "kpnmail.nl",
    "kpnplanet.nl",
    "planet.nl",
    "home.nl",
    "xs4all.nl",
    "upcmail.nl",
    "hetnet.nl",
    "chello.nl",
    "casema.nl",
    "telfort.nl",
    "online.nl",
    "quicknet.nl",
    "zeelandnet.nl",
    "solcon.nl",
    "msn.com",
)
# Real providers that look like typos of the popular ones: never "correct" them.
KNOWN_DOMAINS = frozenset(
    {
        "ymail.com",
        "mail.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "aol.com",
        "hccnet.nl",
        "kabelfoon.nl",
        "caiway.nl",
        "delta.nl",
        "tele2.nl",
        "proton.me",
        "protonmail.com",
        "skynet.be",
        "telenet.be",
    }
)
# Country endings under which the big providers really exist (hotmail.be, outlook.de).
COUNTRY_VARIANTS = frozenset({"be", "de", "fr", "es", "it", "at", "ch", "lu", "dk", "se", "uk"})
SHORT_DOMAIN = 9  # below this length one edit is the limit: hema.nl is not a typo of home.nl


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous_row, row = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1]


def suggest(email: str) -> str | None:
    """The email with its domain corrected, or None when there is nothing to suggest."""
    local, at, domain = (email or "").strip().rpartition("@")
    domain = domain.lower()
    if not at or not local or not domain or domain in POPULAR_DOMAINS or domain in KNOWN_DOMAINS:
        return None
    name, _dot, country = domain.rpartition(".")
    if country in COUNTRY_VARIANTS and any(p.rpartition(".")[0] == name for p in POPULAR_DOMAINS):
        return None  # hotmail.be, outlook.de: the same provider in another country
    best = min(POPULAR_DOMAINS, key=lambda candidate: _distance(domain, candidate))
    if _distance(domain, best) <= (1 if len(best) < SHORT_DOMAIN else 2):
        return f"{local}@{best}"
    return None
