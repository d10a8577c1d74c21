"""A garage's promotions: written as a draft, previewed, sent once to the owners of its segment.

Sending records one `PromotionRecipient` per owner (the reach, fixed at that moment) and, after
commit, enqueues one task per batch of `BATCH_SIZE` owners, each `BATCH_INTERVAL_SECONDS` after
the previous one: the throttle that keeps a large send from flooding the mail provider. A batch
writes its owners' emails to the outbox, which delivers them like every other email.
"""

from datetime import date, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Count, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.queueing import enqueue
from garage.access import require_role
from garage.menu import page_roles
from notifications.models import Notification, Topic
from notifications.selectors import opted_out_emails
from notifications.services import notification_queue
from promotions import selectors
from promotions.models import Promotion, PromotionRecipient

SEND_ROLES = page_roles("promotions")  # the menu's table: who opens the page may send
BATCH_SIZE = 200
BATCH_INTERVAL_SECONDS = 60
# A batch still without emails this long after it was due is re-enqueued by the sweep.
STALLED_AFTER = timedelta(minutes=15)
EDITABLE_FIELDS = (
    "subject",
    "body",
    "ends_on",
    "segment",
    "apk_within_days",
    "segment_value",
)


def _check_fields(*, segment, apk_within_days, segment_value, ends_on, today) -> None:
    if ends_on is not None and ends_on < today:
        raise ApplicationError(_("The end date has passed."), field="ends_on")
    if segment == Promotion.Segment.APK_DUE and not apk_within_days:
        raise ApplicationError(_("Give the number of days."), field="apk_within_days")
    if segment in (Promotion.Segment.MAKE, Promotion.Segment.FUEL) and not segment_value:
        raise ApplicationError(_("Choose a value for this segment."))


def _segment_fields(*, segment, apk_within_days, segment_value) -> dict:
    """Only the detail that belongs to the segment is kept."""
    return {
        "segment": segment,
        "apk_within_days": apk_within_days if segment == Promotion.Segment.APK_DUE else None,
        "segment_value": (
            segment_value if segment in (Promotion.Segment.MAKE, Promotion.Segment.FUEL) else ""
        ),
    }


@transaction.atomic
def promotion_create(
    *,
    garage,
    actor,
    subject: str,
    body: str,
    segment: str,
    ends_on: date | None = None,
    apk_within_days: int | None = None,
    segment_value: str = "",
) -> Promotion:
    require_role(garage=garage, user=actor, roles=SEND_ROLES)
    _check_fields(
        segment=segment,
        apk_within_days=apk_within_days,
        segment_value=segment_value,
        ends_on=ends_on,
        today=timezone.localdate(),
    )
    return Promotion.objects.create(
        garage=garage,
        subject=subject.strip(),
        body=body.strip(),
        ends_on=ends_on,
        created_by=actor,
        **_segment_fields(
            segment=segment, apk_within_days=apk_within_days, segment_value=segment_value
        ),
    )


def _lock(promotion: Promotion) -> Promotion:
    return (
        Promotion.objects.select_for_update(of=("self",))
        .select_related("garage")
        .get(pk=promotion.pk)
    )


@transaction.atomic
def promotion_update(
    *,
    promotion: Promotion,
    actor,
    subject: str,
    body: str,
    segment: str,
    ends_on: date | None = None,
    apk_within_days: int | None = None,
    segment_value: str = "",
) -> Promotion:
    """Change a draft; a sent promotion is a record and stays as it went out."""
    promotion = _lock(promotion)
    require_role(garage=promotion.garage, user=actor, roles=SEND_ROLES)
    if not promotion.is_draft:
        raise ApplicationError(_("This message has been sent and can no longer be changed."))
    _check_fields(
        segment=segment,
        apk_within_days=apk_within_days,
        segment_value=segment_value,
        ends_on=ends_on,
        today=timezone.localdate(),
    )
    promotion.subject, promotion.body, promotion.ends_on = subject.strip(), body.strip(), ends_on
    for field, value in _segment_fields(
        segment=segment, apk_within_days=apk_within_days, segment_value=segment_value
    ).items():
        setattr(promotion, field, value)
    promotion.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
    return promotion


