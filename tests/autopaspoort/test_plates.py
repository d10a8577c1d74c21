import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autopaspoort import plates

# Written out again here, not imported, so a typo in the module's table cannot hide in its tests.
LAYOUTS = {
    1: "XX-99-99",
    2: "99-99-XX",
    3: "99-XX-99",
    4: "XX-99-XX",
    5: "XX-XX-99",
    6: "99-XX-XX",
    7: "99-XXX-9",
    8: "9-XXX-99",
    9: "XX-999-X",
    10: "X-999-XX",
    11: "XXX-99-X",
    12: "X-99-XXX",
    13: "9-XX-999",
    14: "999-XX-9",
}
# The letters the RDW issues today: no vowels, no C or Q.
RDW_LETTERS = "BDFGHJKLMNPRSTVXYZ"
DIGITS = "0123456789"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def raises_code(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        plates.normalize(raw)
    assert excinfo.value.code == code
    assert excinfo.value.messages  # the message formats with its params
    return excinfo.value


@pytest.mark.parametrize(
    ("typed", "canonical", "number"),
    [
        ("PD-01-23", "PD-01-23", 1),
        ("np9512", "NP-95-12", 1),
        ("gj5555", "GJ-55-55", 1),
        ("GJ5-555", "GJ-55-55", 1),
        (" gj.55_55 ", "GJ-55-55", 1),
        ("04-97-rb", "04-97-RB", 2),
        ("32 87 HX", "32-87-HX", 2),
        ("72-HN-42", "72-HN-42", 3),
        ("01.tb.83", "01-TB-83", 3),
        ("GF-15-ZV", "GF-15-ZV", 4),
        ("br39lp", "BR-39-LP", 4),
        ("VF-RN-62", "VF-RN-62", 5),
        ("jh bl 14", "JH-BL-14", 5),
        ("42-NZ-JK", "42-NZ-JK", 6),
        ("78tjrs", "78-TJ-RS", 6),
        ("12abc3", "12-ABC-3", 7),
        ("51-GJX-5", "51-GJX-5", 7),
        ("08 tzj 1", "08-TZJ-1", 7),
        ("3-KZS-49", "3-KZS-49", 8),
        ("1tfn25", "1-TFN-25", 8),
        ("TG-841-D", "TG-841-D", 9),
        ("fj_102_r", "FJ-102-R", 9),
        ("K-462-XB", "K-462-XB", 10),
        ("s180tf", "S-180-TF", 10),
        ("GBB01B", "GBB-01-B", 11),
        ("kpl-53-t", "KPL-53-T", 11),
        ("T-05-BHK", "T-05-BHK", 12),
        ("n48rgj", "N-48-RGJ", 12),
        ("5-KZ-381", "5-KZ-381", 13),
        ("3st982", "3-ST-982", 13),
        ("412-RL-7", "412-RL-7", 14),
        ("908gh2", "908-GH-2", 14),
    ],
)
def test_plate_in_any_spelling_gets_its_canonical_form_and_sidecode(typed, canonical, number):
    assert plates.normalize(typed) == canonical
    assert plates.sidecode(typed) == number
    assert plates.normalize(canonical) == canonical


def test_every_sidecode_has_an_example_above():
    assert set(plates.SIDECODES) == set(range(1, 15))
    assert plates.SIDECODES == LAYOUTS


@pytest.mark.parametrize(("typed", "count"), [("GJ555", 5), ("GJ-55-555", 7), ("G", 1)])
def test_plate_of_wrong_length_is_refused_with_the_count(typed, count):
    error = raises_code(typed, "plate_length")
    assert error.params["count"] == count
    with translation.override("en"):
        assert error.messages == [
            f"A Dutch licence plate has 6 letters and digits; you entered {count}."
        ]


@pytest.mark.parametrize("typed", ["", "   ", " - . _ ", None])
def test_empty_plate_is_refused_as_wrong_length(typed):
    raises_code(typed, "plate_length")


@pytest.mark.parametrize("typed", ["ABCDEF", "123456", "A1B2C3", "GJ-5X-55", "1-2-3-4-5-6"])
def test_plate_without_a_sidecode_layout_is_refused(typed):
    error = raises_code(typed, "plate_layout")
    with translation.override("en"):
        assert "GJ-55-55" in error.messages[0]


@pytest.mark.parametrize(
    "typed",
    [
        "GJ-55-5É",
        "ßJ-55-55",  # "ß".upper() == "SS": must not become SSJ-55-55 (or a length error)
        "ıJ-55-55",  # "ı".upper() == "I": must not become IJ-55-55
        "GJ-55-５５",  # fullwidth digits
        "ＧＪ５５５５",
        "gj-55-5é",
        "GJ/55/55",
        "GJ-55-55\t",
        "GJ\u00a05555",
    ],
)
def test_plate_with_characters_outside_ascii_letters_and_digits_is_refused(typed):
    raises_code(typed, "plate_characters")


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("AA-12-34", "royal"),
        ("AA-12", "royal"),
        ("aa1234", "royal"),
        ("CD-ABC-1", "diplomatic"),
        ("CDJ-123", "diplomatic"),
        ("CD-123-4", "diplomatic"),
        ("ZZ-12-34", "special_permit"),
        ("F-123-45", "temporary"),
        ("f12345", "temporary"),
        ("Z-12-34", "temporary"),
        ("z 1234", "temporary"),
    ],
)
def test_special_plate_is_refused_whatever_its_length(typed, kind):
    error = raises_code(typed, "plate_special")
    assert error.params["kind"] == kind
    with translation.override("en"):
        assert "cannot have an AutoPaspoort" in error.messages[0]


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ZF-12-34", "ZF-12-34"),
        ("FH-12-34", "FH-12-34"),
        ("f-12-bhk", "F-12-BHK"),
        ("Z-462-XB", "Z-462-XB"),
        ("DA-12-34", "DA-12-34"),
    ],
)
def test_ordinary_plate_starting_with_f_or_z_is_accepted(typed, canonical):
    assert plates.normalize(typed) == canonical


