"""What each kind of field accepts and stores (Indicator.clean_value), good and bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from tonghop.campaigns import kinds
from tonghop.campaigns.form_models import Indicator
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.inputs import FIRST_DATE, LAST_DATE


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are checked in their English source wording (the catalogue is checked in
    tests/test_translations.py); pages requested through the client still speak Vietnamese."""
    with translation.override("en"):
        yield


OPTIONS = ["Hội thảo", "Triển lãm", "Cuộc thi"]


def _field(kind: str, *, required: bool = False, **extra: Any) -> Indicator:
    return Indicator(code="x", label="X", kind=kind, aggregation="list", required=required, **extra)


def _code(indicator: Indicator, raw: object) -> str:
    with pytest.raises(ValidationError) as caught:
        indicator.clean_value(raw)
    return str(caught.value.code)


# Yes / no.


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("có", True),
        ("Có", True),
        (" CÓ ", True),
        ("co\u0301", True),  # "có" typed with a combining accent
        ("yes", True),
        ("True", True),
        ("1", True),
        ("on", True),
        (True, True),
        ("không", False),
        ("Không", False),
        ("khong", False),
        ("no", False),
        ("false", False),
        ("0", False),
        ("off", False),
        (False, False),
    ],
)
def test_it_reads_yes_and_no(raw: object, stored: bool) -> None:
    assert _field(IndicatorKind.YES_NO).clean_value(raw) is stored


@pytest.mark.parametrize("raw", ["maybe", "có lẽ", "2", "-1", "yess", "ja"])
def test_it_refuses_other_answers_to_yes_no(raw: str) -> None:
    assert _code(_field(IndicatorKind.YES_NO), raw) == "not_yes_no"


def test_a_required_yes_no_takes_no_for_an_answer() -> None:
    field = _field(IndicatorKind.YES_NO, required=True)
    assert field.clean_value("không") is False
    assert _code(field, "") == "required"
    assert _code(field, None) == "required"


# Choice.


def test_it_stores_the_exact_option_label() -> None:
    field = _field(IndicatorKind.CHOICE, choices=OPTIONS)
    assert field.clean_value("Triển lãm") == "Triển lãm"
    # The same option typed otherwise still stores the office's own label.
    assert field.clean_value("  triển   LÃM ") == "Triển lãm"
    assert field.clean_value("Trie\u0302\u0309n lãm") == "Triển lãm"


@pytest.mark.parametrize("raw", ["Hội nghị", "Triển", "Hội thảo, Triển lãm", "1", "<b>x</b>"])
def test_it_refuses_anything_but_an_option(raw: str) -> None:
    assert _code(_field(IndicatorKind.CHOICE, choices=OPTIONS), raw) == "invalid_choice"


def test_a_choice_without_options_accepts_nothing_but_a_blank() -> None:
    field = _field(IndicatorKind.CHOICE, choices=[])
    assert field.clean_value("") is None
    assert _code(field, "Hội thảo") == "invalid_choice"


# Date.


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("05/5/2025", "2025-05-05"),
        ("5/5/2025", "2025-05-05"),
        ("29/02/2024", "2024-02-29"),
        ("2025-04-26", "2025-04-26"),
        (" 2025-04-26 ", "2025-04-26"),
        (dt.date(2025, 4, 15), "2025-04-15"),
    ],
)
def test_it_reads_dates_as_vietnamese_write_them_and_as_pickers_send_them(
    raw: object, stored: str
) -> None:
    assert _field(IndicatorKind.DATE).clean_value(raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["31/02/2025", "29/02/2025", "00/01/2025", "2025-13-01", "5.5.2025", "05/05/25", "hôm nay"],
)
def test_it_refuses_what_is_not_a_date(raw: str) -> None:
    assert _code(_field(IndicatorKind.DATE), raw) == "not_a_date"


def test_a_date_ignores_the_bounds_of_numbers() -> None:
    field = _field(IndicatorKind.DATE, min_value=Decimal(5), max_value=Decimal(6))
    assert field.clean_value("01/01/2025") == "2025-01-01"


# Link.


@pytest.mark.parametrize(
    "raw",
    [
        "https://congthongtin.minhhoa.gov.vn/tin-tuc/ngay-sang-tao",
        "http://example.vn",
        "HTTPS://EXAMPLE.VN/a?b=c#d",
        "https://xn--ha-jja.vn/",
        "https://10.0.0.1:8080/x",
    ],
)
def test_it_keeps_web_links(raw: str) -> None:
    assert _field(IndicatorKind.LINK).clean_value(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "JavaScript://example.vn/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.vn/file",
        "file:///etc/passwd",
        "//example.vn/x",
        "example.vn",
        "https://exa mple.vn",
        "https://example.vn/a b",
        "https://example.vn/\tb",
        "https://",
        "http://-bad-.vn",
        "https://example.vn/" + "a" * 2000,
    ],
)
def test_it_refuses_what_is_not_a_web_link(raw: str) -> None:
    assert _code(_field(IndicatorKind.LINK), raw) in ("not_a_link", "too_long")


def test_a_link_may_be_2000_characters_long() -> None:
    raw = "https://example.vn/" + "a" * (2000 - len("https://example.vn/"))
    assert _field(IndicatorKind.LINK).clean_value(raw) == raw


# Files (the ids the attachments module puts in the values).


def test_files_are_a_list_of_attachment_ids() -> None:
    field = _field(IndicatorKind.FILE)
    assert field.clean_value([3, 7]) == [3, 7]
    assert field.clean_value((3, 3, 7)) == [3, 7]
    assert field.clean_value([]) is None
    assert field.clean_value(None) is None


