"""Verification codes of the passport PDFs: short enough to type from paper."""

import secrets

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
CODE_LENGTH = 12
# What people type for what they read (Crockford): O is 0, I and L are 1.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def document_code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def document_code_normalize(typed: str) -> str | None:
    """A typed code in canonical form (upper case, look-alikes read, grouped), or None."""
    raw = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_READ_AS)
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
