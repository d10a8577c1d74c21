from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import ApplicationError
from insights.months import last_complete_month
from insights.services import monthly_usage_record


class Command(BaseCommand):
    help = (
        "Record the monthly usage of every garage (the last complete month by default). "
        "Months already recorded are kept unless --recompute is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month to record, as YYYY-MM.")
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="Rewrite rows already recorded (after repairing data).",
        )

    def handle(self, *args, month=None, recompute=False, **options):
        today = timezone.localdate()
        try:
            first_day = (
                datetime.strptime(month, "%Y-%m").date() if month else last_complete_month(today)
            )
        except ValueError:
            raise CommandError("--month must look like 2025-01.") from None
        try:
            run = monthly_usage_record(month=first_day, today=today, recompute=recompute)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"{run.month:%Y-%m}: {run.written} row(s) written, {run.kept} kept as they were."
        )
