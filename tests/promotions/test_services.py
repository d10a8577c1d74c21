"""Who a promotion reaches and how it goes out: the preview's count is what is sent, once per
owner, never to owners who switched promotions off, in throttled batches."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from autopaspoort.models import HistoryEntry
from core.errors import ApplicationError
from notifications.models import EmailOptOut, Notification, Topic
from promotions import services
from promotions.models import Promotion, PromotionRecipient
from promotions.selectors import promotion_reach
from promotions.tasks import send_promotion_batch
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory
from tests.promotions.factories import PromotionFactory, customer_passport, send
from tests.reminders.factories import days_from_today, service
from tests.transfers.factories import transfer

pytestmark = pytest.mark.django_db

Segment = Promotion.Segment


def promotion_emails() -> list[str]:
    return sorted(
        Notification.objects.filter(kind=Notification.Kind.PROMOTION).values_list(
            "recipient", flat=True
        )
    )


@pytest.fixture
def customers(garage, other_garage):
    """The garage's customers: who is in which segment (see each car), who opted out."""
    people = {name: UserFactory(email=f"{name}@example.nl") for name in ("an", "bo", "cy", "di")}
    customer_passport(
        garage, people["an"], make="VOLKSWAGEN", fuel="Benzine", apk_expires=days_from_today(20)
    )
    customer_passport(
        garage, people["bo"], make="TOYOTA", fuel="Hybride", apk_expires=days_from_today(100)
    )
    serviced = customer_passport(garage, people["bo"], make="VOLKSWAGEN", fuel="Diesel")
    service(serviced, days_ago=400, km=30_000)  # maintenance due
    people["cy"].promotions_enabled = False  # switched off in the portal
    people["cy"].save(update_fields=["promotions_enabled"])
    customer_passport(
        garage, people["cy"], make="VOLKSWAGEN", fuel="Benzine", apk_expires=days_from_today(10)
    )
    EmailOptOut.objects.create(email="di@example.nl", topic=Topic.PROMOTIONS)  # by link
    customer_passport(garage, people["di"], make="TOYOTA", fuel="Benzine")
    # Not the garage's customers: its stock, a car awaiting activation, another garage's.
    PassportFactory(garage=garage, make="VOLKSWAGEN", apk_expires=days_from_today(5))
    transfer(PassportFactory(garage=garage, make="VOLKSWAGEN"), "wacht@example.nl")
    customer_passport(other_garage, UserFactory(email="elders@example.nl"), make="VOLKSWAGEN")
    return people


@pytest.mark.parametrize(
    ("fields", "reached", "opted_out"),
    [
        ({"segment": Segment.ALL}, ["an", "bo"], 2),
        ({"segment": Segment.APK_DUE, "apk_within_days": 30}, ["an"], 1),
        ({"segment": Segment.APK_DUE, "apk_within_days": 120}, ["an", "bo"], 1),
        ({"segment": Segment.MAINTENANCE_DUE}, ["bo"], 0),
        ({"segment": Segment.MAKE, "segment_value": "VOLKSWAGEN"}, ["an", "bo"], 1),
        ({"segment": Segment.MAKE, "segment_value": "toyota"}, ["bo"], 1),
        ({"segment": Segment.FUEL, "segment_value": "Benzine"}, ["an"], 2),
        ({"segment": Segment.FUEL, "segment_value": "Hybride"}, ["bo"], 0),
    ],
    ids=lambda value: value.get("segment") if isinstance(value, dict) else None,
)
def test_the_preview_count_is_what_is_sent(
    garage, customers, django_capture_on_commit_callbacks, fields, reached, opted_out
):
    promotion = PromotionFactory(garage=garage, **fields)
    preview = promotion_reach(promotion=promotion)
    expected = sorted(f"{name}@example.nl" for name in reached)
    mail.outbox.clear()

    send(promotion, django_capture_on_commit_callbacks)

    assert (preview.count, preview.opted_out) == (len(reached), opted_out)
    assert promotion_emails() == expected
    assert sorted(m.to[0] for m in mail.outbox) == expected
    assert PromotionRecipient.objects.filter(promotion=promotion).count() == preview.count


def test_an_owner_with_several_cars_gets_one_email(
    garage, owner, django_capture_on_commit_callbacks
):
    for _ in range(3):
        customer_passport(garage, owner, make="VOLKSWAGEN")

    assert promotion_reach(promotion=PromotionFactory(garage=garage)).count == 1
    send(PromotionFactory(garage=garage), django_capture_on_commit_callbacks)

    assert promotion_emails() == [owner.email]


