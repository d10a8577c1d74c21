"""Helpers for the CSV downloads that garages and support open in Excel."""


def spreadsheet_safe(value: str) -> str:
    """Typed text that starts like a formula must not run as one in the reader's Excel."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
