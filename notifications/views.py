from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import selectors, services
from notifications.models import Topic
from notifications.tokens import unsubscribe_read


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
        return render(request, "notifications/unsubscribe_invalid.html")
    email, topic = reading
    context = {"email": email, "topic": Topic(topic), "topic_label": Topic(topic).label}
    if request.method == "POST":
        services.email_unsubscribe(email=email, topic=topic)
        return render(request, "notifications/unsubscribe_done.html", context)
    already_off = email in selectors.opted_out_emails(emails=[email], topic=topic)
    return render(
        request, "notifications/unsubscribe.html", {**context, "already_off": already_off}
    )
