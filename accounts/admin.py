from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import PrivacyEvent, User
from core.admin_audit import AuditedAdmin


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        privileged = cleaned.get("is_staff") or cleaned.get("is_superuser")
        # A garage's login is controlled by that garage's admins (they may change its email):
        # it must never carry admin-site rights (`account_garage` is garage.Garage's reverse
        # accessor; read by name so accounts does not import garage).
        if privileged and getattr(self.instance, "account_garage", None) is not None:
            raise forms.ValidationError(
                _("This is a garage's login; it cannot be a staff or superuser account.")
            )
        return cleaned


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups", "language")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    # Support staff may correct a person's details, never hand out admin rights.
    PRIVILEGED_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def has_change_permission(self, request, obj=None):
        # Support edits customers and garage staff, never another admin-site user: changing
        # their email or password would be a way into a more powerful account.
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return obj.pk == request.user.pk and super().has_change_permission(request, obj)
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            readonly = (*readonly, *self.PRIVILEGED_FIELDS)
        if obj is not None and getattr(obj, "account_garage", None) is not None:
            # A garage's login email changes only in the garage's settings, which notify the
            # old and the new address; here it would move the garage account silently.
            readonly = (*readonly, "email")
        return readonly


@admin.register(PrivacyEvent)
class PrivacyEventAdmin(AuditedAdmin, admin.ModelAdmin):
    """The audit of owners' data downloads and account deletions: read only for everyone."""

    list_display = ("created_at", "kind", "user")
    list_filter = ("kind",)
    search_fields = ("user__id",)
    readonly_fields = ("kind", "user", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
