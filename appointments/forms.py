from django import forms
from django.utils.translation import gettext_lazy as _

from appointments import catalogue
from appointments.models import Appointment, PartOfDay
from appointments.services import ADVICE_MAX_LENGTH, MAX_SLOTS, Slot


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PreferredTimesForm(forms.Form):
    """Up to three times that suit the owner (a date and a part of the day each): the slots of
    an appointment request, also asked when the owner approves a quote
    (portal.forms.QuoteApproveForm)."""

    date_1 = forms.DateField(label=_("First choice"), widget=DateInput)
    part_1 = forms.ChoiceField(
        label=_("Part of day"), choices=PartOfDay.choices, initial=PartOfDay.MORNING
    )
    date_2 = forms.DateField(label=_("Second choice"), required=False, widget=DateInput)
    part_2 = forms.ChoiceField(
        label=_("Part of day"),
        choices=PartOfDay.choices,
        initial=PartOfDay.MORNING,
        required=False,
    )
    date_3 = forms.DateField(label=_("Third choice"), required=False, widget=DateInput)
    part_3 = forms.ChoiceField(
        label=_("Part of day"),
        choices=PartOfDay.choices,
        initial=PartOfDay.MORNING,
        required=False,
    )

    def slots(self) -> list[Slot]:
        data = self.cleaned_data
        return [
            Slot(date=data[f"date_{n}"], part_of_day=data.get(f"part_{n}") or PartOfDay.MORNING)
            for n in range(1, MAX_SLOTS + 1)
            if data.get(f"date_{n}")
        ]

    def slot_rows(self):
        """(date field, part field) per preferred time, for the template."""
        return [(self[f"date_{n}"], self[f"part_{n}"]) for n in range(1, MAX_SLOTS + 1)]


class AppointmentRequestForm(PreferredTimesForm):
    """What the owner asks for: reason, up to three times that suit them, a note."""

    field_order = ["reason", "warning_light", "date_1", "part_1", "date_2", "part_2"]

    reason = forms.ChoiceField(label=_("Reason"), choices=Appointment.Reason.choices)
    warning_light = forms.ChoiceField(label=_("Warning light"), required=False)
    note = forms.CharField(
        label=_("Note for the garage"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is wrong, or what you would like done."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warning_light"].choices = [("", "—"), *catalogue.light_choices()]


class AcceptSlotForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(required=False, max_length=1000)


class ProposeForm(forms.Form):
    """Another time, proposed by the garage."""

    date = forms.DateField(label=_("Date"), widget=DateInput)
    part_of_day = forms.ChoiceField(
        label=_("Part of day"), choices=PartOfDay.choices, initial=PartOfDay.MORNING
    )
    message = forms.CharField(
        label=_("Message to the owner"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example why the preferred times do not suit, or how long it takes."),
    )


class LightAdviceForm(forms.Form):
    text = forms.CharField(
        label=_("Your advice"),
        required=False,
        max_length=ADVICE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown to your customers under our text. Leave empty to show only our text."),
    )


class LightSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search warning lights"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "aria-label": _("Search warning lights"),
                "placeholder": _("For example: oil, brakes, battery, orange"),
            }
        ),
    )
