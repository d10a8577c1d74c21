import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from network.services import network_figures_compute


class Command(BaseCommand):
    help = (
        "Compute the network's figures now (the nightly job does this once a day). "
        "--force recomputes when today's are there already."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true")
        parser.add_argument("--today", help="YYYY-MM-DD (default: today in Europe/Amsterdam)")

    def handle(self, *args, force=False, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError("--today takes a date as YYYY-MM-DD.") from None
        started = time.monotonic()
        run = network_figures_compute(today=day, force=force)
        seconds = time.monotonic() - started
        if run.skipped:
            self.stdout.write(f"Figures of {day} are there already (use --force).")
            return
        self.stdout.write(
            f"{run.cells} cells from {run.cars} cars, computed on {day} in {seconds:.1f} s."
        )
