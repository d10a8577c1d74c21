"""What assistive technology reads, in the server's HTML: a form's errors announced at its top
and linked to their fields, each invalid field marked and pointing at its error, the plate badge
read as a licence plate, ratings in words, and the page's skip link. (The browser journeys scan
every page with axe-core: tests/e2e.)"""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test.html import Element, parse_html
from django.utils import translation
from pytest_django.asserts import assertContains

from autopaspoort.models import StatusCheckItem
from tests.autopaspoort.factories import PassportFactory, item, record_check
from tests.transfers.factories import EN, TYPED, submit, transfer_url

pytestmark = pytest.mark.django_db

Component = StatusCheckItem.Component
Rating = StatusCheckItem.Rating


def elements(html: str, **attributes) -> list[Element]:
    """Every element of `html` with these attribute values (class_ for class; None: any)."""
    wanted = {name.rstrip("_"): value for name, value in attributes.items()}
    found = []

    def walk(node):
        if isinstance(node, str):
            return
        attrs = dict(node.attributes)
        if all(
            name in attrs and (value is None or attrs[name] == value)
            for name, value in wanted.items()
        ):
            found.append(node)
        for child in node.children:
            walk(child)

    walk(parse_html(html))
    return found


def one(html: str, **attributes) -> Element:
    found = elements(html, **attributes)
    assert len(found) == 1, (attributes, found)
    return found[0]


def text_of(node) -> str:
    if isinstance(node, str):
        return node
    return " ".join(text_of(child) for child in node.children)


def links_in(node) -> dict[str, str]:
    """href -> text of the links inside `node`."""
    found = {}

    def walk(child):
        if isinstance(child, str):
            return
        if child.name == "a":
            found[dict(child.attributes)["href"]] = text_of(child)
        for grandchild in child.children:
            walk(grandchild)

    walk(node)
    return found


class ContactForm(forms.Form):
    name = forms.CharField(label="Name")
    email = forms.EmailField(label="Email address")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("The car was changed meanwhile.")


def test_the_shared_form_include_announces_the_errors_and_links_each_to_its_field():
    form = ContactForm(data={"name": "", "email": "piet@", "version": "x"})
    with translation.override("en"):
        html = render_to_string("includes/form.html", {"form": form})

    summary = one(html, role="alert")
    assert "The car was changed meanwhile." in text_of(summary)
    assert "Enter a whole number." in text_of(summary)  # the hidden field's error too
    links = links_in(summary)
    assert set(links) == {"#id_name", "#id_email"}
    assert "Enter a valid email address." in links["#id_email"]
    for name in ("name", "email"):
        field = one(html, id=f"id_{name}")
        attrs = dict(field.attributes)
        assert attrs["aria-invalid"] == "true"
        assert f"id_{name}_error" in attrs["aria-describedby"].split()
        assert one(html, id=f"id_{name}_error")  # the error it points at


def test_a_valid_form_has_no_error_summary():
    form = ContactForm(initial={"name": "Piet"})
    html = render_to_string("includes/form.html", {"form": form})

    assert elements(html, role="alert") == []
    assert "aria-invalid" not in html


def test_the_transfer_form_lists_its_errors_on_top_linked_to_the_fields(
    client_for, garage, garage_admin
):
    passport = PassportFactory(garage=garage)
    client = client_for(garage_admin)
    page = client.get(transfer_url(passport), **EN)
    data = submit(page, button=("step", "details"), changes={**TYPED, "email": "piet@"})

    response = client.post(transfer_url(passport), data, **EN)

    html = response.content.decode()
    summary = one(html, role="alert")
    assert "Please correct the following:" in text_of(summary)
    assert list(links_in(summary)) == ["#id_email"]
    email = dict(one(html, id="id_email").attributes)
    assert email["aria-invalid"] == "true"
    assert "id_email_error" in email["aria-describedby"].split()


def test_the_plate_badge_is_read_as_a_licence_plate(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")

    response = client_for(garage_admin).get(passport.get_absolute_url(), **EN)

    badge = one(response.content.decode(), class_="plate")
    attrs = dict(badge.attributes)
    assert (attrs["role"], attrs["aria-label"]) == ("img", "Licence plate GJ-555-K")


def test_the_plate_badge_in_dutch(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")

    response = client_for(garage_admin).get(passport.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="nl")

    assertContains(response, 'aria-label="Kenteken GJ-555-K"')


def test_a_rating_is_said_in_words_not_only_in_colour(client_for, garage, garage_admin):
    passport = PassportFactory(garage=garage)
    record_check(
        passport,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "185.50"),
            item(Component.WIPERS, Rating.SOON, "34.95"),
            item(Component.LIGHTS),
        ],
    )

    response = client_for(garage_admin).get(passport.get_absolute_url(), **EN)

    html = response.content.decode()
    # The check's table ("Soon (within ~3 months)") and the timeline's counts ("1 × Soon").
    for rating, words in (("now", "Now"), ("soon", "Soon"), ("ok", "OK")):
        badges = elements(html, class_=f"badge badge-{rating}")
        assert badges, rating
        assert all(words in text_of(badge) for badge in badges), (rating, badges)


def test_every_page_starts_with_a_link_past_the_navigation(anonymous):
    response = anonymous.get("/accounts/login/", **EN)

    html = response.content.decode()
    assert list(links_in(one(html, class_="skip-link"))) == ["#main"]
    assert dict(one(html, id="main").attributes)["tabindex"] == "-1"


def test_the_admin_loads_its_accessibility_fixes(client_for, support_user):
    response = client_for(support_user).get("/admin/", **EN)

    assertContains(response, "css/admin.css")
    assertContains(response, "js/admin.js")
