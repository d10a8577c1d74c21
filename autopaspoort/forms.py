from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from autopaspoort import plates
from autopaspoort.models import MAX_ODOMETER_KM, HistoryEntry, StatusCheckItem
from autopaspoort.selectors import MIN_SEARCH_LENGTH
from autopaspoort.validators import (
    validate_apk_expires,
    validate_first_admission,
    validate_vin,
)
from autopaspoort.vehicle_data import EDITABLE_FIELDS
from core.emails import normalize_email
from core.ids import MAX_ID
from core.money import AmountField
from core.phones import PhoneNumberField
from core.validators import normalize_postcode

Component = StatusCheckItem.Component
Rating = StatusCheckItem.Rating
TYRE_COMPONENTS = {Component.TYRES_FRONT, Component.TYRES_REAR}
CHECKLIST = [value for value in Component.values if value != Component.OTHER]
FREE_ITEMS = 3
MAX_COST = Decimal("100000")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# Phones show the keypad that fits a field: digits only for whole kilometres, digits with the
# locale's decimal separator for amounts (a localized DecimalField is a text input).
NUMERIC = {"inputmode": "numeric"}
DECIMAL = {"inputmode": "decimal"}


def odometer_field(**kwargs):
    return forms.IntegerField(
        label=_("Odometer (km)"),
        min_value=0,
        max_value=MAX_ODOMETER_KM,
        widget=forms.NumberInput(attrs=NUMERIC),
        **kwargs,
    )


def correction_reason_field():
    return forms.CharField(
        label=_("Reason for an odometer correction"),
        max_length=300,
        required=False,
        help_text=_("Only when the reading does not fit the earlier readings."),
    )


def cost_field(label):
    """Every money input: `core.money.AmountField` (its rule is its help text)."""
    return AmountField(label=label, min_value=Decimal("0"), max_value=MAX_COST, required=False)


def owner_address_form(prefix: str = "") -> type[forms.Form]:
    """A form base with the owner's street, house number, postcode, city and phone, named
    `<prefix>street` and so on: one declaration for the creation form and the transfer forms."""

    def clean_postcode(self):
        postcode = self.cleaned_data[f"{prefix}postcode"]
        return normalize_postcode(postcode) if postcode else ""

    fields = {
        "street": forms.CharField(label=_("Street"), max_length=150, required=False),
        "house_number": forms.CharField(label=_("House number"), max_length=20, required=False),
        "postcode": forms.CharField(label=_("Postcode"), max_length=7, required=False),
        "city": forms.CharField(label=_("City"), max_length=100, required=False),
        "phone": PhoneNumberField(label=_("Phone"), required=False),
    }
    attrs = {f"{prefix}{name}": field for name, field in fields.items()}
    attrs[f"clean_{prefix}postcode"] = clean_postcode
    attrs["__module__"] = __name__
    return type("OwnerAddressForm", (forms.Form,), attrs)


class VehicleFieldsForm(forms.Form):
    """The vehicle fields a garage types: the create form and the vehicle page share them."""

    make = forms.CharField(label=_("Make"), max_length=100, required=False)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    colour = forms.CharField(label=_("Colour"), max_length=50, required=False)
    fuel = forms.CharField(label=_("Fuel"), max_length=100, required=False)
    first_admission = forms.DateField(
        label=_("First admission"),
        required=False,
        widget=DateInput(),
        validators=[validate_first_admission],
    )
    apk_expires = forms.DateField(
        label=_("APK expires"),
        required=False,
        widget=DateInput(),
        validators=[validate_apk_expires],
    )


