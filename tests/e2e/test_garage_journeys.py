"""A car's life through the garage and its owners, in the browser: the garage makes a stock
passport, a mechanic checks the car, the garage sells it; the new owner activates it from the
email; the garage sells it again to someone who already has an account."""

import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from autopaspoort.models import HistoryEntry, StatusCheckItem
from autopaspoort.services import history_entry_add
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory, item, record_check
from tests.e2e.conftest import (
    E2E,
    NEW_PASSWORD,
    field,
    fill_login,
    link_in,
    log_in,
    log_out,
    message,
    wait_for_htmx,
)
from tests.transfers.factories import transfer
from transfers.models import Transfer
from transfers.services import transfer_accept

pytestmark = E2E

Kind = Notification.Kind
Component = StatusCheckItem.Component
Rating = StatusCheckItem.Rating
ACTIVATION_PATH = r"^/mijn/activeren/[^/]+/[^/]+/$"


def test_garage_sells_a_stock_car(journey, garage, garage_admin, mechanic):
    # The garage admin logs in and creates a stock passport, typing the vehicle data.
    admin = journey.page()
    log_in(journey, admin, garage_admin.email)
    expect(admin.get_by_role("heading", name="Garage A")).to_be_visible()
    journey.shot(admin, "dashboard")
    admin.get_by_role("button", name="New AutoPaspoort").click()
    expect(admin.get_by_role("heading", name="New AutoPaspoort")).to_be_visible()
    field(admin, "Licence plate").fill("gj555k")
    field(admin, "Licence plate").press("Tab")  # htmx looks the plate up at the RDW (off here)
    wait_for_htmx(admin)
    expect(admin.locator("#vehicle-fields")).to_contain_text("switched off")
    field(admin, "Odometer (km)").fill("84250")
    field(admin, "Make").fill("VOLKSWAGEN")
    field(admin, "Model").fill("GOLF")
    field(admin, "Colour").fill("GRIJS")
    field(admin, "Fuel").fill("Benzine")
    field(admin, "First admission").fill("2019-04-12")
    apk = timezone.localdate() + timedelta(days=300)
    field(admin, "APK expires").fill(apk.isoformat())
    expect(field(admin, "Owner email")).to_have_value(garage_admin.email)
    journey.shot(admin, "create-form-filled")
    admin.get_by_role("button", name="Create AutoPaspoort").click()
    expect(message(admin, "AutoPaspoort created for GJ-555-K.")).to_be_visible()
    expect(admin.get_by_role("heading", name="VOLKSWAGEN GOLF")).to_be_visible()
    expect(admin.get_by_text("Stock", exact=True)).to_be_visible()
    profile_url = admin.url
    journey.shot(admin, "stock-passport-created")

    # A mechanic, at another browser, records a status check with costs.
    workshop = journey.page()
    log_in(journey, workshop, mechanic.email, step="mechanic-logs-in")
    workshop.get_by_role("link", name="GJ-555-K").click()
    workshop.get_by_role("button", name="New status check").click()
    expect(workshop.get_by_role("heading", name="New status check")).to_be_visible()
    tyres = workshop.locator(".check-card").filter(has_text="Tyres front")
    tyres.get_by_label("Soon", exact=True).check()
    field(tyres, "Tread (mm)").fill("2.5")
    field(tyres, "Estimated cost (€)").fill("240.00")
    brakes = workshop.locator(".check-card").filter(has_text="Brakes rear")
    brakes.get_by_label("Now", exact=True).check()
    field(brakes, "Estimated cost (€)").fill("185.50")
    field(brakes, "Note").fill("Remblokken versleten")
    journey.shot(workshop, "mechanic-status-check")
    workshop.get_by_role("button", name="Save status check").click()
    expect(message(workshop, "Status check saved.")).to_be_visible()
    expect(workshop.locator(".stat-value").first).to_have_text("€425.50 incl. VAT")
    journey.shot(workshop, "mechanic-check-saved")

    # The admin opens the profile again and sees the check and its costs.
    admin.goto(profile_url)
    expect(admin.get_by_text("Expected costs for the owner")).to_be_visible()
    expect(admin.locator(".stat-value").first).to_have_text("€425.50 incl. VAT")
    expect(admin.get_by_role("cell", name="Remblokken versleten")).to_be_visible()
    journey.shot(admin, "profile-with-check")

    # Closing the profile (the back arrow) asks whether to transfer the stock car; yes.
    admin.get_by_role("link", name="Close and back to the dashboard").click()
    dialog = admin.locator("dialog[open]")
    expect(dialog).to_contain_text("Transfer it to a customer?")
    journey.shot(admin, "transfer-prompt")
    dialog.get_by_role("button", name="Yes, transfer").click()
    expect(admin.get_by_role("heading", name="Transfer to a new owner")).to_be_visible()

    # The new owner's details, with a mistyped domain; the form suggests the right one.
    field(admin, "Name").fill("Piet Koper")
    field(admin, "Email address").fill("piet@gmial.com")
    field(admin, "Street").fill("Kerkstraat")
    field(admin, "House number").fill("12")
    field(admin, "Postcode").fill("3511ab")
    field(admin, "City").fill("Utrecht")
    field(admin, "Phone").fill("0612345678")
    journey.shot(admin, "new-owner-mistyped")
    admin.get_by_role("button", name="Next: check and confirm").click()
    suggestion = admin.locator(".suggestion")
    expect(suggestion).to_contain_text("Did you mean piet@gmail.com? You typed piet@gmial.com.")
    journey.shot(admin, "did-you-mean")
    suggestion.get_by_role("button", name="Use piet@gmail.com").click()

    # The confirmation shows the address large; the green check transfers.
    expect(admin.get_by_role("heading", name="Confirm the transfer")).to_be_visible()
    expect(admin.locator(".email-large")).to_have_text("piet@gmail.com")
    expect(admin.locator(".confirm-transfer")).to_contain_text("3511 AB")
    journey.shot(admin, "confirm")
    green_check = admin.get_by_role("button", name="✔ Confirm transfer")
    expect(green_check).to_have_css("background-color", "rgb(30, 126, 52)")
    green_check.click()
    expect(
        message(admin, "GJ-555-K is transferred. piet@gmail.com receives an email")
    ).to_be_visible()
    expect(admin.locator(".transfer-state")).to_contain_text(
        "Waiting for piet@gmail.com to activate the passport."
    )
    journey.shot(admin, "transferred")

    # The worker delivers the activation email; the profile says so.
    activation = journey.inbox.delivered(kind=Kind.OWNER_ACTIVATION, recipient="piet@gmail.com")
    assert "GJ-555-K" in activation
    assert link_in(activation, ACTIVATION_PATH).startswith(journey.base_url)
    admin.reload()
    expect(admin.locator(".transfer-state .badge")).to_have_text("Sent")
    journey.shot(admin, "activation-email-sent")
    record = Transfer.objects.get()
    assert (record.email, record.name, record.postcode) == (
        "piet@gmail.com",
        "Piet Koper",
        "3511 AB",
    )


