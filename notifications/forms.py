from django import forms
from django.utils.translation import gettext_lazy as _


class ContactPreferencesForm(forms.Form):
    reminders_enabled = forms.BooleanField(
        label=_("APK and maintenance reminders"),
        required=False,
        help_text=_(
            "An email six weeks and one week before the APK expires, and when maintenance is due."
        ),
    )
    promotions_enabled = forms.BooleanField(
        label=_("Messages and offers from my garage"),
        required=False,
        help_text=_("Occasional messages from the garage that services your car."),
    )
