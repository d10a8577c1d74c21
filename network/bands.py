"""The cells the network's figures are grouped in: age and mileage bands, the levels of detail
(model, then make + fuel, then fuel), and the component groups of "now" findings. One home for
them: the nightly computation (both paths) and the pages' lookup read these."""

from datetime import date

from django.utils.translation import gettext_lazy as _

# (lower bound in whole years, label): a car of 4 years and 11 months is in "3-5".
AGE_BANDS = [(0, "0-2"), (3, "3-5"), (6, "6-9"), (10, "10-14"), (15, "15+")]
# (lower bound in km, label)
KM_BANDS = [(0, "0-60k"), (60_000, "60-120k"), (120_000, "120-180k"), (180_000, "180k+")]


class Level:
    """From the most to the least specific; a page uses the first level with a figure."""

    MODEL = "model"  # make + model + fuel
    MAKE_FUEL = "make_fuel"
    FUEL = "fuel"
    ORDER = (MODEL, MAKE_FUEL, FUEL)
    CHOICES = [
        (MODEL, _("make, model and fuel")),
        (MAKE_FUEL, _("make and fuel")),
        (FUEL, _("fuel")),
    ]


# Findings are reported per group: front and rear brakes are "brakes" to an owner.
COMPONENT_GROUPS = {
    "brakes": ("brakes_front", "brakes_rear"),
    "tyres": ("tyres_front", "tyres_rear"),
    "battery": ("battery",),
    "lights": ("lights",),
    "wipers": ("wipers",),
    "fluids": ("fluids",),
    "exhaust": ("exhaust",),
    "suspension_steering": ("suspension_steering",),
    "bodywork_glass": ("bodywork_glass",),
}
COMPONENT_LABELS = {
    "brakes": _("Brakes"),
    "tyres": _("Tyres"),
    "battery": _("Battery"),
    "lights": _("Lights"),
    "wipers": _("Wipers"),
    "fluids": _("Fluids"),
    "exhaust": _("Exhaust"),
    "suspension_steering": _("Suspension and steering"),
    "bodywork_glass": _("Bodywork and glass"),
}

# Publication rule (k-anonymity with a dominance limit): a figure is published only when at
# least MIN_CARS cars from at least MIN_GARAGES garages are behind it, and no garage has more
# than MAX_GARAGE_SHARE of the cell's cars (else the figure would be that garage's own).
MIN_CARS = 20
MIN_GARAGES = 3
MAX_GARAGE_SHARE = 0.5


def full_years(first_admission: date, today: date) -> int:
    years = today.year - first_admission.year
    if (today.month, today.day) < (first_admission.month, first_admission.day):
        years -= 1
    return max(years, 0)


def band_of(value: int, bands) -> str:
    label = bands[0][1]
    for lower, name in bands:
        if value >= lower:
            label = name
    return label


def age_band(first_admission: date, today: date) -> str:
    return band_of(full_years(first_admission, today), AGE_BANDS)


def km_band(odometer_km: int) -> str:
    return band_of(odometer_km, KM_BANDS)


def cell_keys(*, make: str, model: str, fuel: str, age: str, km: str) -> list[tuple]:
    """The car's cell at each level, most specific first: (level, make, model, fuel, age, km)."""
    make, model, fuel = make.strip().upper(), model.strip().upper(), fuel.strip()
    return [
        (Level.MODEL, make, model, fuel, age, km),
        (Level.MAKE_FUEL, make, "", fuel, age, km),
        (Level.FUEL, "", "", fuel, age, km),
    ]
