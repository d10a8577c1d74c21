import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from autopaspoort import plates
from autopaspoort.models import Passport, StatusCheckItem
from tests.autopaspoort.factories import PassportFactory, StatusCheckItemFactory

pytestmark = pytest.mark.django_db

TRIGRAM_INDEX = "passport_plate_trgm_idx"
BEFORE_STOCK_EMAIL = "0005_historyentry_external_id_and_more"
STOCK_EMAIL = "0006_stock_owner_email_derived"


def test_support_group_has_the_passport_permissions():
    group = Group.objects.get(name="support")

    permissions = set(
        group.permissions.filter(content_type__app_label="autopaspoort").values_list(
            "codename", flat=True
        )
    )

    assert permissions == {
        "view_passport",
        "change_passport",
        "view_statuscheck",
        "view_statuscheckitem",
        "view_historyentry",
        "change_historyentry",
        "view_recall",
        "view_passportrecall",
        "view_apkdefect",
    }


def test_models_and_migrations_agree():
    call_command("makemigrations", "autopaspoort", "--check", "--dry-run", stdout=io.StringIO())


def test_one_passport_per_plate_is_enforced_by_the_database(garage, other_garage):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")

    with pytest.raises(IntegrityError), transaction.atomic():
        Passport.objects.create(
            plate=passport.plate,
            garage=other_garage,
            state=Passport.State.STOCK,
            activated_at=timezone.now(),
        )

    assert Passport.objects.filter(plate="GJ-555-K").count() == 1


def test_the_compact_plate_is_generated_by_the_database(garage):
    passport = PassportFactory(garage=garage, plate="12-ZTX-3")

    assert Passport.objects.get(plate_compact="12ZTX3") == passport


def test_a_stock_passport_must_be_active(garage):
    with pytest.raises(IntegrityError), transaction.atomic():
        PassportFactory(garage=garage, activated_at=None)


def test_money_cannot_be_negative(garage):
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusCheckItemFactory(estimated_cost=-1)


def test_tread_depth_stays_in_range(garage):
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusCheckItemFactory(
            component=StatusCheckItem.Component.TYRES_FRONT, tread_depth_mm="25.0"
        )


@pytest.mark.needs_postgres
def test_plate_search_has_a_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            [Passport._meta.db_table, TRIGRAM_INDEX],
        )
        rows = cursor.fetchall()

    assert len(rows) == 1
    assert "gin" in rows[0][0].lower()
    assert "gin_trgm_ops" in rows[0][0]
    assert "plate_compact" in rows[0][0]


@pytest.mark.needs_postgres
def test_partial_plate_search_can_use_the_trigram_index(garage):
    """The planner may prefer a scan on a small table; with sequential and plain index scans off,
    only a bitmap scan is left, and only the trigram index can serve `LIKE '%...%'`. If the
    search's SQL did not fit the index (a function around the column, say) this would show a
    (disabled) sequential scan instead."""
    PassportFactory.create_batch(5, garage=garage)
    search = Passport.objects.filter(plate_compact__contains=plates.compact("j-55"))

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        plan = search.explain()

    assert TRIGRAM_INDEX in plan, plan


def test_the_migration_clears_the_copies_of_the_garage_email_on_stock_cars(garage, owner):
    """Issue 14, item 13: a stock car reads its owner email from the garage's login; the copies
    stored before are cleared, a customer's email stays."""
    from django.db.migrations.executor import MigrationExecutor

    before, after = ("autopaspoort", BEFORE_STOCK_EMAIL), ("autopaspoort", STOCK_EMAIL)
    with connection.cursor() as cursor:  # the fixtures' deferred checks, before ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("autopaspoort", "Passport")
    now = timezone.now()
    common = {"garage_id": garage.pk, "activated_at": now, "owner_version": 0}
    stock = old.objects.create(
        plate="GJ-55-55",
        state="stock",
        owner_id=garage.account_user_id,
        owner_email=garage.email,
        **common,
    )
    customer = old.objects.create(
        plate="GJ-55-56", state="customer", owner_id=owner.pk, owner_email=owner.email, **common
    )

    executor = MigrationExecutor(connection)
    executor.migrate([after])

    # The field itself went in 0007 (issue 15: the owner's account is the one home).
    migrated = executor.loader.project_state([after]).apps.get_model("autopaspoort", "Passport")
    emails = dict(migrated.objects.values_list("pk", "owner_email"))
    assert emails == {stock.pk: "", customer.pk: owner.email}
    with pytest.raises(IntegrityError), transaction.atomic():
        migrated.objects.filter(pk=stock.pk).update(owner_email=garage.email)
