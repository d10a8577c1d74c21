"""Partial plate search (`plate_compact LIKE '%GJ5%'`) through a trigram index on PostgreSQL.

SQLite (the embedded default) has no such index type; there the search is a plain scan, which
is fine for a developer's few hundred passports.
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
    dependencies = [("autopaspoort", "0001_initial")]

    operations = [
        PostgresOnlyRunSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX passport_plate_trgm_idx ON autopaspoort_passport "
                "USING gin (plate_compact gin_trgm_ops)",
            ],
            reverse_sql=["DROP INDEX IF EXISTS passport_plate_trgm_idx"],
        ),
    ]
