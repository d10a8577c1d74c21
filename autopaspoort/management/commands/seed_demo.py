import io
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from accounts.services import user_password_set
from autopaspoort.management.commands._demo_network import seed_network
from autopaspoort.models import ApkDefect, Passport, PassportRecall, Recall, StatusCheckItem
from autopaspoort.services import (
    CheckItemInput,
    check_item_set_delivery,
    history_entry_add,
    passport_create,
    status_check_record,
)
from billing.models import Tariff, TariffTier
from billing.services import statement_close
from garage.models import Garage, Membership
from garage.services import garage_create
from insights.models import MonthlyUsage
from insights.months import last_complete_month
from network.services import network_figures_compute
from photos.models import CheckPhoto
from photos.services import photos_add
from quotes.services import LineData, quote_send, quote_start, quote_update
from transfers.services import OwnerContact, transfer_confirm

DEMO_PASSWORD = "autopaspoort-demo"  # noqa: S105 - published demo login, DEBUG only
GARAGE_EMAIL = "garage@example.com"
MECHANIC_EMAIL = "monteur@example.com"
OWNER_EMAIL = "eigenaar@example.com"
OWNER_PLATE = "HN-482-T"


Rating = StatusCheckItem.Rating
Component = StatusCheckItem.Component

# Stock cars of the demo garage: vehicle data as the RDW would give it, a status check and some
# workshop history, so every page has something to show.
DEMO_CARS = [
    {
        "plate": "GJ-555-K",
        "vehicle": {
            "make": "VOLKSWAGEN",
            "model": "GOLF",
            "colour": "GRIJS",
            "fuel": "Benzine",
            "first_admission": date(2019, 4, 12),
            "apk_expires": date(2027, 4, 11),
            "rdw_odometer_judgement": "Logisch",
        },
        "odometer_km": 84_250,
        "history": [
            ("large_service", date(2025, 3, 3), 71_900, "Grote beurt, distributieriem", "689.00"),
            ("apk", date(2026, 4, 8), 80_120, "APK goedgekeurd", "55.00"),
        ],
        "check": [
            (Component.TYRES_FRONT, Rating.SOON, "240.00", "Profiel 2,5 mm", "2.5", True),
            (Component.BRAKES_REAR, Rating.NOW, "185.50", "Remblokken versleten", None, True),
            (Component.WIPERS, Rating.SOON, "34.95", "", None, False),
        ],
    },
    {
        "plate": "12-ZTX-3",
        "vehicle": {
            "make": "TOYOTA",
            "model": "YARIS",
            "colour": "WIT",
            "fuel": "Benzine, Elektriciteit",
            "first_admission": date(2021, 9, 1),
            "apk_expires": date(2027, 1, 20),
            "rdw_odometer_judgement": "Logisch",
        },
        "odometer_km": 41_800,
        "history": [("small_service", date(2026, 2, 14), 39_950, "Kleine beurt", "219.00")],
        "check": [(Component.BATTERY, Rating.OK, "0.00", "", None, False)],
    },
    {
        "plate": "K-123-HB",
        "vehicle": {
            "make": "KIA",
            "model": "NIRO",
            "colour": "BLAUW",
            "fuel": "Elektriciteit",
            "first_admission": date(2022, 6, 30),
            "apk_expires": date(2026, 12, 29),
            "rdw_odometer_judgement": "Logisch",
        },
        "odometer_km": 56_300,
        "history": [],
        "check": None,
    },
]


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
        for car in DEMO_CARS:
            self._seed_car(garage=garage, admin=garage.account_user, mechanic=mechanic, **car)
        self._seed_owner_car(garage=garage, admin=garage.account_user, mechanic=mechanic)
        self._seed_rdw()
        self._seed_billing(garage=garage)
        # The network's figures, from three more (demo) garages' cars like the demo's.
        seed_network(timezone.localdate())
        network_figures_compute(today=timezone.localdate(), force=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo garage ready. Log in as {GARAGE_EMAIL} (admin), {MECHANIC_EMAIL} "
                f"(mechanic) or {OWNER_EMAIL} (a car owner), password {DEMO_PASSWORD}."
            )
        )

    def _seed_billing(self, *, garage):
        """A tariff, and last month closed for the demo garage with its statement and invoice,
        so "Gebruik en facturen" shows an estimate and a closed month with its PDF. The demo
        garage is made today, so the usage job would not count last month for it: the demo's
        usage row is written here, with plausible numbers."""
        today = timezone.localdate()
        last = last_complete_month(today)
        if not Tariff.objects.exists():
            tariff = Tariff.objects.create(
                name="Standaard",
                valid_from=date(last.year - 1, 1, 1),
                monthly_minimum=Decimal("25.00"),
                price_active_passport=Decimal("0.50"),
                price_transfer_completed=Decimal("1.25"),
                price_quote_sent=Decimal("0.10"),
                price_photo=Decimal("0.0125"),
                free_photos=100,
            )
            TariffTier.objects.create(
                tariff=tariff, from_quantity=101, price_active_passport=Decimal("0.40")
            )
        if not garage.vat_number:
            garage.vat_number = "NL123456789B01"
            garage.billing_email = "administratie@example.com"
            garage.save(update_fields=["vat_number", "billing_email", "updated_at"])
        usage, _new = MonthlyUsage.objects.get_or_create(
            garage=garage,
            month=last,
            defaults={
                "active_passports": 118,
                "passports_created": 14,
                "transfers_completed": 9,
                "quotes_sent": 6,
                "photos_added": 130,
                "computed_at": timezone.now(),
            },
        )
        statement_close(usage_id=usage.pk)  # a second run finds it closed

    def _seed_car(self, *, garage, admin, mechanic, plate, vehicle, odometer_km, history, check):
        if Passport.objects.filter(plate=plate).exists():
            return
        passport = passport_create(
            garage=garage,
            actor=admin,
            plate=plate,
            owner_email=garage.email,
            owner_name=garage.name,
            odometer_km=odometer_km,
            vehicle=vehicle,
        )
        for kind, on, km, description, cost in history:
            history_entry_add(
                passport=passport,
                actor=mechanic,
                kind=kind,
                on=on,
                odometer_km=km,
                description=description,
                cost=Decimal(cost),
            )
        if check:
            report = status_check_record(
                passport=passport,
                actor=mechanic,
                odometer_km=odometer_km,
                items=[
                    CheckItemInput(
                        component=component,
                        rating=rating,
                        estimated_cost=Decimal(cost),
                        note=note,
                        tread_depth_mm=Decimal(tread) if tread else None,
                    )
                    for component, rating, cost, note, tread, _fix in check
                ],
            )
            # The mechanic reports; the garage (admin) plans what it fixes before delivery.
            for item, (*_, fix) in zip(report.items.order_by("id"), check, strict=True):
                if fix:
                    check_item_set_delivery(item=item, actor=admin, fix_before_delivery=True)
            self._seed_photos(report=report, mechanic=mechanic)

    def _seed_owner_car(self, *, garage, admin, mechanic):
        """A customer's car, as it gets there: the garage sells a stock car to the demo owner,
        who activates the passport; a check after the hand-over (so its photos are the
        owner's to see) and a quote for its findings, sent to the owner."""
        if Passport.objects.filter(plate=OWNER_PLATE).exists():
            return
        passport = passport_create(
            garage=garage,
            actor=admin,
            plate=OWNER_PLATE,
            owner_email=garage.email,
            owner_name=garage.name,
            odometer_km=112_400,
            vehicle=DEMO_OWNER_CAR,
        )
        transfer_confirm(
            passport=passport,
            contact=OwnerContact(
                email=OWNER_EMAIL,
                name="Demo Eigenaar",
                street="Oudegracht",
                house_number="101",
                postcode="3511 AE",
                city="Utrecht",
            ),
            actor=admin,
        )
        owner = User.objects.get(email=OWNER_EMAIL)
        user_password_set(user=owner, password=DEMO_PASSWORD, activate=True)
        passport.refresh_from_db()
        report = status_check_record(
            passport=passport,
            actor=mechanic,
            odometer_km=112_400,
            items=[
                CheckItemInput(
                    component=Component.BRAKES_FRONT,
                    rating=Rating.NOW,
                    estimated_cost=Decimal("389.00"),
                    note="Schijven en blokken op de slijtgrens",
                ),
                CheckItemInput(
                    component=Component.TYRES_REAR,
                    rating=Rating.SOON,
                    estimated_cost=Decimal("260.00"),
                    tread_depth_mm=Decimal("2.8"),
                ),
                CheckItemInput(component=Component.LIGHTS, rating=Rating.OK),
            ],
        )
        self._seed_photos(report=report, mechanic=mechanic)
        passport.refresh_from_db()
        quote = quote_start(passport=passport, actor=admin)
        brakes, tyres = quote.lines.order_by("position")
        quote_update(
            quote=quote,
            actor=admin,
            lines=[
                LineData(
                    "Remschijven voor (set)",
                    Decimal("1"),
                    Decimal("189.00"),
                    "part",
                    brakes.check_item_id,
                ),
                LineData(
                    "Remblokken voor (set)",
                    Decimal("1"),
                    Decimal("79.50"),
                    "part",
                    brakes.check_item_id,
                ),
                LineData(
                    "Arbeid remmen",
                    Decimal("1.5"),
                    Decimal("84.00"),
                    "labour",
                    brakes.check_item_id,
                ),
                LineData(
                    "Banden achter 205/55 R16 (2 stuks)",
                    Decimal("2"),
                    Decimal("118.00"),
                    "part",
                    tyres.check_item_id,
                ),
            ],
            valid_until=timezone.localdate() + timedelta(days=30),
            note="Prijzen inclusief montage, balanceren en afvoer van de oude onderdelen.",
        )
        quote_send(quote=quote, actor=admin)

    def _seed_rdw(self):
        """What the RDW refresh would have found, written here so the demo works offline: every
        demo car "checked" today, the Golf with an open recall and a defect from its last APK.
        The next check is two weeks out, so a worker offline (or online, with the RDW's real
        answer for these plates) leaves the demo as it is for a while."""
        now = timezone.now()
        Passport.objects.filter(plate__in=[car["plate"] for car in DEMO_CARS]).update(
            rdw_status=Passport.RdwStatus.FOUND,
            rdw_checked_at=now,
            rdw_next_check_at=now + timedelta(days=14),
            rdw_registration=Passport.RdwRegistration.REGISTERED,
            wam_insured=True,
        )
        golf = Passport.objects.filter(plate=DEMO_CARS[0]["plate"]).first()
        if golf is None:
            return
        recall, _ = Recall.objects.get_or_create(
            reference=DEMO_RECALL["reference"],
            defaults={**DEMO_RECALL, "details_fetched_at": now},
        )
        PassportRecall.objects.get_or_create(
            passport=golf,
            recall=recall,
            defaults={"status": PassportRecall.Status.OPEN, "first_seen_at": now},
        )
        ApkDefect.objects.get_or_create(
            passport=golf,
            reported_on=date(2025, 3, 10),
            code="AC1",
            defaults={"description": "Band(en) onvoldoende profieldiepte", "count": 1},
        )

    def _seed_photos(self, *, report, mechanic):
        """Photos drawn here (no image files in the repository): one of the car's side and one
        of the first item that needs work now, through the same service as an upload."""
        now_item = report.items.filter(rating=Rating.NOW).order_by("id").first()
        photos_add(
            check=report,
            actor=mechanic,
            files=[_demo_photo("zijkant.jpg", (70, 110, 160))],
            kind=CheckPhoto.Kind.SIDES,
        )
        if now_item is not None:
            photos_add(
                check=report,
                actor=mechanic,
                files=[_demo_photo("onderdeel.jpg", (150, 70, 50))],
                item=now_item,
            )


