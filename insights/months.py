"""Calendar months in the garage's time zone (the project's TIME_ZONE): a month is its first
day; its bounds are aware datetimes, the start included and the end excluded."""

from datetime import date, datetime, time

from django.utils import timezone


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def last_months(today: date, count: int = 12) -> list[date]:
    """The `count` months up to and including today's, oldest first."""
    current = month_of(today)
    return [add_months(current, offset) for offset in range(1 - count, 1)]


def last_complete_month(today: date) -> date:
    return add_months(month_of(today), -1)


def start_of(day: date) -> datetime:
    """Midnight at the start of `day`, local time."""
    return timezone.make_aware(datetime.combine(day, time.min))


def month_bounds(month: date) -> tuple[datetime, datetime]:
    return start_of(month), start_of(add_months(month, 1))
