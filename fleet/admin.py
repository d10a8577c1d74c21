from django.contrib import admin

from core.admin_audit import AuditedAdmin
from core.shared_cache import places_forget
from fleet.models import FleetAccount, FleetLink, FleetMembership
from fleet.services import fleet_manager_invite


class FleetMembershipInline(admin.TabularInline):
    model = FleetMembership
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("invited_by", "created_at")


@admin.register(FleetAccount)
class FleetAccountAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "email", "kind", "kvk_number", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "email", "kvk_number")
    filter_horizontal = ("garages",)
    inlines = [FleetMembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # A stock fleet belongs to its garage for good; support sets up business fleets only.
        return ("kind", "stock_of")

    def save_formset(self, request, form, formset, change):
        """A manager added here is invited like everywhere else (set-password email)."""
        if formset.model is not FleetMembership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        # The navigation of every manager shows the fleet's name and reach (core.shared_cache).
        places_forget(form.instance.memberships.values_list("user_id", flat=True))
        places_forget(obj.user_id for obj in formset.deleted_objects)
        for membership in memberships:
            if membership.pk:
                membership.save()
            else:
                fleet_manager_invite(
                    fleet=form.instance,
                    actor=request.user,
                    email=membership.user.email,
                    full_name=membership.user.full_name,
                )


@admin.register(FleetMembership)
class FleetMembershipAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("user", "fleet", "created_at")
    search_fields = ("user__email", "fleet__name")
    list_select_related = ("user", "fleet")
    autocomplete_fields = ("user", "fleet")
    readonly_fields = ("invited_by",)


@admin.register(FleetLink)
class FleetLinkAdmin(AuditedAdmin, admin.ModelAdmin):
    """The record of which car was in which fleet when: read-only."""

    list_display = ("passport", "fleet", "linked_at", "linked_by", "unlinked_at", "unlinked_by")
    search_fields = ("passport__plate", "fleet__name")
    list_select_related = ("passport", "fleet", "linked_by", "unlinked_by")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in FleetLink._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
