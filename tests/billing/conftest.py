import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Service messages and PDFs are asserted in English unless a test says otherwise."""
    with translation.override("en"):
        yield
