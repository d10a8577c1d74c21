import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import Invoice, Statement, StatementLine, Tariff, TariffTier
from billing.services import credit_note_issue, tariff_check
from core.admin_audit import AuditedAdmin, audit_message
from core.errors import ApplicationError
from core.spreadsheets import spreadsheet_amount, spreadsheet_safe


class TariffTierInline(admin.TabularInline):
    model = TariffTier
    extra = 0


class TariffForm(forms.ModelForm):
    class Meta:
        model = Tariff
        fields = [
            "name",
            "valid_from",
            "valid_until",
            "monthly_minimum",
            "price_active_passport",
            "price_transfer_completed",
            "price_quote_sent",
            "price_photo",
            "free_photos",
        ]

    def _post_clean(self):
        # After the instance has the form's values (ModelForm builds it in _post_clean).
        super()._post_clean()
        if self.errors:
            return
        try:
            tariff_check(
                tariff=self.instance, changed=self.changed_data, today=timezone.localdate()
            )
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Tariff)
class TariffAdmin(AuditedAdmin, admin.ModelAdmin):
    """Support writes the tariffs. A new one starts next month at the earliest; once its first
    month has begun only its end can change (`billing.services.tariff_check`), so a closed
    month is never priced differently. Never deleted: statements refer to them."""

    form = TariffForm
    list_display = (
        "name",
        "valid_from",
        "valid_until",
        "monthly_minimum",
        "price_active_passport",
        "price_transfer_completed",
        "price_quote_sent",
        "price_photo",
        "free_photos",
    )
    inlines = [TariffTierInline]

    def _started(self, obj) -> bool:
        return obj is not None and obj.valid_from <= timezone.localdate().replace(day=1)

    def get_readonly_fields(self, request, obj=None):
        if self._started(obj):
            return [f.name for f in Tariff._meta.fields if f.name != "valid_until"]
        return []

    def get_inlines(self, request, obj):
        return [] if self._started(obj) else self.inlines

    def has_delete_permission(self, request, obj=None):
        return False


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    extra = 0
    can_delete = False
    fields = ("position", "kind", "tier_from", "tier_to", "quantity", "unit_price", "amount")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Statement)
class StatementAdmin(AuditedAdmin, admin.ModelAdmin):
    """Every garage's closed months: read-only (the closing job writes them), with a CSV export
    of the selected ones for the bookkeeping."""

    list_display = ("month", "garage", "subtotal", "vat_amount", "total", "closed_at")
    list_select_related = ("garage",)
    list_filter = ("month",)
    search_fields = ("garage__name", "garage__kvk_number")
    date_hierarchy = "month"
    inlines = [StatementLineInline]
    actions = ["export_csv"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Statement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=gettext_lazy("Export selected statements as CSV"), permissions=["view"]
    )
    def export_csv(self, request, queryset):
        """One row per statement with its invoice numbers; `;`-separated with a BOM, amounts
        with a decimal comma, like the usage export, so Dutch Excel opens it as is."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="statements-{timezone.localdate():%Y%m%d}.csv"'
        )
        response.write("\ufeff")
        writer = csv.writer(response, delimiter=";")
        writer.writerow(
            [
                _("Month"),
                _("Garage id"),
                _("Garage"),
                _("KvK number"),
                _("Subtotal excl. VAT"),
                _("VAT"),
                _("Total incl. VAT"),
                _("Invoices"),
                _("Closed at"),
            ]
        )
        statements = (
            queryset.select_related("garage")
            .prefetch_related("invoices")
            .order_by("month", "garage__name", "pk")
        )
        for statement in statements:
            writer.writerow(
                [
                    f"{statement.month:%Y-%m}",
                    statement.garage_id,
                    spreadsheet_safe(statement.garage.name),
                    statement.garage.kvk_number,
                    spreadsheet_amount(statement.subtotal),
                    spreadsheet_amount(statement.vat_amount),
                    spreadsheet_amount(statement.total),
                    " ".join(invoice.number for invoice in statement.invoices.all()),
                    timezone.localtime(statement.closed_at).isoformat(timespec="seconds"),
                ]
            )
        return response


class CreditNoteForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Printed on the credit note and recorded with your name."),
    )


@admin.register(Invoice)
class InvoiceAdmin(AuditedAdmin, admin.ModelAdmin):
    """Invoices and credit notes: never edited. A mistake is undone with "Credit this invoice",
    which issues a credit note that refers to it (`billing.services.credit_note_issue`)."""

    list_display = ("number", "kind", "garage", "statement", "total", "issued_at")
    list_select_related = ("garage", "statement__garage")
    list_filter = ("kind", "year")
    search_fields = ("number", "garage__name", "billing_name")
    change_form_template = "admin/billing/invoice/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Invoice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        urls = [
            path(
                "<id:invoice_id>/credit/",
                self.admin_site.admin_view(self.credit_view),
                name="billing_invoice_credit",
            )
        ]
        return urls + super().get_urls()

    def credit_view(self, request, invoice_id):
        if not request.user.has_perm("billing.issue_credit_note"):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice.objects.select_related("garage"), pk=invoice_id)
        form = CreditNoteForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                credit_note = credit_note_issue(
                    invoice=invoice, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as error:
                form.add_error("reason", error.message)
            else:
                self.log_change(
                    request,
                    invoice,
                    audit_message([("credit_note", "", credit_note.number)]),
                )
                self.message_user(
                    request,
                    _("Credit note %(number)s was issued and emailed.")
                    % {"number": credit_note.number},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:billing_invoice_change", args=[credit_note.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": invoice,
            "form": form,
            "title": gettext_lazy("Credit this invoice"),
        }
        return TemplateResponse(request, "admin/billing/invoice/credit.html", context)
