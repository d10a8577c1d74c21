from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from promotions.models import Promotion

Segment = Promotion.Segment


class PromotionForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text. Owners read it in the email, under your garage's name."),
    )
    ends_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional. After this day the message can no longer be sent."),
    )
    segment = forms.ChoiceField(
        label=_("Send to"), choices=Segment.choices, widget=forms.RadioSelect, initial=Segment.ALL
    )
    apk_within_days = forms.IntegerField(
        label=_("APK expires within (days)"), min_value=1, max_value=365, required=False
    )
    make = forms.ChoiceField(label=_("Make"), required=False)
    fuel = forms.ChoiceField(label=_("Fuel"), required=False)

    def __init__(self, *args, makes, fuels, **kwargs):
        super().__init__(*args, **kwargs)
        for name, values in (("make", makes), ("fuel", fuels)):
            current = self.initial.get(name)
            options = sorted({*values, current} - {None, ""})
            self.fields[name].choices = [("", "—"), *((value, value) for value in options)]

    @classmethod
    def initial_for(cls, promotion: Promotion) -> dict:
        return {
            "subject": promotion.subject,
            "body": promotion.body,
            "ends_on": promotion.ends_on,
            "segment": promotion.segment,
            "apk_within_days": promotion.apk_within_days,
            "make": promotion.segment_value if promotion.segment == Segment.MAKE else "",
            "fuel": promotion.segment_value if promotion.segment == Segment.FUEL else "",
        }

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        if ends_on is not None and ends_on < timezone.localdate():
            raise forms.ValidationError(_("The end date has passed."))
        return ends_on

    def clean(self):
        cleaned = super().clean()
        segment = cleaned.get("segment")
        required = {
            Segment.APK_DUE: ("apk_within_days", _("Give the number of days.")),
            Segment.MAKE: ("make", _("Choose a make.")),
            Segment.FUEL: ("fuel", _("Choose a fuel.")),
        }
        if segment in required:
            field, message = required[segment]
            if not cleaned.get(field) and field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def promotion_fields(self) -> dict:
        """What the services take."""
        data = self.cleaned_data
        segment = data["segment"]
        return {
            "subject": data["subject"],
            "body": data["body"],
            "ends_on": data["ends_on"],
            "segment": segment,
            "apk_within_days": data["apk_within_days"],
            "segment_value": data["make"]
            if segment == Segment.MAKE
            else data["fuel"]
            if segment == Segment.FUEL
            else "",
        }
