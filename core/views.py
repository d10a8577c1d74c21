from django.conf import settings
from django.http import JsonResponse
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
