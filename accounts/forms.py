from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("The email address or password is incorrect. Please try again."),
        "inactive": _("This account has been deactivated."),
    }


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PasswordSetForm(SetPasswordForm):
    """Django's set-password form, saved through the one service every emailed link uses
    (it activates a pending account and ends its login lockout)."""

    def save(self, commit=True):
        from accounts.services import user_password_set

        return user_password_set(user=self.user, password=self.cleaned_data["new_password1"])


class CheckedPasswordChangeForm(PasswordChangeForm):
    """A wrong current password counts toward the login lockout (accounts.lockout)."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        from accounts.lockout import current_password_check
        from core.errors import ApplicationError

        old_password = self.cleaned_data["old_password"]
        try:
            current_password_check(
                request=self.request, user=self.user, password=old_password, field="old_password"
            )
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code="password_incorrect") from None
        return old_password
