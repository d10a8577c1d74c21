"""Quotes for the tests, made through the services the garage's pages call: a check recorded
by `record_check`, a draft started from it (`start`), sent (`sent_quote`)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from quotes import services
from quotes.services import LineData
from tests.autopaspoort.factories import Rating, item, record_check
from tests.transfers.factories import customer_passport

FINDINGS = [
    item(component="brakes_rear", rating=Rating.SOON, cost="180.00"),
    item(component="brakes_front", rating=Rating.NOW, cost="420.50", note="Schijven en blokken"),
    item(component="wipers", rating=Rating.OK),
]


def checked_car(garage, owner, **fields):
    """An owner's car with a recorded check: brakes front now, rear soon, the wipers fine."""
    car = customer_passport(garage, owner, **fields)
    record_check(car, items=list(FINDINGS))
    car.refresh_from_db()
    return car


def start(car, actor=None):
    return services.quote_start(passport=car, actor=actor or car.garage.account_user)


def sent_quote(car, actor=None, *, valid_days=30):
    actor = actor or car.garage.account_user
    quote = start(car, actor)
    if not quote.lines.exists():  # a check without findings: the garage types a line
        services.quote_update(
            quote=quote, actor=actor, lines=[line()], valid_until=quote.valid_until
        )
    if valid_days is not None and not quote.is_work_order:
        quote.valid_until = timezone.localdate() + timedelta(days=valid_days)
        quote.save(update_fields=["valid_until"])
    return services.quote_send(quote=quote, actor=actor)


def line(description="Remblokken voor", quantity="1", price="100.00", **kwargs) -> LineData:
    return LineData(
        description=description, quantity=Decimal(quantity), unit_price=Decimal(price), **kwargs
    )
