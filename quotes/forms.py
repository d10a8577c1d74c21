"""The garage's quote form: the draft's lines as a formset (prefix "lines", so the services'
field names "lines-<i>-description" land beside the right input), its validity date and note.

The forms check what a person can mistype (an empty description, "12,3,4" as a price); the
rules themselves (limits, which finding a line may name) are the service's, whose refusals the
view puts beside the same fields."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import AmountField
from quotes.models import QuoteLine
from quotes.services import MAX_LINES, MAX_QUANTITY, MAX_UNIT_PRICE, NOTE_MAX_LENGTH, LineData

PREFIX = "lines"
MAX_SPARE = 5
WHOLE = Decimal("1")  # "add line" rows at most at once (a GET parameter)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class QuoteLineForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=QuoteLine.Kind.choices, initial=QuoteLine.Kind.OTHER
    )
    description = forms.CharField(label=_("Description"), max_length=200)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.01"),
        max_value=MAX_QUANTITY,
        max_digits=6,
        decimal_places=2,
        localize=True,
        initial=Decimal("1"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    unit_price = AmountField(
        label=_("Unit price (€)"),
        min_value=Decimal("0"),
        max_value=MAX_UNIT_PRICE - Decimal("0.01"),
    )
    # The finding the line fixes (its photos show beside it); the service checks it is one of
    # the quote's check.
    check_item = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, findings=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The page states the amount rule once, above the lines.
        self.fields["unit_price"].help_text = ""
        self.fields["unit_price"].widget.attrs["aria-describedby"] = "amount-rule"
        self.findings = findings or {}

    @property
    def finding(self):
        """The status check item this row comes from (for its label, rating and photos)."""
        value = self.initial.get("check_item") or (
            self.data.get(self.add_prefix("check_item")) if self.is_bound else None
        )
        try:
            return self.findings.get(int(value)) if value else None
        except (TypeError, ValueError):
            return None


class BaseQuoteLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, findings=None, **kwargs):
        self.findings = findings or {}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "findings": self.findings}

    def line_data(self) -> tuple[list[LineData], list[int]]:
        """The lines to save (removed and untouched spare rows left out) and, per line, the
        index of its row: the service's "lines-<i>-..." errors count saved lines, not rows."""
        lines, rows = [], []
        for index, form in enumerate(self.forms):
            data = form.cleaned_data
            if not data or (self.can_delete and data.get("DELETE")):
                continue
            lines.append(
                LineData(
                    description=data["description"],
                    quantity=data["quantity"],
                    unit_price=data["unit_price"],
                    kind=data["kind"],
                    check_item_id=data.get("check_item"),
                )
            )
            rows.append(index)
        return lines, rows


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm,
    formset=BaseQuoteLineFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES + MAX_SPARE,
    validate_max=False,
)


class QuoteForm(forms.Form):
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    note = forms.CharField(
        label=_("Note for the owner"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, work_order=False, **kwargs):
        super().__init__(*args, **kwargs)
        if work_order:
            del self.fields["valid_until"]
            self.fields["note"].label = _("Note for the workshop")


def line_initial(lines) -> list[dict]:
    return [
        {
            "kind": line.kind,
            "description": line.description,
            # "1", not "1,00"; "1,5" stays.
            "quantity": line.quantity.quantize(WHOLE)
            if line.quantity == line.quantity.to_integral_value()
            else line.quantity,
            "unit_price": line.unit_price,
            "check_item": line.check_item_id,
        }
        for line in lines
    ]
