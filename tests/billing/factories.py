"""Tariffs and usage rows for the billing tests. Usage rows are written directly (the
closing job reads them; how they are counted is insights' business, tested there), except in
the month-boundary tests, which go through the real count."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.models import Tariff, TariffTier
from insights.models import MonthlyUsage

JUNE = date(2025, 6, 1)
JULY = date(2025, 7, 1)
TODAY = date(2025, 7, 10)  # June is the last complete month


def tariff(valid_from=date(2024, 1, 1), *, tiers=(), **prices) -> Tariff:
    fields = {
        "name": f"Tarief {valid_from:%Y-%m}",
        "monthly_minimum": Decimal("0"),
        "price_active_passport": Decimal("0.50"),
        "price_transfer_completed": Decimal("1.25"),
        "price_quote_sent": Decimal("0.10"),
        "price_photo": Decimal("0.0125"),
        "free_photos": 50,
    }
    fields.update({key: Decimal(str(value)) for key, value in prices.items()})
    if "free_photos" in prices:
        fields["free_photos"] = int(prices["free_photos"])
    made = Tariff.objects.create(valid_from=valid_from, **fields)
    for start, price in tiers:
        TariffTier.objects.create(
            tariff=made, from_quantity=start, price_active_passport=Decimal(price)
        )
    return made


def usage(garage, month=JUNE, **counts) -> MonthlyUsage:
    fields = {
        "active_passports": 0,
        "passports_created": 0,
        "transfers_completed": 0,
        "quotes_sent": 0,
        "photos_added": 0,
    }
    fields.update(counts)
    return MonthlyUsage.objects.create(
        garage=garage, month=month, computed_at=timezone.now(), **fields
    )
