"""The RDW lookup on the new-passport form keeps what the garage typed (walkthrough defect:
typing a plate, or pressing "Look up at the RDW", wiped make, model and colour). The RDW is
off here, as in every test; which fields a found plate fills is tested at the view level
(tests/autopaspoort/test_views.py)."""

from playwright.sync_api import expect

from tests.e2e.conftest import E2E, field, log_in, wait_for_htmx

pytestmark = E2E


def open_create_form(journey, garage_admin):
    admin = journey.page()
    log_in(journey, admin, garage_admin.email)
    admin.get_by_role("button", name="New AutoPaspoort").click()
    expect(admin.get_by_role("heading", name="New AutoPaspoort")).to_be_visible()
    return admin


def test_a_lookup_that_finds_nothing_keeps_the_typed_vehicle_data(journey, garage, garage_admin):
    admin = open_create_form(journey, garage_admin)
    field(admin, "Make").fill("VOLKSWAGEN")
    field(admin, "Model").fill("GOLF")
    field(admin, "Colour").fill("GRIJS")
    field(admin, "Licence plate").fill("gj555k")
    field(admin, "Licence plate").press("Tab")  # htmx looks the plate up (the RDW is off here)
    wait_for_htmx(admin)
    expect(admin.locator("#vehicle-fields")).to_contain_text("switched off")
    journey.shot(admin, "typed-data-kept-after-lookup")
    expect(field(admin, "Make")).to_have_value("VOLKSWAGEN")
    expect(field(admin, "Model")).to_have_value("GOLF")
    expect(field(admin, "Colour")).to_have_value("GRIJS")

    admin.get_by_role("button", name="Look up at the RDW").click()  # without htmx: a POST
    expect(admin.locator("#vehicle-fields")).to_contain_text("switched off")
    journey.shot(admin, "typed-data-kept-after-button")
    expect(field(admin, "Make")).to_have_value("VOLKSWAGEN")
    expect(field(admin, "Model")).to_have_value("GOLF")
    expect(field(admin, "Colour")).to_have_value("GRIJS")
