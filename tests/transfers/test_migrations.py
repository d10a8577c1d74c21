import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.autopaspoort.factories import PassportFactory

pytestmark = pytest.mark.django_db

BEFORE = ("transfers", "0005_transfer_reason")
NO_CANCELLED = ("transfers", "0006_no_cancelled_state")


def _at_0005():
    with connection.cursor() as cursor:  # the fixtures' deferred checks, before ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    return executor.loader.project_state([BEFORE]).apps.get_model("transfers", "Transfer")


def _transfer(model, passport, owner, state):
    return model.objects.create(
        passport_id=passport.pk,
        previous_owner_was_garage=True,
        new_owner_id=owner.pk,
        new_owner_is_new=False,
        email=owner.email,
        via="garage",
        state=state,
    )


def test_the_cancelled_state_goes_and_other_transfers_stay(garage, owner):
    old = _at_0005()
    kept = _transfer(old, PassportFactory(garage=garage), owner, "awaiting_activation")

    executor = MigrationExecutor(connection)
    executor.migrate([NO_CANCELLED])

    # Read as 0006 left it (0008 brought the state back, with transfer_cancel to set it).
    at_0006 = executor.loader.project_state([NO_CANCELLED]).apps.get_model("transfers", "Transfer")
    assert at_0006.objects.get().pk == kept.pk
    assert "cancelled" not in dict(at_0006._meta.get_field("state").choices)


def test_a_cancelled_transfer_stops_the_migration_with_the_count(garage, owner):
    """Nothing ever set a transfer to cancelled; if a database has one anyway there is no
    right state to turn it into, so the migration refuses instead of guessing."""
    old = _at_0005()
    for _ in range(2):
        _transfer(old, PassportFactory(garage=garage), owner, "cancelled")

    with pytest.raises(RuntimeError, match="2 transfer"):
        MigrationExecutor(connection).migrate([NO_CANCELLED])