class PassportCreateForm(owner_address_form("owner_"), VehicleFieldsForm):
    plate = forms.CharField(
        label=_("Licence plate"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "plate-input"}),
        help_text=_("In any spelling: gj5555, GJ-55-55 or gj 55 55."),
    )
    owner_email = forms.EmailField(
        label=_("Owner email"),
        help_text=_(
            "The garage account's email makes this a stock car of your garage; a customer's "
            "email hands the passport to that customer after you confirm."
        ),
    )
    owner_name = forms.CharField(label=_("Owner name"), max_length=150, required=False)
    driver_name = forms.CharField(label=_("Driver name"), max_length=150, required=False)
    driver_email = forms.EmailField(label=_("Driver email"), required=False)
    driver_phone = PhoneNumberField(label=_("Driver phone"), required=False)
    odometer_km = odometer_field(required=False)
    # Set by an RDW lookup of `rdw_plate`; trusted only while the plate is still that plate.
    rdw_plate = forms.CharField(required=False, widget=forms.HiddenInput)
    rdw_status = forms.CharField(required=False, widget=forms.HiddenInput)
    rdw_odometer_judgement = forms.CharField(
        required=False, max_length=50, widget=forms.HiddenInput
    )
    # The vehicle fields the last lookup filled, with their values (urlencoded): a lookup of
    # another plate replaces those, never what the user typed (`views._lookup_into`).
    rdw_filled = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    OWNER_FIELDS = (
        "owner_email",
        "owner_name",
        "owner_street",
        "owner_house_number",
        "owner_postcode",
        "owner_city",
        "owner_phone",
    )
    DRIVER_FIELDS = ("driver_name", "driver_email", "driver_phone")
    VEHICLE_FIELDS = ("make", "model", "colour", "fuel", "first_admission", "apk_expires")
    RDW_FIELDS = ("rdw_plate", "rdw_status", "rdw_odometer_judgement")

    fleet = forms.ModelChoiceField(
        label=_("Fleet (optional)"),
        queryset=None,  # the fleets this garage may use, given by the view (`fleets=`)
        required=False,
        help_text=_("Link the car to a fleet your garage services, or to your stock fleet."),
    )

    def __init__(self, *args, lookup_url=None, fleets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plate_warnings = []
        if fleets is None:
            del self.fields["fleet"]
        else:
            self.fields["fleet"].queryset = fleets
        if lookup_url:
            # Progressive enhancement: fill the vehicle data as soon as the plate is valid.
            self.fields["plate"].widget.attrs.update(
                {
                    "hx-get": lookup_url,
                    "hx-trigger": "input changed delay:500ms, change",
                    "hx-target": "#vehicle-fields",
                    "hx-swap": "outerHTML",
                    # The fieldset too: the lookup keeps what the user typed there.
                    "hx-include": "[name=plate], #vehicle-fields",
                }
            )

    def clean_plate(self):
        plate = plates.normalize(self.cleaned_data["plate"])
        self.plate_warnings = plates.warnings(plate)
        return plate

    def clean_owner_email(self):
        return normalize_email(self.cleaned_data["owner_email"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rdw_plate") != cleaned.get("plate") or cleaned.get("rdw_status") != "found":
            cleaned["rdw_status"] = cleaned["rdw_odometer_judgement"] = ""
        return cleaned

    def section(self, names):
        return [self[name] for name in names]

    def owner_section(self):
        return self.section(self.OWNER_FIELDS)

    def driver_section(self):
        return self.section(self.DRIVER_FIELDS)

    def vehicle_section(self):
        return self.section(self.VEHICLE_FIELDS)

    def vehicle_data(self) -> dict:
        names = (*self.VEHICLE_FIELDS, "rdw_status", "rdw_odometer_judgement")
        return {name: self.cleaned_data.get(name) for name in names}

    def customer_contact(self) -> dict:
        """The owner fields as the transfer form's initial data."""
        return {
            "email": self.cleaned_data["owner_email"],
            **{
                name.removeprefix("owner_"): self.cleaned_data.get(name, "")
                for name in self.OWNER_FIELDS
                if name != "owner_email"
            },
        }

    def owner_details(self) -> dict:
        return {
            name: self.cleaned_data.get(name, "")
            for name in (*self.OWNER_FIELDS, *self.DRIVER_FIELDS)
            if name != "owner_email"
        }


class StatusCheckForm(forms.Form):
    odometer_km = odometer_field()
    odometer_correction_reason = correction_reason_field()
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# The rating buttons of the check form: short words that fit three to a row on a phone (the
# page's introduction says what "soon" means). Same values as Rating, so the post is unchanged.
RATING_BUTTONS = [(Rating.OK, _("OK")), (Rating.SOON, _("Soon")), (Rating.NOW, _("Now"))]


class StatusCheckItemForm(forms.Form):
    component = forms.ChoiceField(choices=Component.choices, widget=forms.HiddenInput)
    description = forms.CharField(label=_("Item"), max_length=150, required=False)
    rating = forms.ChoiceField(
        label=_("Rating"), choices=RATING_BUTTONS, widget=forms.RadioSelect, required=False
    )
    # Tread depth is read in tenths of a millimetre (2.5 mm), so the decimal keypad, not the
    # digits-only one.
    tread_depth_mm = forms.DecimalField(
        label=_("Tread (mm)"),
        min_value=0,
        max_value=20,
        max_digits=3,
        decimal_places=1,
        required=False,
        localize=True,
        widget=forms.TextInput(attrs=DECIMAL),
    )
    estimated_cost = cost_field(_("Estimated cost (€)"))
    # The check form states the amount rule once, above its cards.
    estimated_cost.help_text = ""
    estimated_cost.widget.attrs["aria-describedby"] = "amount-rule"
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    fix_before_delivery = forms.BooleanField(label=_("Fix before delivery"), required=False)

    @property
    def is_free_item(self) -> bool:
        return self.initial.get("component", self.data.get(self.add_prefix("component"))) == (
            Component.OTHER
        )

    @property
    def is_tyre(self) -> bool:
        return self.initial.get("component") in TYRE_COMPONENTS

    @property
    def label(self) -> str:
        component = self.initial.get("component")
        return str(Component(component).label) if component else ""

    def clean(self):
        cleaned = super().clean()
        component = cleaned.get("component")
        if component == Component.OTHER:
            filled = any(
                cleaned.get(name) for name in ("rating", "estimated_cost", "note", "description")
            )
            if not filled:
                cleaned["skip"] = True
                return cleaned
            if not cleaned.get("description"):
                self.add_error("description", _("Name the item."))
        if not cleaned.get("rating"):
            self.add_error("rating", _("Choose OK, soon or now."))
        if component not in TYRE_COMPONENTS:
            cleaned["tread_depth_mm"] = None
        return cleaned


class BaseStatusCheckItemFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # Every row is validated, whatever INITIAL_FORMS says: Django would otherwise leave an
        # unchanged "extra" row with empty cleaned_data, and a tampered post (INITIAL_FORMS=0)
        # would reach the view with rows that have no component.
        return {**super().get_form_kwargs(index), "empty_permitted": False}

    def clean(self):
        if any(self.errors):
            return
        if not any(not form.cleaned_data.get("skip") for form in self.forms if form.cleaned_data):
            raise ValidationError(_("Rate at least one item."))


# A check has the standard checklist plus FREE_ITEMS rows: a posted TOTAL_FORMS above that is
# refused, not built (Django would otherwise build and render up to 2,000 forms).
MAX_CHECK_ITEMS = len(CHECKLIST) + FREE_ITEMS
StatusCheckItemFormSet = forms.formset_factory(
    StatusCheckItemForm,
    formset=BaseStatusCheckItemFormSet,
    extra=0,
    max_num=MAX_CHECK_ITEMS,
    absolute_max=MAX_CHECK_ITEMS,
    validate_max=True,
)


def checklist_initial(corrects=None):
    """The standard checklist, then empty rows for free items. A correction starts as a copy
    of the check it corrects (`corrects`: its items loaded): the mechanic changes what was
    wrong instead of typing the whole report again."""
    standard = {value: {"component": value, "rating": Rating.OK} for value in CHECKLIST}
    free = []
    for item in corrects.items.all() if corrects is not None else ():
        row = {
            "component": item.component,
            "rating": item.rating,
            "estimated_cost": item.estimated_cost,
            "note": item.note,
            "tread_depth_mm": item.tread_depth_mm,
            "fix_before_delivery": item.fix_before_delivery,
        }
        if item.component in standard:
            standard[item.component] = row
        elif len(free) < FREE_ITEMS:
            free.append({**row, "component": Component.OTHER, "description": item.label})
    free += [{"component": Component.OTHER}] * (FREE_ITEMS - len(free))
    return list(standard.values()) + free


def check_initial(*, passport, corrects=None) -> dict:
    """The check form's own fields: a correction copies the reading and notes it corrects."""
    if corrects is None:
        return {"odometer_km": passport.odometer_km}
    return {"odometer_km": corrects.odometer_km, "notes": corrects.notes}


class HistoryEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of work"), choices=HistoryEntry.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    odometer_km = odometer_field()
    odometer_correction_reason = correction_reason_field()
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    cost = cost_field(_("Cost (€)"))
    apk_expires = forms.DateField(
        label=_("New APK expiry date"),
        required=False,
        widget=DateInput(),
        validators=[validate_apk_expires],
        help_text=_(
            "For an APK: the expiry date on the new APK. The passport shows it at once, as "
            "reported by the garage, until the RDW confirms it."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_cost(self):
        return self.cleaned_data["cost"] or Decimal("0.00")


class VehicleDataForm(VehicleFieldsForm):
    """The garage corrects the vehicle data; starts with the passport's values."""

    vin = forms.CharField(
        label=_("VIN (chassis number)"),
        max_length=25,  # 17 characters, perhaps typed with spaces
        required=False,
        validators=[validate_vin],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "17 letters and digits, as on the registration card (not in the RDW's open data)."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each field posts the value it was shown with: only what this user changed is saved,
        # never an older value over a colleague's correction made meanwhile.
        for field in self.fields.values():
            field.show_hidden_initial = True

    @classmethod
    def for_passport(cls, passport, data=None):
        initial = {name: getattr(passport, name) for name in EDITABLE_FIELDS}
        return cls(data, initial=initial)

    def changes(self) -> dict:
        """The fields this user changed on the page."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class DashboardFilterForm(forms.Form):
    """The dashboard's query string: search, filters and the keyset cursor."""

    q = forms.CharField(
        label=_("Search plate, name or VIN"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. GJ-55-55, 5555 or Jansen")}
        ),
    )
    state = forms.ChoiceField(
        label=_("Cars"),
        required=False,
        choices=[("", _("All cars")), ("stock", _("Stock")), ("customer", _("Customers"))],
    )
    needs_work = forms.BooleanField(label=_("Needs work now"), required=False)
    open_recall = forms.BooleanField(label=_("Open recall"), required=False)
    after = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )

    def clean_q(self):
        query = self.cleaned_data["q"].strip()
        if query and len(plates.compact(query)) < MIN_SEARCH_LENGTH:
            raise forms.ValidationError(
                _("Type at least %(count)s characters of the plate or the name."),
                params={"count": MIN_SEARCH_LENGTH},
            )
        return query
