"""An owner on a phone (390 px) reads the privacy statement, downloads their data and then
deletes their account; the garage sees the car as "owner left". Every page is checked by axe and
for its width (the harness), and the pages opened by GET again in the other language. One width
only: the owner's phone."""

import re
import zipfile

import pytest
from playwright.sync_api import expect

from autopaspoort.models import Passport
from tests.e2e.conftest import E2E, field, log_in
from tests.transfers.factories import customer_passport

pytestmark = E2E


@pytest.fixture
def viewport_width() -> int:
    return 390


def test_owner_downloads_their_data_and_deletes_the_account_on_a_phone(
    journey, garage, owner, tmp_path
):
    car = customer_passport(garage, owner, plate="GJ-555-K")
    page = journey.page()
    page.goto("/privacy/")
    expect(page.locator("main h1")).to_be_visible()
    journey.shot(page, "privacy-statement")

    log_in(journey, page, owner.email)
    page.goto("/mijn/instellingen/")
    page.get_by_role("link", name="Download my data").click()
    journey.shot(page, "download-page")
    field(page, "Your password").fill("wrong password")
    page.get_by_role("button", name="Download (ZIP)").click()
    expect(page.locator(".field-invalid, .errorlist").first).to_be_visible()
    journey.shot(page, "download-wrong-password")
    field(page, "Your password").fill(_password())
    with page.expect_download() as download:
        page.get_by_role("button", name="Download (ZIP)").click()
    path = tmp_path / "data.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert "gegevens.json" in archive.namelist()
        assert any(name.endswith(".pdf") for name in archive.namelist())

    page.goto("/mijn/account-verwijderen/")
    journey.shot(page, "delete-page")
    field(page, "Your password").fill(_password())
    page.get_by_label(re.compile("I understand")).check()
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.locator("main h1")).to_be_visible()
    journey.shot(page, "account-deleted")

    car.refresh_from_db()
    assert car.owner_id is None
    assert Passport.objects.get(pk=car.pk).owner_left_at is not None


def _password() -> str:
    from tests.accounts.factories import PASSWORD

    return PASSWORD
