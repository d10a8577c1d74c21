from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from garage.access import garage_page
from garage.forms import ApiTokenForm, GarageSettingsForm, StaffInviteForm
from garage.selectors import (
    api_token_get,
    api_token_list,
    membership_list_for_user,
    staff_list,
    staff_member_get,
)
from garage.services import (
    SETTINGS_FIELDS,
    api_token_create,
    api_token_revoke,
    garage_update_settings,
    membership_remove,
    staff_invite,
)


@login_required
@require_GET
def garage_home(request):
    """`/garage/`: straight to the (first) garage the user works at."""
    membership = membership_list_for_user(user=request.user).first()
    if membership is None:
        return redirect("home")
    return redirect(membership.garage)


@garage_page("settings")
@require_http_methods(["GET", "POST"])
def account_settings(request, garage):
    initial = {name: getattr(garage, name) for name in (*SETTINGS_FIELDS, "email")}
    form = GarageSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        actor=request.user,
        request=request,
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "current_password"}
        try:
            garage_update_settings(garage=garage, actor=request.user, **data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if data["email"] != initial["email"]:
                messages.success(
                    request,
                    _("Settings saved. The account now logs in with %(email)s.")
                    % {"email": data["email"]},
                )
            else:
                messages.success(request, _("Settings saved."))
            return redirect("garage:settings", garage_id=garage.pk)
    return render(request, "garage/settings.html", {"garage": garage, "form": form})


@garage_page("api_tokens")
@require_http_methods(["GET", "POST"])
def api_tokens(request, garage):
    """GMS tokens: made, named and revoked here. A new token is shown once, in the answer to
    the POST that made it: it is never stored in clear, not even in the session."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        token, raw = api_token_create(
            garage=garage, actor=request.user, name=form.cleaned_data["name"]
        )
        new_token = {"id": token.pk, "raw": raw}
        form = ApiTokenForm()
    return render(
        request,
        "garage/api_tokens.html",
        {
            "garage": garage,
            "form": form,
            "tokens": api_token_list(garage=garage),
            "new_token": new_token,
            "api_docs_url": "/api/v1/docs",
        },
    )


@garage_page("api_tokens")
@require_POST
def api_token_revoke_view(request, garage, token_id):
    token = api_token_get(garage=garage, token_id=token_id)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token %(name)s no longer works.") % {"name": token.name})
    return redirect("garage:api_tokens", garage_id=garage.pk)


@garage_page("staff")
@require_http_methods(["GET", "POST"])
def staff(request, garage):
    form = StaffInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = staff_invite(garage=garage, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                _("%(email)s has been added and will receive an email.")
                % {"email": membership.user.email},
            )
            return redirect("garage:staff", garage_id=garage.pk)
    return render(
        request,
        "garage/staff.html",
        {"garage": garage, "form": form, "members": staff_list(garage=garage)},
    )


@garage_page("staff")
@require_POST
def staff_remove(request, garage, membership_id):
    membership = staff_member_get(garage=garage, membership_id=membership_id)
    try:
        membership_remove(garage=garage, actor=request.user, membership=membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(email)s no longer has access.") % {"email": membership.user.email}
        )
    return redirect("garage:staff", garage_id=garage.pk)
