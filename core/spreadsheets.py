"""Helpers for the CSV downloads that garages and support open in Excel."""

from core.money import cents


def spreadsheet_safe(value: str) -> str:
    """Typed text that starts like a formula must not run as one in the reader's Excel."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def spreadsheet_amount(value) -> str:
    """An amount for a CSV cell: a decimal comma, two decimals, no thousands separator and no
    euro sign ("1234,50"), in every language: Dutch Excel reads it as a number, and the
    column's header says it is in euros."""
    return f"{cents(value or 0):.2f}".replace(".", ",")
