from django import forms
from django.utils.translation import gettext_lazy as _

from appointments.forms import PreferredTimesForm
from quotes.services import NOTE_MAX_LENGTH


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


class QuoteApproveForm(PreferredTimesForm):
    """The owner's answer to a quote: the lines they agree to (every line ticked at first, so
    agreeing to all of it is one tap; they untick what they do not want), one to three times
    that suit them for the work, and a note. quotes.services checks the lines again."""

    field_order = ["lines", "date_1", "part_1", "date_2", "part_2", "date_3", "part_3", "note"]

    lines = forms.TypedMultipleChoiceField(
        label=_("The lines you agree to"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one line you agree to."),
            "invalid_choice": _("Choose lines of this quote."),
        },
    )
    note = forms.CharField(
        label=_("Note for the garage"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, quote_lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(line.pk, line.description) for line in quote_lines]
        if not self.is_bound:
            self.initial.setdefault("lines", [line.pk for line in quote_lines])

    def chosen_line_ids(self) -> set[int]:
        """The lines ticked now: as submitted (valid or not), else the initial ones. For the
        page's checkboxes and its "selected total" without JavaScript."""
        if not self.is_bound:
            return set(self.initial.get("lines", []))
        chosen = set()
        for value in self.data.getlist(self.add_prefix("lines")):
            try:
                chosen.add(int(value))
            except (TypeError, ValueError):
                continue
        return chosen


class QuoteDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not? (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The garage reads this; it helps them make a better offer."),
    )
