from django import forms
from django.utils.translation import gettext_lazy as _

from sharing.models import DEFAULT_DAYS, MAX_DAYS


class ShareLinkForm(forms.Form):
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS
    )
    show_costs = forms.BooleanField(label=_("Show costs"), required=False)
    include_photos = forms.BooleanField(label=_("Include photos"), required=False)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=20)
