"""The warning-light catalogue shipped in appointments/data/warning_lights.json."""

import copy
import json

import pytest

from appointments import catalogue
from appointments.catalogue import CatalogueError, light_search

REQUIRED = {
    "engine",
    "oil_pressure",
    "battery",
    "brake_system",
    "abs",
    "airbag",
    "coolant_temperature",
    "tyre_pressure",
    "esp",
    "glow_plug",
    "dpf",
    "adblue",
    "power_steering",
    "seat_belt",
    "low_fuel",
    "washer_fluid",
    "bulb_failure",
    "door_open",
    "bonnet_open",
    "boot_open",
    "parking_brake",
    "front_fog",
    "rear_fog",
    "high_beam",
    "cruise_control",
    "lane_assist",
    "service_due",
    "brake_pads",
    "ev_system_fault",
    "ev_charging",
    "hybrid_system",
    "transmission",
    "key",
}


def raw_data() -> dict:
    with open(catalogue.DATA_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def codes(lights) -> list[str]:
    return [light.code for light in lights]


def test_the_catalogue_has_at_least_30_lights_with_both_languages_urgency_and_icon():
    lights = catalogue.all_lights()

    assert len(lights) >= 30
    assert len(set(codes(lights))) == len(lights)
    for light in lights:
        assert light.urgency in ("red", "orange", "green"), light.code
        assert "<" in light.icon, light.code
        for language in ("nl", "en"):
            text = light.text(language)
            assert all((text.name, text.meaning, text.action)), (light.code, language)
        # Written in two languages, not copied: the Dutch and English texts differ.
        assert light.text("nl").meaning != light.text("en").meaning, light.code


def test_the_catalogue_covers_the_lights_people_ask_about():
    assert set(codes(catalogue.all_lights())) >= REQUIRED


def test_every_urgency_is_used():
    assert {light.urgency for light in catalogue.all_lights()} == {"red", "orange", "green"}


def test_serious_lights_say_stop():
    for code in ("oil_pressure", "coolant_temperature", "brake_system", "battery"):
        assert catalogue.light_get(code).urgency == "red", code


def test_the_text_follows_the_language_and_falls_back_to_dutch():
    light = catalogue.light_get("oil_pressure")

    assert light.text("en").name == "Low oil pressure"
    assert light.text("en-gb").name == "Low oil pressure"
    assert light.text("nl").name == "Oliedruk te laag"
    assert light.text("de").name == "Oliedruk te laag"


def test_search_in_dutch_finds_by_name_and_meaning():
    assert codes(light_search("oliedruk", language="nl"))[:1] == ["oil_pressure"]
    # "remvloeistof" is only in the meaning of the brake-system light.
    assert "brake_system" in codes(light_search("remvloeistof", language="nl"))
    assert codes(light_search("oil pressure", language="nl")) == []


def test_search_in_english_finds_by_name_and_meaning():
    assert codes(light_search("oil pressure", language="en"))[:1] == ["oil_pressure"]
    assert "brake_system" in codes(light_search("brake fluid", language="en"))
    assert codes(light_search("oliedruk", language="en")) == []


def test_search_ignores_case_accents_and_word_order():
    assert codes(light_search("PRESSURE oil", language="en"))[:1] == ["oil_pressure"]
    assert "frost" in codes(light_search("3 °c", language="en"))
    assert codes(light_search("Oliédruk", language="nl"))[:1] == ["oil_pressure"]


def test_search_results_put_red_lights_first():
    urgencies = [light.urgency for light in light_search(language="en")]

    assert urgencies == sorted(urgencies, key=("red", "orange", "green").index)
    assert len(urgencies) == len(catalogue.all_lights())


def test_loading_refuses_a_light_without_english():
    data = raw_data()
    del data["lights"][0]["en"]

    with pytest.raises(CatalogueError, match="en lacks"):
        catalogue.parse(data)


def test_loading_refuses_an_unknown_urgency_and_a_repeated_code():
    data = raw_data()
    wrong = copy.deepcopy(data)
    wrong["lights"][0]["urgency"] = "blue"
    with pytest.raises(CatalogueError, match="urgency"):
        catalogue.parse(wrong)
    data["lights"][1]["code"] = data["lights"][0]["code"]
    with pytest.raises(CatalogueError, match="repeated"):
        catalogue.parse(data)


@pytest.mark.parametrize(
    "icon",
    [
        "",
        "<script>alert(1)</script>",
        "<circle cx='1' onclick='alert(1)'/>",
        "<image href='https://example.com/x.png'/>",
        "<path d='M0 0' style='fill:url(#x)'/>",
    ],
)
def test_loading_refuses_icons_that_are_not_plain_shapes(icon):
    data = raw_data()
    data["lights"][0]["icon"] = icon

    with pytest.raises(CatalogueError):
        catalogue.parse(data)
