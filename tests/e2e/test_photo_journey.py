"""A mechanic on a phone (390 px, touch), in Dutch, adds two photos of the front brakes to the
check recorded today: picks them in the camera input, taps "Upload", sees the progress (the
upload's XMLHttpRequest progress events), then the thumbnails, which the worker made. The page
stays within the phone's width. Screenshots: e2e-screenshots/phone-mechanic-uploads-photos-390/.
"""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from photos.models import CheckPhoto
from tests.accounts.factories import PASSWORD
from tests.autopaspoort.factories import Component, PassportFactory, Rating, item, record_check
from tests.e2e.conftest import E2E

pytestmark = E2E
PHONE_WIDTH = 390

# Collects what the progress line said while the upload ran (the page is replaced after it).
RECORD_STATUS = """
window.__photoStatus = [];
new MutationObserver(() => {
  document.querySelectorAll('[data-photo-status]').forEach((el) => {
    if (el.textContent) window.__photoStatus.push(el.textContent);
  });
}).observe(document.body, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture
def viewport_width() -> int:
    """This journey is the phone's: at 390 px only."""
    return PHONE_WIDTH


def camera_photo(color) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), color).save(out, format="JPEG", quality=85)
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def assert_fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px phone"


def test_phone_mechanic_uploads_photos(journey, garage, mechanic):
    passport = PassportFactory(garage=garage, plate="GJ-556-K")
    check = record_check(
        passport,
        actor=mechanic,
        items=[item(Component.BRAKES_FRONT, Rating.NOW, "240.00"), item(Component.LIGHTS)],
    )
    brakes = check.items.get(component=Component.BRAKES_FRONT)
    phone = journey.page(locale="nl-NL")

    phone.goto("/accounts/login/")
    phone.locator("input[name=username]").fill(mechanic.email)
    phone.locator("input[name=password]").fill(PASSWORD)
    phone.locator("main form button[type=submit]").tap()
    expect(phone).to_have_url(re.compile(rf"/garage/{garage.pk}/$"))
    phone.goto(f"/garage/{garage.pk}/passports/GJ-556-K/checks/{check.pk}/")
    assert_fits(phone)
    journey.shot(phone, "check-with-photo-inputs")

    form = phone.locator(f"form#photos-{brakes.pk}")
    field = form.locator("input[type=file]")
    expect(field).to_have_attribute("accept", "image/*")
    expect(field).to_have_attribute("capture", "environment")
    field.set_input_files([camera_photo((180, 40, 40)), camera_photo((40, 40, 180))])
    form.scroll_into_view_if_needed()
    phone.screenshot(path=journey.folder / "phone-photos-chosen.png")
    phone.evaluate(RECORD_STATUS)
    form.locator("button[type=submit]").tap()

    # The page's content comes back with the message and the brakes' two photos.
    expect(phone.locator("section.messages .message-success")).to_be_visible()
    expect(phone.locator(f"#photos-{brakes.pk}")).to_be_visible()
    said = phone.evaluate("window.__photoStatus")
    assert any(re.search(r"\d+ %", text) for text in said), said  # the progress was shown
    assert CheckPhoto.objects.filter(item=brakes).count() == 2

    # The worker makes the thumbnails; until then a placeholder. Reload until they are there.
    thumbs = phone.locator(".photo-target .photo-thumbs img")
    for _ in range(40):
        if thumbs.count() == 2:
            break
        phone.wait_for_timeout(500)
        phone.reload()
    expect(thumbs).to_have_count(2)
    for n in range(2):
        expect(thumbs.nth(n)).to_have_js_property("complete", True)
        assert thumbs.nth(n).evaluate("img => img.naturalWidth") == 320
    assert_fits(phone)
    phone.locator(f"#photos-{brakes.pk}").scroll_into_view_if_needed()
    phone.screenshot(path=journey.folder / "phone-photos-thumbnails.png")
    journey.shot(phone, "thumbnails")
