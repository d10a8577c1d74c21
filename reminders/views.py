from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.ids import parse_id
from garage.access import garage_page
from reminders import selectors


@garage_page("reminders")
@require_GET
def garage_list(request, garage):
    """What the reminder job will send for the garage's cars at its next run, and what it sent."""
    after = parse_id(request.GET.get("after"))
    due, more_due = (
        selectors.garage_reminders_due(garage=garage, today=timezone.localdate())
        if after is None
        else ([], False)  # later pages list only what was sent
    )
    sent, next_after = selectors.garage_reminders_sent(garage=garage, after=after)
    return render(
        request,
        "reminders/garage_list.html",
        {
            "garage": garage,
            "due": due,
            "more_due": more_due,
            "sent": sent,
            "next_after": next_after,
            "is_first_page": after is None,
        },
    )
