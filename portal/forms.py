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
    check_reports_enabled = forms.BooleanField(
        label=_("Reports of status checks"),
        required=False,
        help_text=_(
            "An email when the garage has checked your car: what needs work now or soon, and "
            "the expected costs."
        ),
    )


class PasswordConfirmForm(forms.Form):
    """The person's current password, for an action that hands over or erases their data. A
    wrong one counts toward the login lockout (accounts.lockout.current_password_check)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        from accounts.lockout import current_password_check
        from core.errors import ApplicationError

        password = self.cleaned_data["password"]
        try:
            current_password_check(
                request=self.request, user=self.request.user, password=password, field="password"
            )
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code="password_incorrect") from None
        return password


class AccountDeleteForm(PasswordConfirmForm):
    confirm = forms.BooleanField(
        label=_("I understand that my account and my personal data are deleted for good."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
