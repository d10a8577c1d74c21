from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from garage.models import Garage, Membership
from garage.services import garage_create

DEMO_PASSWORD = "autopaspoort-demo"  # noqa: S105 - published demo login, DEBUG only
GARAGE_EMAIL = "garage@example.com"
MECHANIC_EMAIL = "monteur@example.com"


class Command(BaseCommand):
    help = "Create the demo garage and its logins (development only). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates published logins; it refuses to run with DEBUG off."
            )
        garage = Garage.objects.filter(account_user__email=GARAGE_EMAIL).first()
        if garage is None:
            garage = garage_create(
                name="Garage Demo",
                email=GARAGE_EMAIL,
                password=DEMO_PASSWORD,
                phone="030 123 4567",
                street="Werkplaatsweg",
                house_number="12",
                postcode="3511 AB",
                city="Utrecht",
                kvk_number="12345678",
            )
            garage.account_user.full_name = "Demo Beheerder"
            garage.account_user.save(update_fields=["full_name"])
        mechanic = User.objects.filter(email=MECHANIC_EMAIL).first()
        if mechanic is None:
            mechanic = User.objects.create_user(
                email=MECHANIC_EMAIL, password=DEMO_PASSWORD, full_name="Demo Monteur"
            )
        Membership.objects.get_or_create(
            garage=garage, user=mechanic, defaults={"role": Membership.Role.MECHANIC}
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo garage ready. Log in as {GARAGE_EMAIL} (admin) or {MECHANIC_EMAIL} "
                f"(mechanic), password {DEMO_PASSWORD}."
            )
        )