def sold_car_with_a_past(garage, mechanic, first_owner):
    """GJ-555-K as the services leave it: a first owner had it, the garage took it back in
    stock, recorded its maintenance and a status check, and sold it to piet@gmail.com (who has
    not activated yet)."""
    passport = PassportFactory(
        garage=garage,
        plate="GJ-555-K",
        first_admission=timezone.localdate() - timedelta(days=7 * 365),
        apk_expires=timezone.localdate() + timedelta(days=300),
        initial_odometer_km=82_000,
    )
    earlier = transfer(
        passport, first_owner.email, name=first_owner.full_name, street="Dorpsstraat"
    )
    transfer_accept(transfer=earlier, user=first_owner)
    transfer(passport, garage.email)  # traded in: stock again
    history_entry_add(
        passport=passport,
        actor=mechanic,
        kind=HistoryEntry.Kind.LARGE_SERVICE,
        on=timezone.localdate() - timedelta(days=20),
        odometer_km=81_500,
        description="Grote beurt, distributieriem",
        cost=Decimal("689.00"),
    )
    record_check(
        passport,
        actor=mechanic,
        odometer_km=84_250,
        notes="Interne notitie: klant vroeg om korting",
        items=[
            item(Component.TYRES_FRONT, Rating.SOON, "240.00", tread_depth_mm=Decimal("2.5")),
            item(Component.BRAKES_REAR, Rating.NOW, "185.50", note="Remblokken versleten"),
            item(Component.LIGHTS),
        ],
    )
    transfer(passport, "piet@gmail.com", name="Piet Koper")
    return passport


