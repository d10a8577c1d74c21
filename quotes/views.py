"""Garage pages (/garage/<id>/offertes/...): the garage's quotes and work orders. The owner's
side (reading and answering a quote) is in `portal`."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from garage.access import garage_page
from quotes import selectors


@garage_page("quotes")
@require_GET
def garage_list(request, garage):
    show = request.GET.get("show", "open")
    if show not in selectors.FILTERS:
        show = "open"
    return render(
        request,
        "quotes/garage_list.html",
        {
            "garage": garage,
            "show": show,
            "filters": selectors.FILTERS,
            "quotes": selectors.garage_quote_list(garage=garage, show=show)[:200],
        },
    )


@garage_page("quotes")
@require_GET
def garage_detail(request, garage, quote_id):
    quote = selectors.garage_quote_get(garage=garage, quote_id=quote_id)
    return render(
        request,
        "quotes/garage_detail.html",
        {"garage": garage, "quote": quote, "lines": selectors.quote_lines(quote)},
    )
