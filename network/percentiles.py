"""Percentiles as PostgreSQL's `percentile_cont` computes them (linear interpolation between
the two nearest values), for the SQLite path and the tests."""

from decimal import Decimal


def percentile_cont(values, fraction: float):
    """The `fraction` percentile (0..1) of `values`, or None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    weight = position - lower
    low, high = float(ordered[lower]), float(ordered[upper])
    return low + (high - low) * weight


def median(values):
    return percentile_cont(values, 0.5)


def as_cents(value) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2))).quantize(Decimal("0.01"))
