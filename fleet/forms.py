from django import forms
from django.utils.translation import gettext_lazy as _

from autopaspoort.plates import compact
from autopaspoort.selectors import MIN_SEARCH_LENGTH
from core.emails import normalize_email
from core.phones import PhoneNumberField
from core.validators import validate_kvk_number
from fleet.models import FleetAccount


class FleetFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search plate, driver or VIN"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    apk_due = forms.BooleanField(label=_("APK due within 60 days"), required=False)
    needs_work = forms.BooleanField(label=_("Needs work now"), required=False)
    open_recall = forms.BooleanField(label=_("Open recall"), required=False)
    after = forms.CharField(required=False, max_length=8, widget=forms.HiddenInput)

    def clean_q(self):
        query = self.cleaned_data["q"].strip()
        if query and len(compact(query)) < MIN_SEARCH_LENGTH:
            raise forms.ValidationError(
                _("Type at least %(count)s characters of the plate or the name."),
                params={"count": MIN_SEARCH_LENGTH},
            )
        return query


class DriverForm(forms.Form):
    name = forms.CharField(label=_("Driver name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Driver email"), required=False)
    phone = PhoneNumberField(label=_("Driver phone"), required=False)


class FleetCreateForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=150)
    email = forms.EmailField(label=_("Company email"))
    kvk_number = forms.CharField(
        label=_("KvK number"), max_length=8, required=False, validators=[validate_kvk_number]
    )
    manager_email = forms.EmailField(
        label=_("Fleet manager's email"),
        help_text=_("The fleet manager receives an email to set a password."),
    )
    manager_name = forms.CharField(label=_("Fleet manager's name"), max_length=150, required=False)

    def clean_manager_email(self):
        return normalize_email(self.cleaned_data["manager_email"])


class FleetLinkForm(forms.Form):
    fleet = forms.ModelChoiceField(label=_("Fleet"), queryset=FleetAccount.objects.none())

    def __init__(self, *args, fleets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fleet"].queryset = fleets


class SupportUnlinkForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit record, e.g. the ticket number and what went wrong."),
    )
