"""bench/generate.py at a tiny size: the invariants the benchmark relies on, then the reuse."""

import json
import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings

from autopaspoort import plates

pytestmark = pytest.mark.needs_postgres

PASSPORTS = 2000


@pytest.fixture
def bench_db():
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    server = f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    name = f"autopaspoort_bench_pytest_{os.getpid()}"
    yield server, name
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    (settings.BASE_DIR / "var" / "bench" / f"{name}.json").unlink(missing_ok=True)


def generate(server, name):
    command = [sys.executable, "-m", "bench.generate", "--passports", str(PASSPORTS)]
    command += ["--database", name, "--server", server]
    return subprocess.run(
        command, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True, timeout=120
    ).stdout


def test_generator_loads_a_consistent_database_once(bench_db):
    server, name = bench_db
    generate(server, name)
    manifest = json.loads((settings.BASE_DIR / "var" / "bench" / f"{name}.json").read_text())
    big, showcase = manifest["big_garage"], manifest["showcase"]

    with psycopg.connect(f"{server}/{name}") as conn:

        def one(query, *params):
            return conn.execute(query, params).fetchone()[0]

        assert one("SELECT count(*) FROM autopaspoort_passport") == PASSPORTS
        assert one(
            "SELECT count(*) FROM autopaspoort_passport WHERE garage_id = %s", big["id"]
        ) == (PASSPORTS // 10)
        passport = one("SELECT id FROM autopaspoort_passport WHERE plate = %s", showcase["plate"])
        assert (
            one("SELECT count(*) FROM autopaspoort_historyentry WHERE passport_id = %s", passport)
            == 50
        )
        assert (
            one("SELECT count(*) FROM autopaspoort_statuscheck WHERE passport_id = %s", passport)
            == 10
        )
        # Passport.latest_check is the newest check, for every passport.
        assert not one(
            "SELECT count(*) FROM autopaspoort_passport p WHERE latest_check_id IS DISTINCT FROM "
            "(SELECT id FROM autopaspoort_statuscheck c WHERE c.passport_id = p.id "
            "ORDER BY performed_at DESC, id DESC LIMIT 1)"
        )
        stored = [row[0] for row in conn.execute("SELECT plate FROM autopaspoort_passport")]
        assert all(plates.normalize(plate) == plate for plate in stored)
        assert len({plates.sidecode(plate) for plate in stored}) == 14
        assert not set(manifest["new_plates"]) & set(stored)
        assert set(manifest["existing_plates"]) <= set(stored)
        stock = manifest["transfer_garage"]["stock_plates"]
        untransferred = one(
            "SELECT count(*) FROM autopaspoort_passport p WHERE plate = ANY(%s) "
            "AND state = 'stock' AND NOT EXISTS "
            "(SELECT FROM transfers_transfer t WHERE t.passport_id = p.id)",
            stock,
        )
        assert untransferred == len(stock) == PASSPORTS // 20
        # The app can insert: the sequence is past the loaded ids.
        assert (
            one("SELECT nextval(pg_get_serial_sequence('autopaspoort_passport', 'id'))") > PASSPORTS
        )
        # Indexes and constraints are back, the trigram index included.
        assert (
            one("SELECT count(*) FROM pg_indexes WHERE indexname = 'passport_plate_trgm_idx'") == 1
        )
        assert (
            one("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated") == 0
        )

    assert "is there already" in generate(server, name)

    # The network's figures (issue 21) over the generated data: cells are published.
    computed = subprocess.run(
        [sys.executable, "manage.py", "compute_network_figures", "--force"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"{server}/{name}"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    with psycopg.connect(f"{server}/{name}") as conn:
        published = conn.execute(
            "SELECT count(*) FROM network_networkfigure WHERE cost_median IS NOT NULL"
        ).fetchone()[0]
    assert published > 0, computed