@pytest.mark.parametrize(
    ("plate", "letters"),
    [
        ("GF-15-ZA", "A"),  # sidecode 4
        ("12-ABE-3", "A, E"),  # sidecode 7
        ("B-12-OUT", "O, U"),  # sidecode 12
    ],
)
def test_vowel_from_sidecode_4_on_warns(plate, letters):
    with translation.override("en"):
        found = plates.warnings(plate)
    assert len(found) == 1
    assert "vowel" in found[0]
    assert f"vowel(s) {letters}," in found[0]


@pytest.mark.parametrize("plate", ["BA-12-34", "12-34-EU", "72-OB-42"])
def test_vowel_in_sidecodes_1_to_3_does_not_warn(plate):
    assert plates.warnings(plate) == []


@pytest.mark.parametrize(("plate", "letters"), [("PC-12-34", "C"), ("GQ-15-ZV", "Q")])
def test_c_or_q_warns(plate, letters):
    with translation.override("en"):
        found = plates.warnings(plate)
    assert len(found) == 1
    assert f"letter(s) {letters}," in found[0]


@pytest.mark.parametrize(
    ("plate", "combination"),
    [
        ("GVD-12-B", "GVD"),
        ("SS-12-34", "SS"),
        ("12-34-SD", "SD"),
        ("12-PVV-3", "PVV"),
        ("T-05-NSB", "NSB"),
        ("KKK-12-B", "KKK"),
    ],
)
def test_excluded_letter_combination_warns(plate, combination):
    with translation.override("en"):
        found = plates.warnings(plate)
    assert len(found) == 1
    assert f"combination(s) {combination}," in found[0]


def test_letter_combination_across_a_dash_does_not_warn():
    assert plates.warnings("GS-SB-12") == []


