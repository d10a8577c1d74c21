from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from reminders import selectors, services
from reminders.forms import ContactPreferencesForm
from reminders.models import Topic
from reminders.tokens import unsubscribe_read


@login_required
@require_http_methods(["GET", "POST"])
def contact_settings(request):
    """The owner's switches for reminder and promotion emails (/mijn/instellingen/)."""
    user = request.user
    if request.method == "POST":
        form = ContactPreferencesForm(request.POST)
        if form.is_valid():
            services.contact_preferences_update(user=user, **form.cleaned_data)
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


# Mail programs send the RFC 8058 one-click POST without a CSRF token. The signed token is the
# only authorisation this page needs, and all it can do is stop mail to the address it names.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """The link in every reminder and promotion: GET says what stops, the button (POST) stops
    it. No login: drivers have no account, and an owner reads mail where they are not logged in.
    """
    reading = unsubscribe_read(token)
    if reading is None:
        return render(request, "reminders/unsubscribe_invalid.html")
    email, topic = reading
    context = {"email": email, "topic": Topic(topic), "topic_label": Topic(topic).label}
    if request.method == "POST":
        services.email_unsubscribe(email=email, topic=topic)
        return render(request, "reminders/unsubscribe_done.html", context)
    already_off = email in selectors.opted_out_emails(emails=[email], topic=topic)
    return render(request, "reminders/unsubscribe.html", {**context, "already_off": already_off})
