from django.contrib import admin, messages
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_audit import AuditedAdmin, audit_message
from garage.models import ApiToken, Garage, Membership
from garage.selectors import garage_forget, membership_forget
from garage.services import api_token_revoke_by_support


class ForgetsAccessAdmin:
    """Support's changes to garages and memberships reach the cached membership and garage of
    every page (garage.selectors.membership_get) as the services' changes do."""

    def save_model(self, request, obj, form, change):
        moved = {"user", "garage"} & set(form.changed_data)
        if isinstance(obj, Membership) and change and moved:
            membership_forget(user_id=form.initial["user"], garage_id=form.initial["garage"])
        super().save_model(request, obj, form, change)
        self._forget(obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._forget(obj)

    def delete_queryset(self, request, queryset):
        objects = list(queryset)
        super().delete_queryset(request, queryset)
        for obj in objects:
            self._forget(obj)

    def save_formset(self, request, form, formset, change):
        moved = [
            (inline.initial["user"], inline.instance.garage_id)
            for inline in formset.initial_forms
            if "user" in inline.changed_data
        ]
        super().save_formset(request, form, formset, change)
        for user_id, garage_id in moved:
            membership_forget(user_id=user_id, garage_id=garage_id)
        for obj in [*formset.new_objects, *formset.deleted_objects]:
            self._forget(obj)
        for obj, _changed in formset.changed_objects:
            self._forget(obj)

    def _forget(self, obj):
        if isinstance(obj, Garage):
            garage_forget(garage_id=obj.pk)
        else:
            membership_forget(user_id=obj.user_id, garage_id=obj.garage_id)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "garage"
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("invited_by", "created_at")


@admin.register(Garage)
class GarageAdmin(ForgetsAccessAdmin, AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "account_email", "city", "kvk_number", "created_at")
    search_fields = ("name", "account_user__email", "city", "kvk_number")
    list_select_related = ("account_user",)
    # The login changes only through the garage's settings (garage_update_settings), which
    # notifies the old and the new address; moving it here to another person's account would
    # hand that account to the garage's admins.
    readonly_fields = ("account_user",)
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False  # a garage is created with its own new login by garage.services

    @admin.display(description=_("account email"), ordering="account_user__email")
    def account_email(self, obj):
        return obj.account_user.email


@admin.register(Membership)
class MembershipAdmin(ForgetsAccessAdmin, AuditedAdmin, admin.ModelAdmin):
    list_display = ("user", "garage", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name", "garage__name")
    list_select_related = ("user", "garage")
    autocomplete_fields = ("user", "garage")
    readonly_fields = ("invited_by",)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "garage", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "garage__name", "prefix")
    list_select_related = ("garage",)
    readonly_fields = ("garage", "token_hash", "prefix", "created_by", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are made by the garage or `manage.py create_api_token`

    def has_revoke_permission(self, request):
        return request.user.has_perm("garage.revoke_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset:
            before = token.revoked_at
            token = api_token_revoke_by_support(token=token, actor=request.user)
            if before is None:
                after = formats.localize(token.revoked_at)
                self.log_change(request, token, audit_message([("revoked at", "", after)]))
        count = len(queryset)
        self.message_user(
            request,
            ngettext("%d token revoked.", "%d tokens revoked.", count) % count,
            messages.SUCCESS,
        )
