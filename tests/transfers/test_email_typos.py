"""'Did you mean ...?' for mistyped email domains: transfers/email_typos.py. (The two choices
on the transfer form are tested in test_views.py.)"""

import pytest

from transfers.email_typos import POPULAR_DOMAINS, suggest


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("piet@gmial.com", "piet@gmail.com"),  # two letters swapped
        ("piet@hotmial.nl", "piet@hotmail.nl"),
        ("piet@gmai.com", "piet@gmail.com"),  # a letter missing
        ("piet@gmaill.com", "piet@gmail.com"),  # a letter too many
        ("piet@hotmai.com", "piet@hotmail.com"),
        ("piet@outlok.com", "piet@outlook.com"),
        ("piet@zigo.nl", "piet@ziggo.nl"),
        ("piet@kpnmial.nl", "piet@kpnmail.nl"),
        ("piet@gmail.co", "piet@gmail.com"),
        ("Piet.Jansen@GMIAL.COM", "Piet.Jansen@gmail.com"),  # the name part is kept as typed
        (" piet@gmial.com ", "piet@gmail.com"),
    ],
)
def test_a_mistyped_popular_domain_gets_a_suggestion(typed, suggestion):
    assert suggest(typed) == suggestion


@pytest.mark.parametrize("domain", POPULAR_DOMAINS)
def test_a_popular_domain_is_never_corrected(domain):
    assert suggest(f"piet@{domain}") is None


@pytest.mark.parametrize(
    "email",
    [
        "info@garagejansen.nl",
        "piet@bosch.nl",
        "piet@rabobank.nl",
        "piet@vanderveen.com",
        "piet@ing.nl",
        "piet@kpn.com",
        "piet@telenet.be",
        "piet@skynet.be",
        "piet@gmx.net",
        "piet@web.de",
        "piet@upc.nl",
        "piet@zonnet.nl",
        "piet@hema.nl",  # one edit from home.nl, but a short domain allows only one: not a typo
        "piet@live.be",
    ],
)
def test_legitimate_company_and_provider_domains_are_left_alone(email):
    assert suggest(email) is None


@pytest.mark.parametrize("typed", ["", "   ", "piet", "piet@", "@gmial.com", None])
def test_no_suggestion_without_a_whole_address(typed):
    assert suggest(typed) is None


@pytest.mark.parametrize(
    "email",
    [
        "piet@ymail.com",  # Yahoo's
        "piet@mail.com",
        "piet@hccnet.nl",  # a Dutch provider
        "piet@hotmail.be",  # Belgian buyers
    ],
)
def test_a_real_mail_provider_is_not_turned_into_another_provider(email):
    """A suggestion of gmail.com for ymail.com (or hotmail.nl for hotmail.be) is one click away
    from sending a car's passport to a stranger's mailbox."""
    assert suggest(email) is None