def test_new_owner_activates_from_the_email(
    journey, garage, garage_admin, mechanic, owner, other_owner
):
    sold_car_with_a_past(garage, mechanic, first_owner=owner)
    activation = journey.inbox.delivered(kind=Kind.OWNER_ACTIVATION, recipient="piet@gmail.com")
    link = link_in(activation, ACTIVATION_PATH)

    # The new owner opens the link from the email and chooses a password.
    piet = journey.page()
    piet.goto(link)
    expect(piet.get_by_role("heading", name="Activate your AutoPaspoort")).to_be_visible()
    expect(piet.locator("main")).to_contain_text("You log in with piet@gmail.com.")
    journey.shot(piet, "activation-link")
    field(piet, "New password").fill(NEW_PASSWORD)
    field(piet, "New password confirmation").fill(NEW_PASSWORD)
    piet.get_by_role("button", name="Activate").click()

    # Straight to the car: history and expected costs, nothing about who had it before.
    expect(piet).to_have_url(re.compile(r"/mijn/GJ-555-K/$"))
    expect(message(piet, "Welcome! Your AutoPaspoort is active.")).to_be_visible()
    expect(piet.get_by_role("heading", name="VOLKSWAGEN GOLF")).to_be_visible()
    costs = piet.locator("article").filter(has=piet.get_by_text("Expected costs", exact=True))
    expect(costs.locator(".stat-value")).to_have_text("€425.50 incl. VAT")
    expect(costs).to_contain_text("now €185.50 · soon €240.00")
    history = piet.locator("article").filter(has=piet.get_by_text("History", exact=True))
    expect(history).to_contain_text("Grote beurt, distributieriem")
    expect(history).to_contain_text("Status check")
    owners = piet.locator("ul.periods li")
    expect(owners).to_have_count(4)
    expect(owners.nth(0)).to_contain_text("You")
    expect(owners.nth(1)).to_contain_text("Garage A (stock)")
    expect(owners.nth(2)).to_contain_text("Previous owner")
    expect(owners.nth(3)).to_contain_text("Garage A (stock)")
    journey.shot(piet, "portal-car")
    page_text = piet.locator("body").inner_text()
    for secret in (
        owner.full_name,
        owner.email,
        "Dorpsstraat",
        mechanic.full_name,
        "Interne notitie",
        "Delivery costs",
    ):
        assert secret not in page_text

    # Logs out, and in again with the new password: the car is in the list.
    log_out(piet)
    journey.shot(piet, "logged-out")
    log_in(journey, piet, "piet@gmail.com", NEW_PASSWORD, step="log-in-again")
    expect(piet).to_have_url(re.compile(r"/mijn/$"))
    expect(piet.get_by_role("heading", name="My cars")).to_be_visible()
    expect(piet.get_by_role("link", name="GJ-555-K")).to_be_visible()
    journey.shot(piet, "my-cars")
    piet.get_by_role("link", name="View the passport").click()
    expect(piet.get_by_role("heading", name="VOLKSWAGEN GOLF")).to_be_visible()
    journey.shot(piet, "car-again")


