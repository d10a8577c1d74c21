from django.core.management.base import BaseCommand, CommandError

from core.emails import normalize_email
from garage.models import Garage
from garage.services import api_token_create


class Command(BaseCommand):
    help = "Create a GMS API token for a garage. The token is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--garage", required=True, help="The garage account's email")
        parser.add_argument("--name", required=True, help="A label, e.g. the GMS's name")

    def handle(self, *args, garage, name, **options):
        found = Garage.objects.filter(account_user__email=normalize_email(garage)).first()
        if found is None:
            raise CommandError(f"No garage account has the email {garage}.")
        token, raw = api_token_create(garage=found, actor=None, name=name)
        self.stdout.write(f"Token {token.name!r} for {found.name}. It is shown only now:")
        self.stdout.write(raw)
