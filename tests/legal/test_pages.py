"""The privacy statement and the terms: public pages in the visitor's language, written in the
admin, with the text that ships with the code until then; support reads, a superuser writes."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from legal.models import LegalPage

pytestmark = pytest.mark.django_db

PRIVACY = reverse("legal:privacy")
TERMS = reverse("legal:terms")
NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_without_admin_content_the_default_text_shows_in_each_language(settings):
    settings.PREVIOUS_OWNER_RETENTION_DAYS = 730
    dutch = Client().get(PRIVACY, **NL)
    english = Client().get(PRIVACY, **EN)

    assertContains(dutch, "<h1>Privacyverklaring</h1>", html=False)
    assertContains(english, "<h1>Privacy statement</h1>", html=False)
    # Honest about what is kept, who sees it and how long (the configured period).
    for words in ("Uw account", "Afspraken", "Herinneringen", "Toestemmingen", "730 dagen"):
        assertContains(dutch, words)
    for words in ("Who sees what", "730 more days", "about 2 years", "Download your data"):
        assertContains(english, words)
    assertContains(english, settings.SUPPORT_EMAIL)
    assertContains(english, "Last changed")


def test_the_retention_in_the_text_follows_the_setting(settings):
    settings.PREVIOUS_OWNER_RETENTION_DAYS = 365
    assertContains(Client().get(PRIVACY, **EN), "365 more days (about 1 year)")


def test_the_admins_text_replaces_the_default_and_shows_when_it_changed():
    page = LegalPage.objects.create(
        kind="terms",
        language="nl",
        title="Onze voorwaarden",
        body="Eerste alinea <script>x</script>.\n\nZie https://example.nl/meer",
    )

    response = Client().get(TERMS, **NL)

    assertContains(response, "<h1>Onze voorwaarden</h1>", html=False)
    assertContains(response, "&lt;script&gt;")  # plain text, never HTML
    assertContains(response, 'href="https://example.nl/meer"')
    assertContains(response, page.updated_at.strftime("%Y-%m-%d"))
    assertNotContains(response, "Gebruiksvoorwaarden</h1>")


def test_a_text_missing_in_the_visitors_language_falls_back_to_the_other_and_says_so():
    LegalPage.objects.create(kind="privacy", language="nl", title="Privacy", body="Tekst.")

    response = Client().get(PRIVACY, **EN)

    assertContains(response, "Tekst.")
    assertContains(response, "This text is not available in your language yet.")


def test_the_admin_lets_a_superuser_write_and_support_only_read(client_for, support_user):
    from tests.accounts.factories import UserFactory

    superuser = UserFactory(is_staff=True, is_superuser=True)
    add = reverse("admin:legal_legalpage_add")
    data = {"kind": "privacy", "language": "en", "title": "Privacy", "body": "Our text."}

    assert client_for(support_user).post(add, data).status_code == 403
    assert (
        client_for(support_user).get(reverse("admin:legal_legalpage_changelist")).status_code == 200
    )
    assert client_for(superuser).post(add, data).status_code == 302
    assert LegalPage.objects.get(kind="privacy", language="en").body == "Our text."
