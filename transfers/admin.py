from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_audit import AuditedAdmin, audit_message
from core.errors import ApplicationError
from transfers.forms import SupportCorrectEmailForm
from transfers.models import EmailCorrection, OwnerContactChange, Transfer
from transfers.services import transfer_support_correct_email


class EmailCorrectionInline(admin.TabularInline):
    model = EmailCorrection
    extra = 0
    can_delete = False
    fields = ("created_at", "old_email", "new_email", "reason", "by_support", "corrected_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(AuditedAdmin, admin.ModelAdmin):
    """Transfers are records: read-only here. A mistyped owner email is corrected with the
    "Correct email" page, which keeps an audit record and sends a fresh activation."""

    list_display = ("passport", "email", "state", "via", "garage", "created_at", "completed_at")
    list_filter = ("state", "via")
    search_fields = ("passport__plate", "email", "name")
    list_select_related = ("passport", "garage")
    inlines = [EmailCorrectionInline]
    change_form_template = "admin/transfers/transfer/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Transfer._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        urls = [
            path(
                "<id:transfer_id>/correct-email/",
                self.admin_site.admin_view(self.correct_email_view),
                name="transfers_transfer_correct_email",
            )
        ]
        return urls + super().get_urls()

    def correct_email_view(self, request, transfer_id):
        if not request.user.has_perm("transfers.correct_transfer_email"):
            raise PermissionDenied
        transfer = get_object_or_404(Transfer.objects.select_related("passport"), pk=transfer_id)
        form = SupportCorrectEmailForm(
            request.POST if request.method == "POST" else None,
            initial={"new_email": transfer.email},
        )
        if request.method == "POST" and form.is_valid():
            old_email = transfer.email
            try:
                transfer_support_correct_email(
                    transfer=transfer,
                    new_email=form.cleaned_data["new_email"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.log_change(
                    request,
                    transfer,
                    audit_message(
                        [
                            ("email", old_email, form.cleaned_data["new_email"]),
                            ("reason", "", form.cleaned_data["reason"]),
                        ]
                    ),
                )
                self.message_user(
                    request,
                    _("Email corrected; a new activation email goes to %(email)s.")
                    % {"email": form.cleaned_data["new_email"]},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:transfers_transfer_change", args=[transfer.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": transfer,
            "form": form,
            "title": gettext_lazy("Correct the new owner's email"),
        }
        return TemplateResponse(request, "admin/transfers/transfer/correct_email.html", context)


@admin.register(EmailCorrection)
class EmailCorrectionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "transfer",
        "old_email",
        "new_email",
        "by_support",
        "corrected_by",
    )
    list_filter = ("by_support",)
    search_fields = ("old_email", "new_email", "transfer__passport__plate")
    list_select_related = ("transfer__passport", "corrected_by")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in EmailCorrection._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OwnerContactChange)
class OwnerContactChangeAdmin(AuditedAdmin, admin.ModelAdmin):
    """The garage's corrections of an owner's contact details: an audit trail, read-only."""

    list_display = ("passport", "changed_at", "changed_by")
    search_fields = ("passport__plate",)
    list_select_related = ("passport", "changed_by")
    readonly_fields = ("passport", "owner", "before", "after", "changed_by", "changed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
