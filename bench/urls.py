"""The app's URLs plus /bench/baseline/: a constant small HTML page through the same
middleware and the same server, against which every benchmark figure is a ratio."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

BASELINE_HTML = (
    "<!doctype html><html lang=nl><head><meta charset=utf-8><title>Baseline</title></head>"
    "<body><p>AutoPaspoort</p></body></html>"
)


def baseline(request):
    return HttpResponse(BASELINE_HTML)


urlpatterns = [path("bench/baseline/", baseline, name="bench-baseline"), *app_urlpatterns]
