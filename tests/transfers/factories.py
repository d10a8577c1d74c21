"""Transfers for the tests, and reading the links out of delivered emails.

Transfers are made through `services.transfer_confirm` (never written directly): the service
moves the owner, bumps the version and queues the emails, and the tests are about all of that.
Links are taken out of a delivered email, as the owner gets them; only tests that need a link
the worker would build later (or one with an odd timestamp) build it with the generator.
"""

import email.header
import email.message
import re
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import factory
import pytest
from django.urls import reverse
from django.utils import timezone
from factory.django import DjangoModelFactory

from autopaspoort.models import Passport
from fleet.models import FleetAccount
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from transfers.services import OwnerContact, transfer_confirm

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ACTIVATION_LINK = re.compile(r"https?://[^\s\"'<>]+/mijn/activeren/[^\s\"'<>/]+/[^\s\"'<>/]+/")
NEW_PASSWORD = "Nieuw-wachtwoord-2024"
# What a garage person types for the new owner, besides the email address.
TYPED = {
    "name": "Piet Koper",
    "street": "Kerkstraat",
    "house_number": "12",
    "postcode": "3511 AB",
    "city": "Utrecht",
    "phone": "0612345678",
}


class FleetAccountFactory(DjangoModelFactory):
    class Meta:
        model = FleetAccount

    name = factory.Sequence(lambda n: f"Wagenpark {n} BV")
    email = factory.Sequence(lambda n: f"wagenpark{n}@example.nl")


def customer_passport(garage, owner, **fields) -> Passport:
    """A car of `owner` (a person who has activated it), serviced by `garage`."""
    return PassportFactory(
        garage=garage,
        state=Passport.State.CUSTOMER,
        owner=owner,
        owner_name=owner.full_name,
        activated_at=timezone.now(),
        **fields,
    )


def contact(email_address, **fields) -> OwnerContact:
    return OwnerContact(email=email_address, **{"name": "Nieuwe Eigenaar", **fields})


def transfer(passport, email_address, *, actor=None, **fields):
    """Transfer `passport` the way the dashboard does (as the garage admin by default)."""
    return transfer_confirm(
        passport=passport,
        contact=contact(email_address, **fields),
        actor=actor or passport.garage.account_user,
    ).transfer


def transfer_url(passport, name="transfers:start", **kwargs) -> str:
    return reverse(
        name, kwargs={"garage_id": passport.garage_id, "plate": passport.plate, **kwargs}
    )


def portal_car_url(passport_or_plate) -> str:
    plate = getattr(passport_or_plate, "plate", passport_or_plate)
    return reverse("portal:car", kwargs={"plate": plate})


class _Forms(HTMLParser):
    """The forms of a page: their inputs and submit buttons, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": {}, "buttons": []})
        elif self.forms and tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif self.forms and tag == "button" and attrs.get("name"):
            self.forms[-1]["buttons"].append((attrs["name"], attrs.get("value") or ""))


def page_forms(response) -> list[dict]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def submit(response, *, button: tuple[str, str], changes=None) -> dict:
    """The data the browser posts when `button` (name, value) of the page is pressed: that
    form's inputs (with `changes` typed into them) plus the button."""
    for form in page_forms(response):
        if button in form["buttons"]:
            return {**form["fields"], **(changes or {}), button[0]: button[1]}
    raise AssertionError(f"No button {button} on the page:\n{response.content.decode()}")


def activation_path(text: str) -> str:
    """The path of the one activation link in an email's text."""
    links = set(ACTIVATION_LINK.findall(text))
    assert len(links) == 1, text
    return urlsplit(links.pop()).path


def message_texts(message) -> str:
    """Subject, text and every alternative (HTML) of a locmem email, as one string."""
    parts = [message.subject, message.body]
    parts += [content for content, _mimetype in getattr(message, "alternatives", [])]
    return "\n".join(parts)


def messages_to(outbox, address) -> list:
    return [message for message in outbox if address in message.to]


def parse_mail_file(text: str) -> email.message.Message:
    """One email as the file backend wrote it (the message, then a line of dashes)."""
    raw = text.rstrip().removesuffix("-" * 79).encode()  # 8-bit UTF-8 bodies stay intact
    return email.message_from_bytes(raw)


def mail_file_texts(message: email.message.Message) -> str:
    """Subject and every decoded text part of a parsed email."""
    parts = [str(email.header.make_header(email.header.decode_header(message["Subject"])))]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(
                part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            )
    return "\n".join(parts)


def transfer_in_browser(client, passport, email_address, **typed):
    """Open the transfer form, type the new owner's details, press "Next", then the green
    check, as a person does in the browser. Returns the confirmation's response."""
    url = transfer_url(passport)
    details = client.get(url, **EN)
    assert details.status_code == 200, details
    typed = {**TYPED, **typed, "email": email_address}
    confirm = client.post(url, submit(details, button=("step", "details"), changes=typed), **EN)
    assert confirm.templates[0].name == "transfers/transfer_confirm.html", confirm.content.decode()
    return client.post(url, submit(confirm, button=("step", "confirm")), follow=True, **EN)


DELIVERY_TIMEOUT = 30


class Inbox:
    """The emails the worker has written, read once each."""

    def __init__(self, worker):
        self.worker = worker
        self.read = set()

    def delivered(self, *, kind, recipient) -> str:
        """Wait until the worker has sent the email of `kind` to `recipient`; the texts
        (subject, text and HTML body) of that one new email."""
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        notification = None
        while time.monotonic() < deadline:
            notification = Notification.objects.filter(kind=kind, recipient=recipient).first()
            if notification is not None and notification.state == Notification.State.SENT:
                new = [
                    text
                    for text in self.worker.sent_mail()
                    if text not in self.read and parse_mail_file(text)["To"] == recipient
                ]
                assert len(new) == 1, new
                self.read.add(new[0])
                return mail_file_texts(parse_mail_file(new[0]))
            time.sleep(0.1)
        pytest.fail(
            f"No {kind} email sent to {recipient} after {DELIVERY_TIMEOUT}s "
            f"({notification and notification.state}).\nWorker log:\n{self.worker.log()}"
        )
