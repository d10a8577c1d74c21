from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import (
    CheckedPasswordChangeForm,
    LoginForm,
    PasswordResetRequestForm,
    PasswordSetForm,
)
from accounts.services import password_reset_request
from core.middleware import no_store
from core.ratelimit import email_link_wait, too_many_link_requests


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = CheckedPasswordChangeForm
    success_url = reverse_lazy("home")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The page behind every emailed set-password link (reset and staff invitation). Django's
    view already moves the token from the URL into the session at the first GET."""

    no_store = True

    template_name = "accounts/password_set.html"
    form_class = PasswordSetForm
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"  # not axes' checker
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been set. Welcome!"))
        return super().form_valid(form)


@no_store
@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        wait = email_link_wait(request, form.cleaned_data["email"])
        if wait is None:
            password_reset_request(email=form.cleaned_data["email"])
            return redirect("accounts:password_reset_sent")
        form.add_error("email", too_many_link_requests(wait))
        return render(request, "accounts/password_reset.html", {"form": form}, status=429)
    return render(request, "accounts/password_reset.html", {"form": form})


@require_GET
def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")