def test_the_promotion_email_has_the_message_and_its_own_unsubscribe_link(
    garage, owner, django_capture_on_commit_callbacks, client
):
    owner.language = "en"
    owner.save(update_fields=["language"])
    customer_passport(garage, owner)
    promotion = PromotionFactory(
        garage=garage,
        subject="Wintercheck <nu>",
        body="Regel een\ncontrole",
        ends_on=days_from_today(30),
    )

    send(promotion, django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.subject == "Garage A: Wintercheck <nu>"
    assert "Regel een\ncontrole" in message.body
    assert "This message is from Garage A" in message.body
    html = message.alternatives[0][0]
    assert "Wintercheck &lt;nu&gt;" in html
    assert "Regel een<br>controle" in html
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    client.post(link)
    owner.refresh_from_db()
    assert (owner.reminders_enabled, owner.promotions_enabled) == (True, False)


def test_sending_goes_out_in_throttled_batches(
    garage, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    owners = [UserFactory() for _ in range(5)]
    for person in owners:
        customer_passport(garage, person)
    calls = []
    original = send_promotion_batch.apply_async

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(send_promotion_batch, "apply_async", spy)

    send(PromotionFactory(garage=garage), django_capture_on_commit_callbacks)

    assert [len(call["args"][1]) for call in calls] == [2, 2, 1]
    assert [call["countdown"] for call in calls] == [0, 60, 120]
    assert promotion_emails() == sorted(person.email for person in owners)
    assert len(mail.outbox) == 5


def test_nothing_is_enqueued_before_the_send_commits(
    garage, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)
    promotion = PromotionFactory(garage=garage)

    with django_capture_on_commit_callbacks() as callbacks:
        services.promotion_send(promotion=promotion, actor=garage.account_user)

    assert len(callbacks) == 1
    assert not Notification.objects.exists()


def test_a_batch_runs_once_and_skips_owners_who_switched_off_meanwhile(
    garage, owner, other_owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)
    customer_passport(garage, other_owner)
    promotion = PromotionFactory(garage=garage)
    with django_capture_on_commit_callbacks() as callbacks:
        services.promotion_send(promotion=promotion, actor=garage.account_user)
    other_owner.promotions_enabled = False
    other_owner.save(update_fields=["promotions_enabled"])
    ids = list(promotion.recipients.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
        assert services.promotion_deliver_batch(promotion_id=promotion.pk, recipient_ids=ids) == 0

    assert promotion_emails() == [owner.email]
    assert list(promotion.recipients.order_by("user_id").values_list("user_id", "skipped")) == [
        (owner.pk, False),
        (other_owner.pk, True),
    ]


def test_a_promotion_is_sent_once(garage, owner, django_capture_on_commit_callbacks):
    customer_passport(garage, owner)
    promotion = PromotionFactory(garage=garage)
    send(promotion, django_capture_on_commit_callbacks)

    with pytest.raises(ApplicationError, match="already been sent"):
        send(promotion, django_capture_on_commit_callbacks)

    assert promotion_emails() == [owner.email]


def test_an_ended_promotion_cannot_be_sent(garage, owner, django_capture_on_commit_callbacks):
    customer_passport(garage, owner)
    promotion = PromotionFactory(garage=garage, ends_on=days_from_today(-1))

    with pytest.raises(ApplicationError, match="can no longer be sent"):
        send(promotion, django_capture_on_commit_callbacks)

    promotion.refresh_from_db()
    assert promotion.is_draft
    assert not Notification.objects.exists()


def test_a_promotion_ending_today_can_still_be_sent(
    garage, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)

    send(
        PromotionFactory(garage=garage, ends_on=days_from_today(0)),
        django_capture_on_commit_callbacks,
    )

    assert promotion_emails() == [owner.email]


def test_a_segment_without_owners_is_refused(garage, django_capture_on_commit_callbacks):
    with pytest.raises(ApplicationError, match="No owners"):
        send(PromotionFactory(garage=garage), django_capture_on_commit_callbacks)


def test_mechanics_and_other_garages_cannot_send(
    garage, owner, mechanic, other_garage_staff, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)
    promotion = PromotionFactory(garage=garage)

    for actor in (mechanic, other_garage_staff):
        with pytest.raises(PermissionDenied):
            send(promotion, django_capture_on_commit_callbacks, actor=actor)
    with pytest.raises(PermissionDenied):
        services.promotion_create(
            garage=garage, actor=mechanic, subject="x", body="y", segment=Segment.ALL
        )


def test_sales_can_send(garage, owner, sales, django_capture_on_commit_callbacks):
    customer_passport(garage, owner)
    promotion = send(
        PromotionFactory(garage=garage), django_capture_on_commit_callbacks, actor=sales
    )

    assert promotion.sent_by == sales


def test_only_the_detail_of_the_segment_is_kept(garage, garage_admin):
    promotion = services.promotion_create(
        garage=garage,
        actor=garage_admin,
        subject="Onderhoud",
        body="Tijd voor onderhoud",
        segment=Segment.MAINTENANCE_DUE,
        apk_within_days=30,
        segment_value="VOLKSWAGEN",
    )

    assert (promotion.apk_within_days, promotion.segment_value) == (None, "")


def test_a_sent_promotion_cannot_be_changed(
    garage, garage_admin, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)
    promotion = send(PromotionFactory(garage=garage), django_capture_on_commit_callbacks)

    with pytest.raises(ApplicationError):
        services.promotion_update(
            promotion=promotion, actor=garage_admin, subject="x", body="y", segment=Segment.ALL
        )


def test_the_sweep_enqueues_batches_the_broker_never_got(
    garage, owner, other_owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)
    customer_passport(garage, other_owner)
    promotion = PromotionFactory(garage=garage)
    with django_capture_on_commit_callbacks():  # the enqueue is lost: never run
        services.promotion_send(promotion=promotion, actor=garage.account_user)

    assert services.promotions_requeue_stalled() == 0  # just sent: its batches may be on the way
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.promotions_requeue_stalled(now=later) == 2
    assert services.promotions_requeue_stalled(now=later) == 0

    assert promotion_emails() == sorted([owner.email, other_owner.email])


def test_maintenance_due_is_the_reminders_definition(garage, owner, other_owner):
    """The segment and the reminder job share one rule: a service over 12 months ago."""
    due = customer_passport(garage, owner, initial_odometer_km=None)
    service(due, days_ago=370, km=10_000, kind=HistoryEntry.Kind.LARGE_SERVICE)
    recent = customer_passport(garage, other_owner, initial_odometer_km=None)
    service(recent, days_ago=300, km=10_000)

    reach = promotion_reach(
        promotion=PromotionFactory(garage=garage, segment=Segment.MAINTENANCE_DUE)
    )

    assert reach.owner_ids == [owner.pk]
