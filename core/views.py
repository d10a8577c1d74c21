from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.templatetags.static import static
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import check_broker, check_database


@never_cache
@require_GET
def healthz(request):
    broker_configured = not settings.CELERY_TASK_ALWAYS_EAGER and bool(settings.CELERY_BROKER_URL)
    database_error = check_database()
    broker_error = check_broker()
    body = {
        "status": "ok" if not (database_error or broker_error) else "error",
        "database": database_error or "ok",
        "broker": (broker_error or "ok") if broker_configured else "not configured (eager)",
    }
    return JsonResponse(body, status=503 if database_error or broker_error else 200)


def server_error(request):
    """The 500 page, in the request's language, rendered without context processors: no query
    and no URL lookup that could fail again while the site is failing."""
    body = loader.get_template("500.html").render(
        {
            "LANGUAGE_CODE": translation.get_language() or settings.LANGUAGE_CODE,
            "support_email": settings.SUPPORT_EMAIL,
            "static_url": settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL,
        }
    )
    return HttpResponseServerError(body)


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG."""
    return redirect(static("favicon.svg"), permanent=True)
