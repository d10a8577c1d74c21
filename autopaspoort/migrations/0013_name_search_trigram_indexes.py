"""The dashboards' search by owner's and driver's name (`name__icontains`, which Django writes
as `UPPER(name::text) LIKE UPPER('%...%')`) through trigram indexes on PostgreSQL, like the
plate's (migration 0002). Without them a search that matches few cars reads every car of the
garage; with them PostgreSQL combines the plate, name and VIN indexes (BitmapOr).
Figures (EXPLAIN ANALYZE, 9,000 passports, 5,000 in one garage): in the commit message.

SQLite (the embedded default) has no such index type; there the search stays a plain scan.
"""

from django.db import migrations


class PostgresOnlyRunSQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("autopaspoort", "0012_vehicle_data_sources")]

    operations = [
        PostgresOnlyRunSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX passport_owner_name_trgm_idx ON autopaspoort_passport "
                "USING gin (UPPER(owner_name::text) gin_trgm_ops)",
                "CREATE INDEX passport_driver_name_trgm_idx ON autopaspoort_passport "
                "USING gin (UPPER(driver_name::text) gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS passport_driver_name_trgm_idx",
                "DROP INDEX IF EXISTS passport_owner_name_trgm_idx",
            ],
        ),
    ]
