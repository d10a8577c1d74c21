from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import check_broker, check_database
from fleet.selectors import fleet_list_for_user
from garage.selectors import membership_list_for_user
from transfers.selectors import owner_car_list


@login_required
@require_GET  # a landing page: a POST here would be taken for a form that does nothing
def home(request):
    """Where a login lands: the place this person works in, or the welcome page."""
    if membership_list_for_user(user=request.user).exists():
        return redirect("garage:home")
    fleet = fleet_list_for_user(user=request.user).first()
    if fleet is not None:
        return redirect(fleet)
    if owner_car_list(user=request.user).exists():
        return redirect("portal:home")
    return render(request, "core/home.html")


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
