from django import forms
from django.utils.translation import gettext_lazy as _

from autopaspoort.forms import owner_address_form
from core.emails import normalize_email
from transfers import email_typos
from transfers.services import OwnerContact


class OwnerContactForm(owner_address_form()):
    """The new owner's details: step one of a transfer."""

    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The new owner receives the passport at this address. Check it carefully."),
    )
    # The owner version the page showed: a transfer confirmed against an older one lost a race.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # Set when the user chose to keep an address we thought was mistyped.
    keep_email = forms.BooleanField(required=False, widget=forms.HiddenInput)

    CONTACT_FIELDS = ("name", "email", "street", "house_number", "postcode", "city", "phone")

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    @property
    def email_suggestion(self) -> str | None:
        """'Did you mean ...?' for a mistyped domain, unless the user chose to keep it."""
        if not hasattr(self, "cleaned_data") or self.cleaned_data.get("keep_email"):
            return None
        return email_typos.suggest(self.cleaned_data.get("email", ""))

    def contact(self) -> OwnerContact:
        return OwnerContact(**{name: self.cleaned_data[name] for name in self.CONTACT_FIELDS})

    def visible_contact_fields(self):
        return [self[name] for name in self.CONTACT_FIELDS]


class OwnerContactEditForm(owner_address_form()):
    """The current owner's details the garage may correct: everything but the email."""

    name = forms.CharField(label=_("Name"), max_length=150)
    # The owner version the page showed: details typed for an earlier owner are refused.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    CONTACT_FIELDS = ("name", "street", "house_number", "postcode", "city", "phone")

    @classmethod
    def for_passport(cls, passport, data=None):
        initial = {name: getattr(passport, f"owner_{name}") for name in cls.CONTACT_FIELDS}
        return cls(data, initial={**initial, "expected_version": passport.owner_version})

    def visible_contact_fields(self):
        return [self[name] for name in self.CONTACT_FIELDS]


class CorrectEmailForm(forms.Form):
    new_email = forms.EmailField(label=_("Correct email address"))

    def clean_new_email(self):
        return normalize_email(self.cleaned_data["new_email"])


class SupportCorrectEmailForm(CorrectEmailForm):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit record, e.g. the ticket number and what went wrong."),
    )


class SupportTransferForm(forms.Form):
    """Support hands a car to a new owner (admin): who, and why."""

    name = forms.CharField(label=_("Name of the new owner"), max_length=150)
    email = forms.EmailField(label=_("Email address of the new owner"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit record, e.g. the ticket number and what went wrong."),
    )
