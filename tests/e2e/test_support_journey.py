"""Support staff in the admin: a transfer went to a mistyped address; support corrects it with a
reason. The link sent to the wrong address stops working (a friendly page says so), the one sent
to the corrected address works."""

import re

from playwright.sync_api import expect

from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import PassportFactory
from tests.e2e.conftest import (
    E2E,
    NEW_PASSWORD,
    field,
    fill_login,
    link_in,
    message,
    support_group,
)
from tests.transfers.factories import transfer
from transfers.models import EmailCorrection

pytestmark = E2E

Kind = Notification.Kind
ACTIVATION_PATH = r"^/mijn/activeren/[^/]+/[^/]+/$"
WRONG = "piet.koper@exmaple.nl"
RIGHT = "piet.koper@example.nl"


def test_support_corrects_a_transferred_owners_email(journey, garage):
    support = UserFactory(full_name="Support Medewerker", is_staff=True)
    support.groups.add(support_group())
    assert support.has_perm("transfers.correct_transfer_email")
    passport = PassportFactory(garage=garage, plate="GJ-555-K")
    transfer(passport, WRONG, name="Piet Koper")
    old_link = link_in(
        journey.inbox.delivered(kind=Kind.OWNER_ACTIVATION, recipient=WRONG), ACTIVATION_PATH
    )

    # Support logs into the admin and finds the transfer.
    desk = journey.page()
    desk.goto("/admin/")
    expect(desk).to_have_url(re.compile(r"/admin/login/\?next=/admin/"))
    fill_login(journey, desk, support.email, step="admin-login")
    expect(desk.get_by_role("heading", name="Site administration")).to_be_visible()
    journey.shot(desk, "admin-home")
    desk.locator("#transfers-transfer").get_by_role("link", name="Transfers").click()
    rows = desk.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(WRONG)
    journey.shot(desk, "transfers-in-admin")
    rows.get_by_role("link", name="GJ-555-K", exact=True).click()
    journey.shot(desk, "transfer-in-admin")

    # "Correct email", with the reason.
    desk.get_by_role("link", name="Correct email").click()
    expect(desk.get_by_role("heading", name="Correct the new owner's email")).to_be_visible()
    expect(field(desk, "Correct email address")).to_have_value(WRONG)
    field(desk, "Correct email address").fill(RIGHT)
    field(desk, "Reason").fill("Ticket 4711: the customer called, the domain was mistyped.")
    journey.shot(desk, "correct-email")
    desk.get_by_role("button", name="Correct and send activation").click()
    expect(desk.locator(".messagelist")).to_contain_text(
        f"Email corrected; a new activation email goes to {RIGHT}."
    )
    expect(desk.locator(".inline-group")).to_contain_text("Ticket 4711")
    journey.shot(desk, "corrected")
    correction = EmailCorrection.objects.get()
    assert (correction.old_email, correction.new_email, correction.corrected_by) == (
        WRONG,
        RIGHT,
        support,
    )
    assert correction.by_support

    # The link in the first email no longer works: a friendly page, with a way forward.
    stranger = journey.page()
    stranger.goto(old_link)
    expect(stranger.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(stranger.get_by_role("button", name="Send me a new link")).to_be_visible()
    journey.shot(stranger, "old-link-no-longer-works")

    # The new email's link works.
    new_link = link_in(
        journey.inbox.delivered(kind=Kind.OWNER_ACTIVATION, recipient=RIGHT), ACTIVATION_PATH
    )
    assert new_link != old_link
    piet = journey.page()
    piet.goto(new_link)
    expect(piet.locator("main")).to_contain_text(f"You log in with {RIGHT}.")
    journey.shot(piet, "new-link")
    field(piet, "New password").fill(NEW_PASSWORD)
    field(piet, "New password confirmation").fill(NEW_PASSWORD)
    piet.get_by_role("button", name="Activate").click()
    expect(piet).to_have_url(re.compile(r"/mijn/GJ-555-K/$"))
    expect(message(piet, "Welcome! Your AutoPaspoort is active.")).to_be_visible()
    journey.shot(piet, "activated")
