from django import forms
from django.utils.translation import gettext_lazy as _


class ActivationResendForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))


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
    check_reports_enabled = forms.BooleanField(
        label=_("Reports of status checks"),
        required=False,
        help_text=_(
            "An email when the garage has checked your car: what needs work now or soon, and "
            "the expected costs."
        ),
    )
