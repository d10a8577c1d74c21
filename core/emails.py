"""Email addresses as stored everywhere: one form, so a lookup never misses by case."""


def normalize_email(email: str) -> str:
    """The one stored form of an email address: trimmed and lower case, local part included.

    Mail providers treat the local part case-insensitively in practice, and people type
    `Jan@Example.nl` and `jan@example.nl` for the same mailbox, so we store one form.
    """
    return (email or "").strip().lower()
