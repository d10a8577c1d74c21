from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from autopaspoort.validators import (
    validate_apk_expires,
    validate_first_admission,
    validate_vin,
)
from core.models import TimeStampedModel
from core.phones import PhoneModelField
from core.validators import validate_postcode
from garage.models import Garage

MAX_ODOMETER_KM = 2_000_000


# The two named states of a customer car, one definition each (queries, counts and pages):
# awaiting activation: handed to an owner who has not yet taken it (activated_at is empty);
# active: the owner has taken it. A stock car is neither: it is the garage's own.
AWAITING_ACTIVATION = Q(state="customer", activated_at__isnull=True)
ACTIVE = Q(state="customer", activated_at__isnull=False)


class PassportQuerySet(models.QuerySet):
    def awaiting_activation(self):
        return self.filter(AWAITING_ACTIVATION)

    def active(self):
        return self.filter(ACTIVE)


class Passport(TimeStampedModel):
    """The AutoPaspoort of one car, keyed by its plate.

    The owner's contact details live here as the *current* owner's profile: a transfer replaces
    them (the Transfer record keeps what was before, for support only), so a new owner never
    sees the previous owner's data while the car's checks and history stay with the car.
    """

    class State(models.TextChoices):
        STOCK = "stock", _("Stock")
        CUSTOMER = "customer", _("Customer")

    class RdwStatus(models.TextChoices):
        NOT_ASKED = "not_asked", _("Not looked up")
        FOUND = "found", _("Found at the RDW")
        NOT_FOUND = "not_found", _("Unknown at the RDW")
        UNAVAILABLE = "unavailable", _("RDW unavailable")

    class RdwRegistration(models.TextChoices):
        UNKNOWN = "", _("Not known yet")
        REGISTERED = "registered", _("Registered")
        EXPORTED = "exported", _("Exported")
        GONE = "gone", _("No longer registered")

    plate = models.CharField(_("licence plate"), max_length=8, unique=True)
    # The plate without dashes, for search in any spelling (trigram index on PostgreSQL).
    plate_compact = models.GeneratedField(
        expression=Replace("plate", Value("-"), Value("")),
        output_field=models.CharField(max_length=6),
        db_persist=True,
    )
    garage = models.ForeignKey(
        Garage, verbose_name=_("garage"), on_delete=models.PROTECT, related_name="passports"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_passports",
    )
    activated_at = models.DateTimeField(
        _("activated at"),
        null=True,
        blank=True,
        help_text=_("When the owner activated their account or accepted the car."),
    )
    fleet = models.ForeignKey(
        "fleet.FleetAccount",
        verbose_name=_("fleet account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="passports",
    )
    # Set when the owner deleted their account while the car was theirs: the car stays the
    # garage's customer car, without an owner ("owner left"), until the garage transfers it.
    owner_left_at = models.DateTimeField(_("owner left at"), null=True, blank=True)
    # Bumped by every change of owner: a transfer confirmed against an older version lost a race.
    owner_version = models.PositiveIntegerField(_("owner version"), default=0)

    owner_name = models.CharField(_("owner name"), max_length=150, blank=True)
    owner_street = models.CharField(_("street"), max_length=150, blank=True)
    owner_house_number = models.CharField(_("house number"), max_length=20, blank=True)
    owner_postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[validate_postcode]
    )
    owner_city = models.CharField(_("city"), max_length=100, blank=True)
    owner_phone = PhoneModelField(_("phone"))
    driver_name = models.CharField(_("driver name"), max_length=150, blank=True)
    driver_email = models.EmailField(_("driver email"), blank=True)
    driver_phone = PhoneModelField(_("driver phone"))

    make = models.CharField(_("make"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    colour = models.CharField(_("colour"), max_length=50, blank=True)
    fuel = models.CharField(_("fuel"), max_length=100, blank=True)
    first_admission = models.DateField(
        _("first admission"), null=True, blank=True, validators=[validate_first_admission]
    )
    apk_expires = models.DateField(
        _("APK expires"), null=True, blank=True, validators=[validate_apk_expires]
    )
    # Upper case, no spaces (`validators.normalize_vin`); searched by exact value.
    vin = models.CharField(
        _("VIN (chassis number)"), max_length=17, blank=True, validators=[validate_vin]
    )
    rdw_odometer_judgement = models.CharField(
        _("RDW odometer judgement"), max_length=50, blank=True
    )
    rdw_status = models.CharField(
        _("RDW lookup"), max_length=12, choices=RdwStatus.choices, default=RdwStatus.NOT_ASKED
    )
    rdw_checked_at = models.DateTimeField(_("RDW checked at"), null=True, blank=True)
    # Kept by the background refresh (autopaspoort.rdw_refresh), not by hand.
    wam_insured = models.BooleanField(
        _("insured (WAM)"), null=True, blank=True, help_text=_("As the RDW last said.")
    )
    rdw_registration = models.CharField(
        _("RDW registration"),
        max_length=12,
        choices=RdwRegistration.choices,
        default=RdwRegistration.UNKNOWN,
        blank=True,
    )
    rdw_next_check_at = models.DateTimeField(
        _("next RDW check"),
        null=True,
        blank=True,
        help_text=_("When the background refresh looks at this car again (empty: soon)."),
    )
    # Where a vehicle field's value came from, for the fields that did not simply come from the
    # creation form or the RDW: {"colour": "garage"} (corrected by hand: the RDW refresh no
    # longer overwrites it) or {"apk_expires": "apk_entry"} (reported with an APK history
    # entry, until the RDW confirms it). Written only by autopaspoort.vehicle_data.
    vehicle_sources = models.JSONField(_("vehicle data sources"), default=dict, blank=True)
    # The RDW's value of a hand-corrected field, when it differs: {"colour": {"value": "ROOD",
    # "kept": false}}. Shown on the profile until the garage chooses; "kept" remembers that it
    # chose its own value over that very RDW value.
    rdw_disagreements = models.JSONField(_("RDW disagreements"), default=dict, blank=True)

    initial_odometer_km = models.PositiveIntegerField(
        _("odometer at registration (km)"), null=True, blank=True
    )
    # The most recent reading (by date) of all checks, history entries and the initial one.
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True)
    odometer_read_on = models.DateField(_("odometer read on"), null=True, blank=True)
    odometer_logical = models.BooleanField(
        _("odometer readings logical"),
        default=True,
        help_text=_("Off once a reading lower than an earlier one was recorded as a correction."),
    )
    # The newest status check, kept by the check service: the dashboard and profile read costs
    # from it without searching all checks of every car.
    # Derived: written only by `autopaspoort.maintenance.maintenance_due_on_refresh`.
    maintenance_due_on = models.DateField(
        _("maintenance likely due on"), null=True, blank=True, editable=False
    )
    latest_check = models.OneToOneField(
        "StatusCheck",
        verbose_name=_("latest status check"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("passport")
        verbose_name_plural = _("passports")
        ordering = ["-id"]
        indexes = [
            # Dashboard list: a garage's passports newest first, filtered by state.
            models.Index(fields=["garage", "state", "-id"], name="passport_garage_state_idx"),
            models.Index(fields=["garage", "-id"], name="passport_garage_idx"),
            models.Index(fields=["plate_compact"], name="passport_plate_compact_idx"),
            models.Index(fields=["vin"], name="passport_vin_idx", condition=~Q(vin="")),
            # The RDW refresh: cars whose next check is due (autopaspoort.rdw_refresh).
            models.Index(fields=["rdw_next_check_at"], name="passport_rdw_next_check_idx"),
            # The dashboard's "maintenance due soon" list.
            models.Index(
                fields=["garage", "maintenance_due_on"],
                name="passport_maintenance_due_idx",
                condition=Q(maintenance_due_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(odometer_km__lte=MAX_ODOMETER_KM) | Q(odometer_km__isnull=True),
                name="passport_odometer_range",
            ),
            models.CheckConstraint(
                condition=~Q(state="stock") | Q(activated_at__isnull=False),
                name="passport_stock_is_active",
            ),
        ]

    def __str__(self):
        return self.plate

    def get_absolute_url(self):
        return reverse(
            "autopaspoort:profile", kwargs={"garage_id": self.garage_id, "plate": self.plate}
        )

    objects = PassportQuerySet.as_manager()

    @property
    def is_stock(self) -> bool:
        return self.state == self.State.STOCK

    @property
    def is_awaiting_activation(self) -> bool:
        return self.state == self.State.CUSTOMER and self.activated_at is None

    @property
    def is_awaiting_confirmation(self) -> bool:
        """Awaiting its owner, who already has an account and accepts the car in the portal
        (a new account awaits activation instead: its owner.is_active is False until then).
        Select `owner` with a list of passports."""
        return self.is_awaiting_activation and self.owner_id is not None and self.owner.is_active

    @property
    def is_active(self) -> bool:
        """The owner has taken the car (see ACTIVE)."""
        return self.state == self.State.CUSTOMER and self.activated_at is not None

    @property
    def is_owner_left(self) -> bool:
        """A customer car whose owner deleted their account (see `owner_left_at`)."""
        return (
            self.state == self.State.CUSTOMER and self.owner_id is None and bool(self.owner_left_at)
        )

    @property
    def contact_email(self) -> str:
        """Where the owner is reached: the owner's login email, its one home (a stock car's
        owner is the garage's login, read through `garage.account_user`; select `owner` with a
        customer's passport). The Transfer keeps the address as it was given, as a record."""
        if self.is_stock:
            return self.garage.email
        return self.owner.email if self.owner_id else ""

    @property
    def apk_reported_by_garage(self) -> bool:
        """The APK expiry came with the garage's APK entry; the RDW has not confirmed it yet."""
        return self.vehicle_sources.get("apk_expires") == "apk_entry"

    @property
    def vehicle_name(self) -> str:
        return " ".join(part for part in (self.make, self.model) if part)


class StatusCheck(models.Model):
    """A mechanic's inspection report. Never edited: a mistake is corrected by a new check."""

    passport = models.ForeignKey(
        Passport, verbose_name=_("passport"), on_delete=models.CASCADE, related_name="checks"
    )
    garage = models.ForeignKey(
        Garage, verbose_name=_("garage"), on_delete=models.PROTECT, related_name="+"
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    performed_at = models.DateTimeField(_("performed at"), auto_now_add=True)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"))
    odometer_correction_reason = models.CharField(
        _("odometer correction reason"), max_length=300, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects check"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )

    class Meta:
        verbose_name = _("status check")
        verbose_name_plural = _("status checks")
        ordering = ["-performed_at", "-id"]
        indexes = [models.Index(fields=["passport", "-performed_at"], name="check_passport_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(odometer_km__lte=MAX_ODOMETER_KM), name="check_odometer_range"
            ),
        ]

    def __str__(self):
        return f"{self.passport} {self.performed_at:%Y-%m-%d}"


class StatusCheckItem(models.Model):
    class Component(models.TextChoices):
        TYRES_FRONT = "tyres_front", _("Tyres front")
        TYRES_REAR = "tyres_rear", _("Tyres rear")
        BRAKES_FRONT = "brakes_front", _("Brakes front")
        BRAKES_REAR = "brakes_rear", _("Brakes rear")
        LIGHTS = "lights", _("Lights")
        WIPERS = "wipers", _("Wipers")
        FLUIDS = "fluids", _("Fluids")
        BATTERY = "battery", _("Battery")
        EXHAUST = "exhaust", _("Exhaust")
        SUSPENSION_STEERING = "suspension_steering", _("Suspension and steering")
        BODYWORK_GLASS = "bodywork_glass", _("Bodywork and glass")
        INTERIOR = "interior", _("Interior")
        OTHER = "other", _("Other")

    class Rating(models.TextChoices):
        OK = "ok", _("OK")
        SOON = "soon", _("Soon (within ~3 months)")
        NOW = "now", _("Now")

    status_check = models.ForeignKey(
        StatusCheck, verbose_name=_("status check"), on_delete=models.CASCADE, related_name="items"
    )
    component = models.CharField(_("component"), max_length=30, choices=Component.choices)
    description = models.CharField(
        _("description"), max_length=150, blank=True, help_text=_("For other items.")
    )
    rating = models.CharField(_("rating"), max_length=4, choices=Rating.choices)
    tread_depth_mm = models.DecimalField(
        _("tread depth (mm)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    estimated_cost = models.DecimalField(
        _("estimated cost (€)"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    fix_before_delivery = models.BooleanField(_("fix before delivery"), default=False)

    class Meta:
        verbose_name = _("status check item")
        verbose_name_plural = _("status check items")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__gte=0), name="check_item_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tread_depth_mm__isnull=True)
                | Q(tread_depth_mm__gte=0, tread_depth_mm__lte=20),
                name="check_item_tread_depth_range",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def needs_work(self) -> bool:
        """Something to fix: rated soon or now, or with a cost. Only such an item can be planned
        before delivery (an OK item at € 0 cannot); the template and the service ask this."""
        return self.rating != self.Rating.OK or self.estimated_cost > 0

    @property
    def is_expected_cost(self) -> bool:
        """Counts in the owner's expected costs (see `expected_cost_q`)."""
        return self.rating in EXPECTED_RATINGS and not self.fix_before_delivery

    @property
    def label(self) -> str:
        if self.component == self.Component.OTHER and self.description:
            return self.description
        # The enum's label, not get_component_display(): that one hashes every lazy label of the
        # choices on each call (a translation each), 30 items a page.
        try:
            return str(self.Component(self.component).label)
        except ValueError:  # a component no longer offered: shown as stored, as Django does
            return self.component


EXPECTED_RATINGS = (StatusCheckItem.Rating.SOON, StatusCheckItem.Rating.NOW)


def expected_cost_q(prefix: str = "") -> Q:
    """The items the owner can expect to pay for: rated soon or now, and not planned to be fixed
    before delivery (the garage pays for those; the buyer sees "repaired before delivery").
    The one rule for every expected-costs figure: garage, fleet and owner pages alike.
    `prefix` is the path to the item from the queried model, e.g. "items__"."""
    return Q(**{f"{prefix}rating__in": EXPECTED_RATINGS, f"{prefix}fix_before_delivery": False})


class HistoryEntry(models.Model):
    """Work done on the car (maintenance, repair, APK, tyres): stays with the car for good."""

    class Kind(models.TextChoices):
        SMALL_SERVICE = "small_service", _("Small service")
        LARGE_SERVICE = "large_service", _("Large service")
        REPAIR = "repair", _("Repair")
        APK = "apk", _("APK")
        TYRES = "tyres", _("Tyres")
        OTHER = "other", _("Other")

    passport = models.ForeignKey(
        Passport, verbose_name=_("passport"), on_delete=models.CASCADE, related_name="history"
    )
    garage = models.ForeignKey(
        Garage, verbose_name=_("garage"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    odometer_km = models.PositiveIntegerField(_("odometer (km)"))
    odometer_correction_reason = models.CharField(
        _("odometer correction reason"), max_length=300, blank=True
    )
    description = models.TextField(_("description"))
    cost = models.DecimalField(
        _("cost (€)"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        blank=True,
        help_text=_("The GMS's own id of the workshop order: a resent order is not added twice."),
    )

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["passport", "-date"], name="history_passport_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="history_cost_not_negative"),
            models.UniqueConstraint(
                fields=["passport", "external_id"],
                condition=~Q(external_id=""),
                name="history_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(odometer_km__lte=MAX_ODOMETER_KM), name="history_odometer_range"
            ),
        ]

    def __str__(self):
        return f"{self.passport} {self.date} {self.get_kind_display()}"


class VehicleDataChange(models.Model):
    """One change of one vehicle field (make, APK expiry, ...): who, when, before and after.
    The audit of the garage's corrections, of the RDW refresh and of APK entries."""

    class Source(models.TextChoices):
        GARAGE = "garage", _("Corrected by the garage")
        RDW = "rdw", _("RDW")
        APK_ENTRY = "apk_entry", _("Reported with an APK entry")
        RDW_CHOSEN = "rdw_chosen", _("RDW value chosen by the garage")

    passport = models.ForeignKey(
        Passport,
        verbose_name=_("passport"),
        on_delete=models.CASCADE,
        related_name="vehicle_changes",
    )
    field = models.CharField(_("field"), max_length=40)
    before = models.CharField(_("before"), max_length=200, blank=True)
    after = models.CharField(_("after"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vehicle data change")
        verbose_name_plural = _("vehicle data changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["passport", "-changed_at"], name="vehicle_change_passport_idx")
        ]

    def __str__(self):
        return f"{self.passport} {self.field}"

    @property
    def field_label(self) -> str:
        return Passport._meta.get_field(self.field).verbose_name

    def _display(self, text: str) -> str:
        if text and isinstance(Passport._meta.get_field(self.field), models.DateField):
            return date_format(date.fromisoformat(text), "DATE_FORMAT")
        return text

    @property
    def before_display(self) -> str:
        return self._display(self.before)

    @property
    def after_display(self) -> str:
        return self._display(self.after)


# --- Moving a customer's car to another garage ---------------------------------------------------


class GarageMoveRequest(models.Model):
    """Garage B asks the owner of a car serviced by garage A to let B service it. The owner
    accepts or declines in the portal; stock and fleet cars are never asked this way (their
    garage or fleet manager decides)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the owner")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    passport = models.ForeignKey(
        Passport, verbose_name=_("passport"), on_delete=models.CASCADE, related_name="+"
    )
    from_garage = models.ForeignKey(
        Garage, verbose_name=_("from garage"), on_delete=models.PROTECT, related_name="+"
    )
    to_garage = models.ForeignKey(
        Garage, verbose_name=_("to garage"), on_delete=models.PROTECT, related_name="+"
    )
    # The owner asked: a sale in between voids the question (the new owner is asked afresh).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("garage move request")
        verbose_name_plural = _("garage move requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["passport", "to_garage"],
                condition=Q(state="pending"),
                name="garage_move_one_pending_per_garage",
            ),
        ]

    def __str__(self):
        return f"{self.passport}: {self.from_garage} → {self.to_garage}"


class GarageHandover(models.Model):
    """The day a car moved from one garage to another: the garage it left keeps a read-only
    view of what it wrote up to `moved_at`, nothing after."""

    passport = models.ForeignKey(
        Passport, verbose_name=_("passport"), on_delete=models.CASCADE, related_name="+"
    )
    from_garage = models.ForeignKey(
        Garage, verbose_name=_("from garage"), on_delete=models.PROTECT, related_name="+"
    )
    to_garage = models.ForeignKey(
        Garage, verbose_name=_("to garage"), on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField(_("moved at"), auto_now_add=True)
    move_request = models.OneToOneField(
        GarageMoveRequest,
        verbose_name=_("move request"),
        on_delete=models.PROTECT,
        related_name="handover",
    )

    class Meta:
        verbose_name = _("garage handover")
        verbose_name_plural = _("garage handovers")
        ordering = ["-moved_at", "-id"]
        indexes = [
            models.Index(fields=["from_garage", "-moved_at"], name="handover_from_garage_idx")
        ]

    def __str__(self):
        return f"{self.passport}: {self.from_garage} → {self.to_garage}"


# --- RDW recalls and APK defects (kept by autopaspoort.rdw_refresh) ------------------------------


class Recall(TimeStampedModel):
    """One recall (terugroepactie) as the RDW publishes it, shared by every car it concerns.
    The texts are the RDW's, in Dutch."""

    reference = models.CharField(_("RDW reference"), max_length=20, unique=True)
    defect = models.TextField(_("defect"), blank=True)
    consequences = models.TextField(_("possible consequences"), blank=True)
    remedy = models.TextField(_("remedy"), blank=True)
    category = models.CharField(_("category"), max_length=200, blank=True)
    info_url = models.URLField(_("more information"), max_length=500, blank=True)
    published_on = models.DateField(_("published by the RDW on"), null=True, blank=True)
    details_fetched_at = models.DateTimeField(_("details read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recall")
        verbose_name_plural = _("recalls")
        ordering = ["-published_on", "reference"]

    def __str__(self):
        return self.reference


class PassportRecall(models.Model):
    """A recall for one car: open until the RDW no longer lists it as open."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REPAIRED = "repaired", _("Repaired")

    passport = models.ForeignKey(
        Passport, verbose_name=_("passport"), on_delete=models.CASCADE, related_name="recalls"
    )
    recall = models.ForeignKey(
        Recall, verbose_name=_("recall"), on_delete=models.PROTECT, related_name="cars"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rdw_status = models.CharField(_("RDW status"), max_length=200, blank=True)
    first_seen_at = models.DateTimeField(_("first seen at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The owner was emailed about it (once per owner: a new owner of a car with an open recall
    # is told too).
    notified_at = models.DateTimeField(_("owner emailed at"), null=True, blank=True)
    notified_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner emailed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recall of a car")
        verbose_name_plural = _("recalls of cars")
        ordering = ["status", "-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["passport", "recall"], name="passport_recall_unique"),
        ]
        indexes = [
            # "Cars with an open recall" (dashboard and fleet filters).
            models.Index(
                fields=["passport"], name="passport_recall_open_idx", condition=Q(status="open")
            ),
        ]

    def __str__(self):
        return f"{self.passport_id} {self.recall_id} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ApkDefect(models.Model):
    """A defect an APK inspection found (geconstateerd gebrek), as the RDW publishes it."""

    passport = models.ForeignKey(
        Passport, verbose_name=_("passport"), on_delete=models.CASCADE, related_name="apk_defects"
    )
    reported_on = models.DateField(_("inspection date"))
    code = models.CharField(_("defect code"), max_length=20)
    description = models.CharField(_("description"), max_length=500, blank=True)
    count = models.PositiveSmallIntegerField(_("number found"), default=1)

    class Meta:
        verbose_name = _("APK defect")
        verbose_name_plural = _("APK defects")
        ordering = ["-reported_on", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["passport", "reported_on", "code"], name="apk_defect_unique"
            ),
        ]

    def __str__(self):
        return f"{self.passport_id} {self.reported_on} {self.code}"