DEMO_OWNER_CAR = {
    "make": "SKODA",
    "model": "OCTAVIA",
    "colour": "ZWART",
    "fuel": "Diesel",
    "first_admission": date(2018, 5, 23),
    "apk_expires": date(2027, 5, 22),
    "rdw_odometer_judgement": "Logisch",
}

# A recall as the RDW publishes it (datasets t49b-isb7 and af5r-44mf), in the RDW's Dutch.
DEMO_RECALL = {
    "reference": "DEMO240412",
    "defect": "De bevestiging van de airbag van de bestuurder kan loskomen.",
    "consequences": "Bij een aanrijding kan de airbag niet goed werken.",
    "remedy": "De dealer vervangt de bevestiging van de airbag. Dit duurt ongeveer een uur.",
    "category": "Airbag",
    "info_url": "https://www.rdw.nl/terugroepacties",
    "published_on": date(2024, 4, 12),
}


def _demo_photo(name: str, color) -> SimpleUploadedFile:
    """A 1200 x 900 picture of a car in the workshop, drawn with Pillow."""
    image = Image.new("RGB", (1200, 900), (225, 228, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 700, 1200, 900), fill=(120, 120, 125))  # the floor
    draw.rounded_rectangle((180, 420, 1020, 640), radius=60, fill=color)  # the body
    draw.rounded_rectangle((360, 300, 820, 450), radius=50, fill=color)  # the cabin
    for x in (330, 870):
        draw.ellipse((x - 90, 560, x + 90, 740), fill=(30, 30, 30))  # the wheels
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
