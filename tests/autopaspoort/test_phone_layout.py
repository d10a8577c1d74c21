"""What the phone layout needs from the HTML (the browser journey tests/e2e/test_phone_journey.py
measures the result at 390 px): the status check is one card per item with rating buttons and
the keypads that fit each field; every list table can become cards (each cell names its
column) and scrolls, if it must, in a box a keyboard can reach."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from autopaspoort.forms import CHECKLIST, FREE_ITEMS
from autopaspoort.models import StatusCheckItem
from tests.autopaspoort.factories import PassportFactory, item, record_check
from tests.security.bad_input_helpers import ROUTES, build_world, client_as, url_of

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Element:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children: list[Element | str] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def all(self, tag=None, cls=None, **attrs) -> list["Element"]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if (
                    (tag is None or child.tag == tag)
                    and (cls is None or cls in child.classes)
                    and all(child.attrs.get(k) == v for k, v in attrs.items())
                ):
                    found.append(child)
                found.extend(child.all(tag, cls, **attrs))
        return found

    def kids(self, tag) -> list["Element"]:
        return [c for c in self.children if isinstance(c, Element) and c.tag == tag]


class Tree(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.root = self.current = Element("document", {})
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def page(client, url, **headers) -> Element:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return Tree(response.content.decode()).root


# --- The status check ---------------------------------------------------------------------------


@pytest.fixture
def check_form_url(garage):
    passport = PassportFactory(garage=garage)
    return reverse(
        "autopaspoort:check_create", kwargs={"garage_id": garage.pk, "plate": passport.plate}
    )


@pytest.mark.parametrize(
    ("headers", "buttons"), [(EN, ["OK", "Soon", "Now"]), (NL, ["OK", "Binnenkort", "Nu"])]
)
def test_the_check_is_one_card_per_item_with_three_rating_buttons(
    client_for, mechanic, check_form_url, headers, buttons
):
    document = page(client_for(mechanic), check_form_url, **headers)

    cards = document.all("li", cls="check-card")
    assert len(cards) == len(CHECKLIST) + FREE_ITEMS
    for number, card in enumerate(cards):
        item = card.kids("fieldset")[0]
        component = item.all("input", type="hidden")[0].attrs["value"]
        assert component == (CHECKLIST + ["other"] * FREE_ITEMS)[number]
        rating = item.all("fieldset", cls="rating")[0]
        labels = rating.all("label")
        # Real radio buttons inside their labels: the label is the button.
        assert [label.text() for label in labels] == buttons
        radios = [label.all("input")[0] for label in labels]
        assert [radio.attrs["type"] for radio in radios] == ["radio"] * 3
        assert [radio.attrs["value"] for radio in radios] == ["ok", "soon", "now"]
        assert {radio.attrs["name"] for radio in radios} == {f"items-{number}-rating"}


def test_the_check_items_carry_their_names_in_english(client_for, mechanic, check_form_url):
    document = page(client_for(mechanic), check_form_url, **EN)

    cards = document.all("li", cls="check-card")
    legends = [card.kids("fieldset")[0].kids("legend")[0].text() for card in cards]
    expected = [str(StatusCheckItem.Component(value).label) for value in CHECKLIST]
    assert legends == expected + ["Other item"] * FREE_ITEMS


def test_each_field_of_the_check_brings_up_the_keypad_that_fits(
    client_for, mechanic, check_form_url
):
    document = page(client_for(mechanic), check_form_url, **EN)
    inputs = {element.attrs.get("name"): element for element in document.all("input")}

    assert inputs["odometer_km"].attrs["inputmode"] == "numeric"
    costs = [name for name in inputs if name.endswith("-estimated_cost")]
    assert len(costs) == len(CHECKLIST) + FREE_ITEMS
    assert {inputs[name].attrs["inputmode"] for name in costs} == {"decimal"}
    # Tread depth is read in tenths of a millimetre: the decimal keypad.
    treads = [name for name in inputs if name.endswith("-tread_depth_mm")]
    assert len(treads) == 2
    assert {inputs[name].attrs["inputmode"] for name in treads} == {"decimal"}
    # Labels a person can see, on every card.
    for card in document.all("li", cls="check-card"):
        [cost] = [i for i in card.all("input") if i.attrs["name"].endswith("-estimated_cost")]
        [label] = card.all("label", **{"for": cost.attrs["id"]})
        assert label.text() == "Estimated cost (€)"


def test_the_save_button_sits_in_the_sticky_bar_after_the_items(
    client_for, mechanic, check_form_url
):
    document = page(client_for(mechanic), check_form_url, **EN)
    form = document.all("form", cls="check-form")[0]

    bar = form.all("div", cls="save-bar")[0]
    assert [button.text() for button in bar.all("button", type="submit")] == ["Save status check"]
    blocks = [child for child in form.children if isinstance(child, Element)]
    assert blocks[-1] is bar


# --- List tables --------------------------------------------------------------------------------

LIST_PAGES = [
    "garage:dashboard",
    "garage:staff",
    "garage:api_tokens",
    "fleet:dashboard",
    "fleet:garage_fleets",
    "fleet:car",
    "autopaspoort:profile",
    "autopaspoort:check_detail",
    "portal:car",
    "promotions:list",
    "appointments:garage_list",
    "quotes:garage_list",
    "insights:statistics",
    "insights:usage",
    "billing:usage",
]


@pytest.fixture
def world(garage):
    world = build_world(garage)
    for car in (world.fleet_car, world.owner_car):  # their pages show the latest check
        record_check(car, items=[item(StatusCheckItem.Component.BRAKES_REAR, "soon", "80.00")])
    return world


@pytest.mark.parametrize("name", LIST_PAGES)
def test_every_list_table_can_become_cards_and_scrolls_in_a_box_of_its_own(world, name):
    document = page(client_as(world, ROUTES[name].actor), url_of(world, name), **EN)
    ids = {element.attrs["id"] for element in document.all() if "id" in element.attrs}

    tables = document.all("main")[0].all("table")
    assert tables, name
    for table in tables:
        box = table.parent
        assert "table-scroll" in box.classes, (name, table.attrs)
        assert box.attrs.get("tabindex") == "0"  # a keyboard can scroll it
        assert box.attrs.get("role") in ("region", "group")
        named_by = box.attrs.get("aria-labelledby")
        assert box.attrs.get("aria-label") or named_by in ids, (name, box.attrs)
        if "cards" not in table.classes:
            continue
        # On a phone each cell shows its column's name: data-label says which.
        headers = [th.text() for th in table.all("thead")[0].all("th")]
        cells = [row.kids("td") for row in table.all("tbody")[0].all("tr")]
        assert cells, name
        for row in cells:
            if any("colspan" in cell.attrs for cell in row):
                continue
            for header, cell in zip(headers, row, strict=True):
                if header in ("Actions", ""):
                    continue  # buttons: they say what they do themselves
                assert cell.attrs.get("data-label") == header, (name, header, cell.attrs)
