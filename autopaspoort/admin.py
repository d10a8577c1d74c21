from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from autopaspoort import plates, vehicle_data
from autopaspoort.models import (
    ApkDefect,
    HistoryEntry,
    Passport,
    PassportRecall,
    Recall,
    StatusCheck,
    StatusCheckItem,
)
from core.admin_audit import AuditedAdmin, audit_message
from core.errors import ApplicationError
from fleet.forms import SupportUnlinkForm
from fleet.services import fleet_unlink_by_support
from transfers.forms import SupportTransferForm
from transfers.models import Transfer
from transfers.services import OwnerContact, transfer_confirm


class PlateSearchMixin:
    """Support searches by plate in any spelling: gj5555, GJ-55-55, "gj 55"."""

    plate_lookup = "plate_compact"

    def get_search_results(self, request, queryset, search_term):
        compact = plates.compact(search_term)
        if len(compact) >= 3 and compact.isalnum():
            matches = queryset.filter(**{f"{self.plate_lookup}__contains": compact})
            if matches.exists():
                return matches, False
        return super().get_search_results(request, queryset, search_term)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Passport)
class PassportAdmin(AuditedAdmin, PlateSearchMixin, admin.ModelAdmin):
    list_display = ("plate", "make", "model", "garage", "state", "owner_contact", "created_at")
    list_filter = ("state", "rdw_status", "odometer_logical")
    # owner__email: the owner's login is the one home of the address (stock: the garage's).
    search_fields = ("plate", "vin", "owner__email", "owner_name", "garage__name")
    list_select_related = ("garage__account_user", "owner")
    autocomplete_fields = ("created_by",)
    change_form_template = "admin/autopaspoort/passport/change_form.html"
    readonly_fields = (
        "plate",
        # Ownership is never a field, also not for a superuser: it moves only through the
        # transfer and fleet services (the pages below), with a record and the usual emails.
        "owner",
        "garage",
        "fleet",
        "state",
        "activated_at",
        "owner_left_at",  # set when the owner deleted their account (accounts.account_delete)
        "owner_version",
        "latest_check",
        "rdw_status",
        "rdw_checked_at",
        # Kept by autopaspoort.vehicle_data (a vehicle field support corrects becomes "garage").
        "vehicle_sources",
        "rdw_disagreements",
        "odometer_km",
        "odometer_read_on",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False  # passports are made by garages, with their rules, not here

    def save_model(self, request, obj, form, change):
        corrected = [name for name in form.changed_data if name in vehicle_data.EDITABLE_FIELDS]
        before = {name: form.initial.get(name) for name in corrected}
        super().save_model(request, obj, form, change)
        if change and corrected:
            vehicle_data.support_corrected(passport=obj, actor=request.user, before=before)

    @admin.display(description=gettext_lazy("owner email"))
    def owner_contact(self, passport):
        return passport.contact_email

    def get_urls(self):
        urls = [
            path(
                "<id:passport_id>/transfer/",
                self.admin_site.admin_view(self.transfer_view),
                name="autopaspoort_passport_transfer",
            ),
            path(
                "<id:passport_id>/unlink-fleet/",
                self.admin_site.admin_view(self.unlink_fleet_view),
                name="autopaspoort_passport_unlink_fleet",
            ),
        ]
        return urls + super().get_urls()

    def _support_page(self, request, passport, form, *, title, intro, button):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": passport,
            "form": form,
            "title": title,
            "intro": intro,
            "button": button,
        }
        return TemplateResponse(request, "admin/autopaspoort/passport/support_action.html", context)

    def transfer_view(self, request, passport_id):
        """ "Transfer to a new owner": `transfer_confirm` via support, as a garage would."""
        if not request.user.has_perm("transfers.transfer_as_support"):
            raise PermissionDenied
        passport = get_object_or_404(Passport.objects.select_related("garage"), pk=passport_id)
        form = SupportTransferForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            old_owner = passport.contact_email
            try:
                transfer_confirm(
                    passport=passport,
                    contact=OwnerContact(
                        email=form.cleaned_data["email"], name=form.cleaned_data["name"]
                    ),
                    actor=request.user,
                    via=Transfer.Via.SUPPORT,
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.log_change(
                    request,
                    passport,
                    audit_message(
                        [
                            ("owner", old_owner, form.cleaned_data["email"]),
                            ("reason", "", form.cleaned_data["reason"]),
                        ]
                    ),
                )
                self.message_user(
                    request,
                    _("%(plate)s was transferred to %(email)s.")
                    % {"plate": passport.plate, "email": form.cleaned_data["email"]},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:autopaspoort_passport_change", args=[passport.pk]))
        return self._support_page(
            request,
            passport,
            form,
            title=gettext_lazy("Transfer to a new owner"),
            intro=_(
                "%(plate)s goes to the new owner now, as a garage's transfer does: the new owner "
                "gets an activation email, the previous owner a receipt and loses access. The "
                "transfer is recorded with your name and reason."
            )
            % {"plate": passport.plate},
            button=_("Transfer the car"),
        )

    def unlink_fleet_view(self, request, passport_id):
        if not request.user.has_perm("fleet.unlink_fleetlink"):
            raise PermissionDenied
        passport = get_object_or_404(Passport.objects.select_related("fleet"), pk=passport_id)
        form = SupportUnlinkForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            fleet_name = passport.fleet.name if passport.fleet else ""
            try:
                fleet_unlink_by_support(
                    passport=passport, reason=form.cleaned_data["reason"], actor=request.user
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.log_change(
                    request,
                    passport,
                    audit_message(
                        [
                            ("fleet", fleet_name, ""),
                            ("reason", "", form.cleaned_data["reason"]),
                        ]
                    ),
                )
                self.message_user(
                    request,
                    _("%(plate)s was unlinked from its fleet.") % {"plate": passport.plate},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:autopaspoort_passport_change", args=[passport.pk]))
        return self._support_page(
            request,
            passport,
            form,
            title=gettext_lazy("Unlink from fleet"),
            intro=_(
                "%(plate)s leaves the fleet account %(fleet)s now; the fleet keeps the period "
                "it had the car in its history. Recorded with your name and reason."
            )
            % {"plate": passport.plate, "fleet": passport.fleet.name if passport.fleet else "-"},
            button=_("Unlink"),
        )


class StatusCheckItemInline(ReadOnlyMixin, admin.TabularInline):
    model = StatusCheckItem
    fk_name = "status_check"
    extra = 0


@admin.register(StatusCheck)
class StatusCheckAdmin(AuditedAdmin, ReadOnlyMixin, PlateSearchMixin, admin.ModelAdmin):
    """Inspection reports are never edited, also not by support: a new check corrects one."""

    plate_lookup = "passport__plate_compact"
    list_display = ("passport", "performed_at", "garage", "performed_by", "odometer_km")
    search_fields = ("passport__plate",)
    list_select_related = ("passport", "garage", "performed_by")
    inlines = [StatusCheckItemInline]


@admin.register(HistoryEntry)
class HistoryEntryAdmin(AuditedAdmin, PlateSearchMixin, admin.ModelAdmin):
    plate_lookup = "passport__plate_compact"
    list_display = ("passport", "date", "kind", "odometer_km", "cost", "garage", "created_by")
    list_filter = ("kind",)
    search_fields = ("passport__plate", "description")
    list_select_related = ("passport", "garage", "created_by")
    readonly_fields = ("passport", "garage", "created_by", "created_at")

    def has_add_permission(self, request):
        return False


# --- What the RDW refresh keeps (read only: the refresh is their only writer) -------------------


@admin.register(Recall)
class RecallAdmin(AuditedAdmin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "category", "published_on", "details_fetched_at")
    search_fields = ("reference", "category", "defect")


@admin.register(PassportRecall)
class PassportRecallAdmin(AuditedAdmin, ReadOnlyMixin, PlateSearchMixin, admin.ModelAdmin):
    """Which car has which recall, open or repaired, and when its owner was emailed."""

    plate_lookup = "passport__plate_compact"
    list_display = ("passport", "recall", "status", "first_seen_at", "closed_at", "notified_at")
    list_filter = ("status",)
    search_fields = ("passport__plate", "recall__reference")
    list_select_related = ("passport", "recall")


@admin.register(ApkDefect)
class ApkDefectAdmin(AuditedAdmin, ReadOnlyMixin, PlateSearchMixin, admin.ModelAdmin):
    plate_lookup = "passport__plate_compact"
    list_display = ("passport", "reported_on", "code", "description", "count")
    search_fields = ("passport__plate", "code")
    list_select_related = ("passport",)
