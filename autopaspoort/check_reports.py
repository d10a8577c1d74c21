"""The owner hears about a status check of their car: one email per check, through the outbox,
in the owner's language, unless they switched check reports off (portal settings or the link in
the email). A stock car (the garage's own) and a car awaiting its owner get none."""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from autopaspoort.models import Passport, StatusCheck, StatusCheckItem
from autopaspoort.selectors import check_costs
from core.money import format_amount
from core.vat import vat_label
from notifications.models import Notification, Topic
from notifications.selectors import opted_out_emails
from notifications.services import notification_queue

Rating = StatusCheckItem.Rating


def check_report_queue(*, passport: Passport, check: StatusCheck, items: list) -> bool:
    """Queue the report of `check` (with its `items`) for the car's owner, in the caller's
    transaction. Returns whether an email was queued."""
    if not passport.is_active or passport.owner_id is None:
        return False
    owner = passport.owner
    if not owner.is_active or not owner.email:
        return False
    if opted_out_emails(emails=[owner.email], topic=Topic.CHECK_REPORTS):
        return False
    costs = check_costs(items)
    now = sum(1 for item in items if item.rating == Rating.NOW and item.is_expected_cost)
    soon = sum(1 for item in items if item.rating == Rating.SOON and item.is_expected_cost)
    with translation.override(owner.language):
        context = {
            "name": owner.full_name,
            "plate": passport.plate,
            "vehicle": passport.vehicle_name,
            "garage_name": passport.garage.name,
            "checked_on": formats.date_format(
                timezone.localdate(check.performed_at), "DATE_FORMAT"
            ),
            "now_count": now,
            "soon_count": soon,
            "expected": format_amount(costs.expected),
            "vat": vat_label(passport.garage.prices_include_vat),
            "expected_now": format_amount(costs.now),
            "expected_soon": format_amount(costs.soon),
            "car_url": settings.SITE_URL
            + reverse("portal:car", kwargs={"plate": passport.plate})
            + "#latest-check",
        }
    notification_queue(
        kind=Notification.Kind.CHECK_RECORDED, recipient=owner.email, user=owner, context=context
    )
    return True
