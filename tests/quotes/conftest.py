import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Service messages are asserted in English; without this they come in the default Dutch."""
    with translation.override("en"):
        yield