def test_a_required_file_field_asks_for_a_file() -> None:
    field = _field(IndicatorKind.FILE, required=True)
    empties: tuple[object, ...] = (None, [], "")
    for empty in empties:
        with pytest.raises(ValidationError) as caught:
            field.clean_value(empty)
        assert caught.value.messages == ["Attach at least one file."]


@pytest.mark.parametrize(
    "raw",
    [
        [0],
        [-1],
        [True],
        ["3"],
        [3.0],
        [[3]],
        [None],
        [2**63],
        "3",
        3,
        {"id": 3},
        list(range(1, 102)),
    ],
)
def test_it_refuses_what_is_not_a_list_of_attachment_ids(raw: object) -> None:
    assert _code(_field(IndicatorKind.FILE), raw) in ("invalid", "too_many")


# Every kind: hostile and malformed input never passes as something else, and never crashes.

KINDS = [kind.value for kind in IndicatorKind]
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(KINDS), raw=ANYTHING)
def test_any_input_is_either_refused_or_stored_as_its_kind(kind: str, raw: object) -> None:
    field = _field(kind, choices=OPTIONS if kind == IndicatorKind.CHOICE else [])
    try:
        stored = field.clean_value(raw)
    except ValidationError as exc:
        assert exc.messages and all(isinstance(m, str) and m for m in exc.messages)
        return
    if stored is None:
        return
    expected: dict[str, type | tuple[type, ...]] = {
        "integer": int,
        "decimal": str,
        "text": str,
        "long_text": str,
        "yes_no": bool,
        "choice": str,
        "date": str,
        "link": str,
        "file": list,
    }
    assert isinstance(stored, expected[kind])
    if kind == "choice":
        assert stored in OPTIONS
    elif kind == "date":
        assert isinstance(stored, str)
        dt.date.fromisoformat(stored)
    elif kind == "link":
        assert isinstance(stored, str)
        assert stored.lower().startswith(("http://", "https://"))
        assert not any(ch.isspace() for ch in stored)
    elif kind == "file":
        assert isinstance(stored, list)
        assert all(type(i) is int and i > 0 for i in stored)
    elif kind in ("text", "long_text"):
        assert isinstance(stored, str)
        assert "\x00" not in stored and stored == stored.strip()


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=60))
def test_only_the_options_pass_a_choice(text: str) -> None:
    field = _field(IndicatorKind.CHOICE, choices=OPTIONS)
    try:
        stored = field.clean_value(text)
    except ValidationError:
        return
    assert stored is None or stored in OPTIONS


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_every_calendar_date_reads_back_in_both_writings(day: dt.date) -> None:
    field = _field(IndicatorKind.DATE)
    if not FIRST_DATE <= day <= LAST_DATE:
        # Outside the range every form and the API take (a due time past year 9999 overflows).
        assert _code(field, day.isoformat()) == "date_range"
        return
    assert field.clean_value(f"{day.day}/{day.month}/{day.year:04d}") == day.isoformat()
    assert field.clean_value(day.isoformat()) == day.isoformat()


def test_text_refuses_a_nul_character_and_non_scalar_values() -> None:
    field = _field(IndicatorKind.TEXT)
    assert _code(field, "a\x00b") == "invalid"
    assert _code(field, ["a"]) == "invalid"
    assert _code(field, {"a": 1}) == "invalid"


def test_the_numbers_still_read_as_before() -> None:
    whole = _field(IndicatorKind.INTEGER)
    assert whole.clean_value("1.250") == 1250
    assert _field(IndicatorKind.DECIMAL).clean_value("2,5") == "2.5"
    assert _code(whole, "-1") == "negative"
    assert _code(whole, True) == "not_a_number"


# The definition of a field holds together.


def _definition_errors(**fields: Any) -> dict[str, list[str]]:
    indicator = Indicator(code="x", label="X", **fields)
    with pytest.raises(ValidationError) as caught:
        indicator.clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("kind", "aggregation"),
    [
        ("text", "sum"),
        ("long_text", "average"),
        ("yes_no", "sum"),
        ("yes_no", "average"),
        ("choice", "sum"),
        ("date", "average"),
        ("link", "sum"),
        ("file", "list"),
        ("file", "sum"),
    ],
)
def test_the_totalling_must_fit_the_kind(kind: str, aggregation: str) -> None:
    choices = OPTIONS if kind == "choice" else []
    errors = _definition_errors(kind=kind, aggregation=aggregation, choices=choices)
    assert list(errors) == ["aggregation"]


@pytest.mark.parametrize(
    ("kind", "aggregation"),
    [
        (kind, aggregation)
        for kind, allowed in kinds.AGGREGATIONS.items()
        for aggregation in allowed
    ],
)
def test_every_fitting_totalling_is_accepted(kind: str, aggregation: str) -> None:
    choices = OPTIONS if kind == "choice" else []
    Indicator(code="x", label="X", kind=kind, aggregation=aggregation, choices=choices).clean()


def test_a_choice_needs_two_distinct_options() -> None:
    assert "choices" in _definition_errors(kind="choice", aggregation="count", choices=["Một"])
    assert "choices" in _definition_errors(
        kind="choice", aggregation="count", choices=["Hội thảo", "hội  THẢO"]
    )
    assert "choices" in _definition_errors(
        kind="choice", aggregation="count", choices=["a" * 201, "b"]
    )
    indicator = Indicator(
        code="x", label="X", kind="choice", aggregation="count", choices=[" A ", "", "B"]
    )
    indicator.clean()
    assert indicator.choices == ["A", "B"]


def test_only_numbers_have_bounds() -> None:
    assert "min_value" in _definition_errors(kind="text", aggregation="list", min_value=Decimal(1))
    assert "max_value" in _definition_errors(
        kind="integer", aggregation="sum", min_value=Decimal(5), max_value=Decimal(1)
    )
