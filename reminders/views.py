from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from notifications.forms import ContactPreferencesForm
from notifications.services import contact_preferences_update


@login_required
@require_http_methods(["GET", "POST"])
def contact_settings(request):
    """The owner's switches for reminder and promotion emails (/mijn/instellingen/)."""
    user = request.user
    if request.method == "POST":
        form = ContactPreferencesForm(request.POST)
        if form.is_valid():
            contact_preferences_update(user=user, **form.cleaned_data)
            messages.success(request, _("Your email settings are saved."))
            return redirect("reminders:settings")
    else:
        form = ContactPreferencesForm(
            initial={
                "reminders_enabled": user.reminders_enabled,
                "promotions_enabled": user.promotions_enabled,
            }
        )
    return render(request, "portal/settings.html", {"form": form})
