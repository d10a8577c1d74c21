"""A quote's totals: the one place they are computed.

A line's amount is quantity x unit price rounded half-up to cents, in the quote's own BTW mode
(`Quote.prices_include_vat`: the prices were typed incl. or excl. BTW). The total is the sum of
the line amounts, split once into excl., BTW and incl. by `core.vat.vat_split` (so the figures
add up and the total is what the lines add up to, as the garage typed them). The approved total
is the same over the lines the owner accepted.
"""

from decimal import Decimal

from core.vat import VatSplit, vat_split


def lines_total(lines, *, includes_vat: bool, accepted_only: bool = False) -> VatSplit:
    amount = sum(
        (line.amount for line in lines if not accepted_only or line.accepted), Decimal("0")
    )
    return vat_split(amount, includes_vat=includes_vat)


def quote_total(quote, lines=None, *, accepted_only: bool = False) -> VatSplit:
    """The total of `quote` (its `lines`, or those in the database)."""
    if lines is None:
        lines = list(quote.lines.all())
    return lines_total(lines, includes_vat=quote.prices_include_vat, accepted_only=accepted_only)