def test_every_warning_asks_to_check_the_registration_card():
    with translation.override("en"):
        found = plates.warnings("12abc3")
    assert len(found) == 2  # vowel A in sidecode 7, and the letter C
    for text in found:
        assert isinstance(text, str)
        assert text.startswith("Unusual plate: 12-ABC-3 ")
        assert "registration card (kentekenbewijs)" in text


@pytest.mark.parametrize("plate", ["GJ-55-55", "GF-15-ZV", "3-KZS-49", "908gh2"])
def test_ordinary_plate_has_no_warnings(plate):
    assert plates.warnings(plate) == []


def test_warnings_for_an_invalid_plate_are_a_validation_error():
    with pytest.raises(ValidationError):
        plates.warnings("GJ-55-5")


@pytest.mark.parametrize(
    ("typed", "compacted"),
    [
        ("gj-5", "GJ5"),
        ("", ""),
        (None, ""),
        (" g.j_5 5- ", "GJ55"),
        ("12abc3", "12ABC3"),
        ("ßj", "ßJ"),
        ("ıj", "ıJ"),
        ("é-1", "é1"),
        ("ＧＪ-５", "ＧＪ５"),
        ("CD-ABC", "CDABC"),
    ],
)
def test_compact_strips_separators_and_upper_cases_only_ascii(typed, compacted):
    assert plates.compact(typed) == compacted


# --- Properties --------------------------------------------------------------------------------


@st.composite
def spelled_plates(draw):
    """A valid plate of a random sidecode, typed with random case and separators."""
    number = draw(st.sampled_from(sorted(LAYOUTS)))
    layout = LAYOUTS[number]
    canonical = "".join(
        "-" if kind == "-" else draw(st.sampled_from(RDW_LETTERS if kind == "X" else DIGITS))
        for kind in layout
    )
    assume(not canonical.startswith("ZZ"))
    separators = st.sampled_from(["", "", " ", "-", ".", "_", "--", " - "])
    typed = draw(separators)
    for char in canonical.replace("-", ""):
        typed += draw(st.sampled_from([char, char.lower()])) + draw(separators)
    return typed, canonical, number


plate_like_text = st.text(alphabet=RDW_LETTERS + RDW_LETTERS.lower() + DIGITS + " -._", max_size=10)


@FAST
@given(st.text())
def test_any_text_is_accepted_or_refused_with_a_validation_error(text):
    refusal = None
    try:
        plates.normalize(text)
    except ValidationError as error:  # anything else propagates and fails the test
        refusal = error
    if refusal is not None:
        assert refusal.code in {"plate_length", "plate_layout", "plate_characters", "plate_special"}
        assert refusal.messages


@FAST
@given(st.one_of(spelled_plates().map(lambda case: case[0]), plate_like_text, st.text(max_size=10)))
def test_accepted_plate_is_canonical_and_normalizing_again_changes_nothing(text):
    try:
        canonical = plates.normalize(text)
    except ValidationError:
        return  # refusals are covered above; this property is about what is accepted
    assert plates.normalize(canonical) == canonical
    assert canonical.count("-") == 2
    assert canonical == canonical.upper()
    body = canonical.replace("-", "")
    assert len(body) == 6
    assert body.isascii()
    assert body.isalnum()
    assert plates.compact(text) == body


@FAST
@given(st.text())
def test_compact_keeps_everything_but_separators_and_ascii_case(text):
    compacted = plates.compact(text)
    assert not set(compacted) & set(" -._")
    kept = [char for char in text if char not in " -._"]
    assert len(compacted) == len(kept)
    for typed, result in zip(kept, compacted, strict=True):
        assert result == (typed.upper() if typed.isascii() else typed)


@FAST
@given(spelled_plates())
def test_generated_plate_of_each_sidecode_round_trips(case):
    typed, canonical, number = case
    assert plates.normalize(typed) == canonical
    assert plates.sidecode(typed) == number
    assert plates.sidecode(canonical) == number
    assert plates.normalize(canonical) == canonical
