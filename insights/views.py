from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from garage.access import garage_page
from insights import charts, selectors


@garage_page("statistics")
@require_GET
def statistics(request, garage):
    stats = selectors.garage_statistics(garage=garage, today=timezone.localdate())
    return render(
        request,
        "insights/statistics.html",
        {
            "garage": garage,
            "stats": stats,
            "transfers_chart": charts.transfers_chart(stats.transfers),
            "checks_charts": charts.checks_charts(stats.checks),
            "quote_charts": charts.quote_charts(stats.quotes),
            "photos_chart": charts.photos_chart(stats.photos),
        },
    )


@garage_page("usage")
@require_GET
def usage(request, garage):
    """What the garage is billed by: the stored months, and this month so far."""
    return render(
        request,
        "insights/usage.html",
        {
            "garage": garage,
            "so_far": selectors.usage_so_far(garage=garage, today=timezone.localdate()),
            "months": selectors.monthly_usage_list(garage=garage),
        },
    )
