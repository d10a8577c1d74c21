"""Races of the closing job, each side on its own database connection (threads let go by a
barrier, as in tests/reliability/test_concurrency.py): two beat runs at once make one
statement per garage; twenty garages closed at once get invoice numbers 1..20."""

import pytest

from billing.models import Invoice, InvoiceCounter, Statement, StatementLine
from billing.services import statement_close, statements_close
from notifications.models import Notification
from tests.billing.factories import JUNE, TODAY, tariff, usage
from tests.garage.factories import GarageFactory
from tests.reliability.test_concurrency import at_once

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.django_db(transaction=True),
]

GARAGES_AT_ONCE = 20


def test_two_beat_runs_at_once_make_one_statement_per_garage(db):
    tariff()
    garages = [GarageFactory() for _ in range(3)]
    for number, garage in enumerate(garages, start=1):
        usage(garage, active_passports=number)

    results = at_once([lambda: statements_close(month=JUNE, today=TODAY)] * 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(run.closed for run in results) == 3
    assert Statement.objects.count() == 3
    assert StatementLine.objects.count() == 3 * 4
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3]
    assert Notification.objects.filter(kind=Notification.Kind.INVOICE_ISSUED).count() == 3


def test_invoice_numbers_have_no_gap_and_no_duplicate_under_concurrent_closings(db):
    tariff()
    rows = [usage(GarageFactory(), active_passports=1) for _ in range(GARAGES_AT_ONCE)]

    results = at_once([lambda row=row: statement_close(usage_id=row.pk) for row in rows])

    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = list(Invoice.objects.values_list("number", flat=True))
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, GARAGES_AT_ONCE + 1))
    assert len(set(numbers)) == GARAGES_AT_ONCE
    assert InvoiceCounter.objects.get().last_number == GARAGES_AT_ONCE