def test_car_sold_again_to_an_existing_owner(journey, garage, garage_admin, owner, other_owner):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")
    first_sale = transfer(passport, owner.email, name=owner.full_name)
    transfer_accept(transfer=first_sale, user=owner)
    record_check(passport, items=[item(Component.WIPERS, Rating.SOON, "34.95")])

    # The first owner has the car.
    first = journey.page()
    log_in(journey, first, owner.email, step="first-owner-logs-in")
    expect(first.get_by_role("link", name="GJ-555-K")).to_be_visible()
    journey.shot(first, "first-owner-has-the-car")

    # The garage sells it to a person who already has an account.
    admin = journey.page()
    log_in(journey, admin, garage_admin.email, step="garage-logs-in")
    admin.get_by_role("link", name="GJ-555-K").click()
    expect(admin.get_by_text("Customer", exact=True)).to_be_visible()
    admin.get_by_role("button", name="Transfer to a new owner").click()
    # The form for the next owner starts empty: nothing of today's owner is carried over.
    for label in ("Email address", "Name", "Street", "Phone"):
        expect(field(admin, label)).to_have_value("")
    field(admin, "Name").fill(other_owner.full_name)
    field(admin, "Email address").fill(other_owner.email)
    journey.shot(admin, "new-owner-details")
    admin.get_by_role("button", name="Next: check and confirm").click()
    expect(admin.locator(".email-large")).to_have_text(other_owner.email)
    journey.shot(admin, "confirm")
    admin.get_by_role("button", name="Confirm transfer").click()
    expect(
        message(admin, f"GJ-555-K is transferred to the existing account of {other_owner.email}")
    ).to_be_visible()
    journey.shot(admin, "transferred")

    # The buyer follows the link in the email and confirms the car under "To confirm".
    added = journey.inbox.delivered(kind=Kind.CAR_ADDED, recipient=other_owner.email)
    assert "GJ-555-K" in added
    buyer = journey.page()
    buyer.goto(link_in(added, r"^/mijn/$"))
    expect(buyer).to_have_url(re.compile(r"/accounts/login/\?next="))
    fill_login(journey, buyer, other_owner.email, step="buyer-logs-in-from-email")
    expect(buyer).to_have_url(re.compile(r"/mijn/$"))
    to_confirm = buyer.locator("article").filter(has=buyer.get_by_text("To confirm", exact=True))
    expect(to_confirm.get_by_role("link", name="GJ-555-K")).to_be_visible()
    journey.shot(buyer, "to-confirm")
    to_confirm.get_by_role("link", name="GJ-555-K").click()
    expect(buyer.locator("main")).to_contain_text("Garage A has added this car")
    journey.shot(buyer, "is-it-yours")
    buyer.get_by_role("button", name="Yes, add it to my cars").click()
    expect(buyer).to_have_url(re.compile(r"/mijn/GJ-555-K/$"))
    expect(message(buyer, "GJ-555-K is now in your account.")).to_be_visible()
    journey.shot(buyer, "buyer-has-the-car")

    # The first owner no longer sees it, and got a receipt that names nobody.
    first.reload()
    expect(first.get_by_text("There are no cars in your account yet.")).to_be_visible()
    expect(first.get_by_role("link", name="GJ-555-K")).to_have_count(0)
    journey.shot(first, "first-owner-list-empty")
    gone = first.goto("/mijn/GJ-555-K/")
    assert gone.status == 404
    journey.shot(first, "first-owner-gets-404")
    receipt = journey.inbox.delivered(kind=Kind.TRANSFER_RECEIPT, recipient=owner.email)
    assert "GJ-555-K" in receipt
    assert other_owner.email not in receipt
    assert other_owner.full_name not in receipt
    assert Transfer.objects.filter(state=Transfer.State.COMPLETED).count() == 2
