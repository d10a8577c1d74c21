from django import forms
from django.utils.translation import gettext_lazy as _


class ActivationResendForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))


class ContactPreferencesForm(forms.Form):
    reminders_enabled = forms.BooleanField(
        label=_("APK, maintenance and recall reminders"),
        required=False,
        help_text=_(
            "An email six weeks and one week before the APK expires, when maintenance is due, "
            "and when the RDW lists a recall for your car."
        ),
    )
    promotions_enabled = forms.BooleanField(
        label=_("Messages and offers from my garage"),
        required=False,
        help_text=_("Occasional messages from the garage that services your car."),
    )
