from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.lockout import current_password_check
from core.emails import normalize_email
from core.errors import ApplicationError
from core.phones import PhoneNumberField
from core.validators import (
    normalize_postcode,
    normalize_vat_number,
    validate_kvk_number,
    validate_vat_number,
)
from garage.models import Membership


class GarageSettingsForm(forms.Form):
    name = forms.CharField(label=_("Garage name"), max_length=150)
    email = forms.EmailField(
        label=_("Account email (login)"),
        help_text=_(
            "This is the garage account's login and receives all mail for the garage. "
            "Your GMS must use the same address for stock cars."
        ),
    )
    phone = PhoneNumberField(label=_("Phone"), required=False)
    street = forms.CharField(label=_("Street"), max_length=150, required=False)
    house_number = forms.CharField(label=_("House number"), max_length=20, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=7, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    kvk_number = forms.CharField(
        label=_("KvK number"), max_length=8, required=False, validators=[validate_kvk_number]
    )
    vat_number = forms.CharField(
        label=_("VAT number (btw-id)"),
        max_length=20,
        required=False,
        help_text=_("Shown on AutoPaspoort's invoices to your garage, e.g. NL123456789B01."),
    )
    billing_email = forms.EmailField(
        label=_("Billing email"),
        required=False,
        help_text=_("AutoPaspoort's invoices are emailed here. Empty: to the account email."),
    )
    prices_include_vat = forms.BooleanField(
        label=_("Prices include 21 % VAT (btw)"),
        required=False,
        help_text=_(
            "On: the amounts your staff type and your customers see include VAT. Off: they "
            "exclude VAT. Pages say which, and a status check shows the VAT amount."
        ),
    )
    current_password = forms.CharField(
        label=_("Your current password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed only when you change the account email."),
    )

    def __init__(self, *args, actor, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.request = request

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    def clean_vat_number(self):
        value = normalize_vat_number(self.cleaned_data["vat_number"])
        if value:
            validate_vat_number(value)
        return value

    def clean_billing_email(self):
        value = self.cleaned_data["billing_email"]
        return normalize_email(value) if value else ""

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"]
        return normalize_postcode(postcode) if postcode else ""

    def clean(self):
        cleaned = super().clean()
        email_changes = "email" in cleaned and cleaned["email"] != normalize_email(
            self.initial.get("email", "")
        )
        if email_changes:
            password = cleaned.get("current_password", "")
            if not password:
                self.add_error(
                    "current_password",
                    _("Enter your current password to change the account email."),
                )
                return cleaned
            try:  # wrong guesses count toward the login lockout
                current_password_check(
                    request=self.request,
                    user=self.actor,
                    password=password,
                    field="current_password",
                )
            except ApplicationError as error:
                self.add_error(error.field, error.message)
        return cleaned


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    # No preselected role: giving someone admin rights must be a choice, not a default.
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Choose a role")), *Membership.Role.choices]
    )

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses it, e.g. the name of your GMS."),
    )
