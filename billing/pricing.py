"""The arithmetic of a statement, pure: usage quantities and a tariff in, lines and totals out.
The closing job, the estimate of the running month and the recomputing test all call this one
function, so a closed month can always be recomputed from its usage record.

The rounding rule (docs/architecture.md, "Billing"), as Dutch invoices do it:

1. each line's amount = quantity x unit price, rounded half-up to whole cents (unit prices may
   have four decimals; amounts never have more than two);
2. the subtotal is the sum of the rounded line amounts; a top-up line brings it to the monthly
   minimum if it is below;
3. VAT is 21 % of the subtotal, rounded half-up to whole cents once (`core.vat.vat_split`), not
   the sum of per-line VAT;
4. total = subtotal + VAT, exactly.
"""

from dataclasses import dataclass
from decimal import Decimal

from billing.models import LineKind
from core.money import cents
from core.vat import VAT_RATE, vat_split


@dataclass(frozen=True)
class Usage:
    """The quantities a month is billed by."""

    active_passports: int = 0
    transfers_completed: int = 0
    quotes_sent: int = 0
    photos_added: int = 0


@dataclass(frozen=True)
class Prices:
    """A tariff's prices (the model's fields, or any object with the same attributes), with its
    tiers as (from_quantity, price) sorted by from_quantity."""

    monthly_minimum: Decimal
    price_active_passport: Decimal
    price_transfer_completed: Decimal
    price_quote_sent: Decimal
    price_photo: Decimal
    free_photos: int
    tiers: tuple[tuple[int, Decimal], ...] = ()

    @classmethod
    def of(cls, tariff) -> "Prices":
        return cls(
            monthly_minimum=tariff.monthly_minimum,
            price_active_passport=tariff.price_active_passport,
            price_transfer_completed=tariff.price_transfer_completed,
            price_quote_sent=tariff.price_quote_sent,
            price_photo=tariff.price_photo,
            free_photos=tariff.free_photos,
            tiers=tuple(
                sorted(
                    (tier.from_quantity, tier.price_active_passport) for tier in tariff.tiers.all()
                )
            ),
        )


@dataclass(frozen=True)
class Line:
    kind: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    tier_from: int | None = None
    tier_to: int | None = None  # None: no upper bound


@dataclass(frozen=True)
class Priced:
    lines: list[Line]
    subtotal: Decimal
    vat_rate: Decimal  # percent, 21.00
    vat_amount: Decimal
    total: Decimal


def line(kind, quantity, unit_price, *, tier_from=None, tier_to=None) -> Line:
    unit_price = Decimal(unit_price)
    return Line(
        kind=kind,
        quantity=quantity,
        unit_price=unit_price,
        amount=cents(quantity * unit_price),
        tier_from=tier_from,
        tier_to=tier_to,
    )


def passport_lines(quantity: int, prices: Prices) -> list[Line]:
    """Graduated tiers: passports 1..(first tier - 1) at the base price, each tier's range at
    its price. Only the tiers the quantity reaches are lines (one line at the base price if
    the quantity is 0). Without tiers: one line without a tier."""
    kind = LineKind.ACTIVE_PASSPORTS
    if not prices.tiers:
        return [line(kind, quantity, prices.price_active_passport)]
    starts = [1, *(start for start, _price in prices.tiers)]
    unit_prices = [prices.price_active_passport, *(price for _start, price in prices.tiers)]
    lines = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else None
        if quantity < start and lines:
            break
        upto = quantity if end is None else min(quantity, end)
        lines.append(
            line(kind, max(0, upto - start + 1), unit_prices[index], tier_from=start, tier_to=end)
        )
    return lines


def price(usage: Usage, prices: Prices) -> Priced:
    lines = [
        *passport_lines(usage.active_passports, prices),
        line(
            LineKind.TRANSFERS_COMPLETED, usage.transfers_completed, prices.price_transfer_completed
        ),
        line(LineKind.QUOTES_SENT, usage.quotes_sent, prices.price_quote_sent),
        line(
            LineKind.PHOTOS,
            max(0, usage.photos_added - prices.free_photos),
            prices.price_photo,
            tier_from=prices.free_photos + 1,
        ),
    ]
    subtotal = sum((item.amount for item in lines), Decimal("0.00"))
    minimum = cents(prices.monthly_minimum)
    if subtotal < minimum:
        lines.append(line(LineKind.MINIMUM, 1, minimum - subtotal))
        subtotal = minimum
    split = vat_split(subtotal, includes_vat=False)
    return Priced(
        lines=lines,
        subtotal=split.excl,
        vat_rate=cents(VAT_RATE * 100),
        vat_amount=split.vat,
        total=split.incl,
    )