def _enqueue_batches(promotion_id: int, recipient_ids: list[int]) -> None:
    from promotions.tasks import send_promotion_batch

    for index, start in enumerate(range(0, len(recipient_ids), BATCH_SIZE)):
        enqueue(
            send_promotion_batch,
            promotion_id,
            recipient_ids[start : start + BATCH_SIZE],
            countdown=index * BATCH_INTERVAL_SECONDS,
            label=f"a batch of promotion {promotion_id}",
            recovery="the sweep will retry",
        )


@transaction.atomic
def promotion_send(*, promotion: Promotion, actor, today: date | None = None) -> Promotion:
    """Send a draft to its segment, once. The owners are fixed now (the number the garage was
    shown, if nothing changed meanwhile); their emails go out in throttled batches."""
    today = today or timezone.localdate()
    promotion = _lock(promotion)
    require_role(garage=promotion.garage, user=actor, roles=SEND_ROLES)
    if not promotion.is_draft:
        raise ApplicationError(_("This message has already been sent."))
    if promotion.has_ended(today):
        raise ApplicationError(
            _("This message ended on %(date)s and can no longer be sent.")
            % {"date": formats.date_format(promotion.ends_on, "DATE_FORMAT")}
        )
    reach = selectors.promotion_reach(promotion=promotion, today=today)
    if not reach.owner_ids:
        raise ApplicationError(_("No owners in this segment can receive the message."))
    recipients = PromotionRecipient.objects.bulk_create(
        [PromotionRecipient(promotion=promotion, user_id=user_id) for user_id in reach.owner_ids],
        batch_size=1000,
    )
    promotion.state = Promotion.State.SENT
    promotion.sent_at = timezone.now()
    promotion.sent_by = actor
    promotion.save(update_fields=["state", "sent_at", "sent_by", "updated_at"])
    transaction.on_commit(
        partial(_enqueue_batches, promotion.pk, [recipient.pk for recipient in recipients])
    )
    return promotion


def _email_context(promotion: Promotion, user) -> dict:
    with translation.override(user.language):
        ends_on = formats.date_format(promotion.ends_on, "DATE_FORMAT") if promotion.ends_on else ""
    return {
        "garage_name": promotion.garage.name,
        "subject": promotion.subject,
        "body": promotion.body,
        "ends_on": ends_on,
        "name": user.full_name,
    }


@transaction.atomic
def promotion_deliver_batch(*, promotion_id: int, recipient_ids: list[int]) -> int:
    """Write the emails of one batch to the outbox; returns how many. Safe to run twice: an
    owner who has an email (or was skipped) is not touched again. An owner who switched
    promotions off since the send is skipped."""
    recipients = list(
        selectors.recipients_to_deliver(promotion_id=promotion_id, recipient_ids=recipient_ids)
    )
    if not recipients:
        return 0
    opted_out = opted_out_emails(
        emails=[recipient.user.email for recipient in recipients], topic=Topic.PROMOTIONS
    )
    queued = 0
    for recipient in recipients:
        user = recipient.user
        if user.email in opted_out or not user.is_active:
            recipient.skipped = True
            continue
        recipient.notification = notification_queue(
            kind=Notification.Kind.PROMOTION,
            recipient=user.email,
            user=user,
            context=_email_context(recipient.promotion, user),
        )
        queued += 1
    PromotionRecipient.objects.bulk_update(recipients, ["notification", "skipped"])
    return queued


def promotions_requeue_stalled(*, now=None) -> int:
    """Enqueue again the batches whose task the broker never got (it was down at commit): the
    owners of promotions sent long enough ago that their last batch is overdue, still without
    an email. Returns the number of owners; the batches themselves are idempotent."""
    now = now or timezone.now()
    stalled = Promotion.objects.filter(
        state=Promotion.State.SENT, sent_at__lt=now - STALLED_AFTER
    ).annotate(
        waiting=Count(
            "recipients",
            filter=Q(recipients__notification__isnull=True, recipients__skipped=False),
        ),
        total=Count("recipients"),
    )
    requeued = 0
    for promotion in stalled.filter(waiting__gt=0):
        batches = -(-promotion.total // BATCH_SIZE)
        if (
            promotion.sent_at + timedelta(seconds=batches * BATCH_INTERVAL_SECONDS)
            > now - STALLED_AFTER
        ):
            continue  # its batches may still be on their way
        ids = list(
            promotion.recipients.filter(notification__isnull=True, skipped=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _enqueue_batches(promotion.pk, ids)
        requeued += len(ids)
    return requeued
