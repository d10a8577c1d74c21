import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from sharing.codes import document_code_normalize
from sharing.models import PassportDocument
from tests.autopaspoort.factories import HistoryEntryFactory
from tests.sharing.factories import share
from tests.sharing.test_views import EN, _grow
from tests.sharing.test_views import car as car  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def test_the_pdf_has_the_car_and_the_code_on_every_page(car):
    for n in range(40):  # enough history for more than one page
        HistoryEntryFactory(passport=car, odometer_km=1_000 + n, description=f"Beurt {n}")
    response = Client().get(f"/p/{share(car).token}/pdf", **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Robots-Tag"].startswith("noindex")
    document = PassportDocument.objects.get()
    pages = pdf_pages(response)
    assert len(pages) > 1
    for page in pages:
        assert document.code in page
    text = "\n".join(pages)
    for shown in (car.plate, "VOLKSWAGEN", "61,000", "Grote beurt met filters", "Garage A"):
        assert shown in text, shown
    assert document.language == "en"
    assert [r["km"] for r in document.snapshot["readings"]][:1] == [61_000]
    assert document.snapshot["plate"] == car.plate


def test_the_pdf_shows_no_person(car, garage, owner):
    staff = garage.account_user
    text = pdf_text(Client().get(f"/p/{share(car, show_costs=True).token}/pdf", **EN))
    for secret in (owner.full_name, owner.email, "Kerkstraat", "3511", "Utrecht", "612345678",
                   "Dirk", "dirk@example.nl", "687654321", "Monteur Jan", "Klant Eigenaar",
                   staff.full_name, staff.email):  # fmt: skip
        assert secret not in text, secret


def test_the_pdf_is_in_the_language_of_who_makes_it(car, owner, client_for):
    owner.language = "nl"
    owner.save(update_fields=["language"])
    link = share(car)
    response = client_for(owner, **EN).get(f"/p/{link.token}/pdf")
    assert "Controlecode" in pdf_text(response)
    assert PassportDocument.objects.get().language == "nl"


def test_a_revoked_link_makes_no_pdf(car):
    link = share(car)
    link.revoked_at = link.created_at
    link.save(update_fields=["revoked_at"])
    response = Client().get(f"/p/{link.token}/pdf", **EN)
    assert response.status_code == 410
    assert not PassportDocument.objects.exists()


def test_verify_shows_what_the_document_said(car):
    response = Client().get(f"/p/{share(car).token}/pdf", **EN)
    document = PassportDocument.objects.get()
    assert document.code in pdf_text(response)
    HistoryEntryFactory(passport=car, odometer_km=77_777)  # later readings are not on it
    typed = document.code.replace("-", "").lower().replace("0", "o")
    page = Client().get("/verify/", {"code": typed}, **EN)
    text = page.content.decode()
    assert page.status_code == 200
    assert "is genuine" in text
    assert car.plate in text
    assert "61,000" in text
    assert "77,777" not in text
    assert page["X-Robots-Tag"].startswith("noindex")


@pytest.mark.parametrize("code", ["AAAA-BBBB-CCCC", "short", "%00", "x" * 20])
def test_verify_with_a_bad_code_says_so(car, code):
    Client().get(f"/p/{share(car).token}/pdf", **EN)
    page = Client().get("/verify/", {"code": code}, **EN)
    text = page.content.decode()
    assert page.status_code == 200
    assert "is genuine" not in text
    assert car.plate not in text


def test_the_verify_form_is_empty_at_first(db):
    page = Client().get("/verify/", **EN)
    assert page.status_code == 200
    assert "errorlist" not in page.content.decode()


def test_codes_are_typed_forgivingly():
    assert document_code_normalize("abcd efgh jkmn") == "ABCD-EFGH-JKMN"
    assert document_code_normalize("O1IL-0000-0000") == "0111-0000-0000"
    assert document_code_normalize("ABCD-EFGH-JKMU") is None  # U is not in the alphabet
    assert document_code_normalize("ABCD") is None


def _queries(url) -> int:
    client = Client()
    client.get(url, **EN)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **EN).status_code == 200
    return len(captured)


def test_pdf_and_verify_query_counts_do_not_grow(garage, owner):
    from tests.transfers.factories import customer_passport

    short, long = customer_passport(garage, owner), customer_passport(garage, owner)
    _grow(short, 1)
    _grow(long, 50)
    counts = [_queries(f"/p/{share(car).token}/pdf") for car in (short, long)]
    assert counts == [counts[0]] * 2, counts
    codes = [doc.code for doc in PassportDocument.objects.order_by("passport_id", "id")[::2]]
    verify = [_queries(f"/verify/?code={code}") for code in codes]
    assert verify == [1, 1], verify
