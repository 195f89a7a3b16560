from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sodcheck.loaders.dates import add_years, parse_cell


@pytest.mark.parametrize("raw, expected", [
    ("2012.03", date(2012, 3, 1)),
    ("2012.3", date(2012, 3, 1)),
    ("2012年3月", date(2012, 3, 1)),
    ("2012年3月5日", date(2012, 3, 5)),
    ("2012-03", date(2012, 3, 1)),
    ("2012/3/5", date(2012, 3, 5)),
    ("201203", date(2012, 3, 1)),
    ("20120305", date(2012, 3, 5)),
    ("2012-03-05 00:00:00", date(2012, 3, 5)),
    (" ２０１２．０３ ", date(2012, 3, 1)),     # full-width digits and spaces
    ("2016.1", date(2016, 1, 1)),            # typed as text: exactly what the officer wrote
    (datetime(2016, 3, 1), date(2016, 3, 1)),
    (date(2016, 3, 1), date(2016, 3, 1)),
    (201203, date(2012, 3, 1)),
    (20120305, date(2012, 3, 5)),
])
def test_accepted_forms(raw, expected):
    parsed = parse_cell(raw)
    assert parsed.value == expected and parsed.problem is None and not parsed.ambiguous


@pytest.mark.parametrize("number, fmt, expected, ambiguous", [
    (2016.1, "0.00", date(2016, 10, 1), False),   # shown as 2016.10: October
    (2016.1, "General", date(2016, 1, 1), True),  # shown as 2016.1: cannot tell, warn
    (2016.3, "General", date(2016, 3, 1), False),
    (2016.11, "General", date(2016, 11, 1), False),
    (2012.03, "0.00", date(2012, 3, 1), False),
])
def test_year_month_typed_as_number_reads_as_displayed(number, fmt, expected, ambiguous):
    parsed = parse_cell(number, fmt)
    assert parsed.value == expected
    assert parsed.ambiguous is ambiguous


def test_excel_serial_number_without_date_format():
    assert parse_cell(42000).value == date(2014, 12, 27)


@pytest.mark.parametrize("raw", ["", "—", "-", "无", "/", None])
def test_placeholders_are_blank_not_errors(raw):
    parsed = parse_cell(raw)
    assert parsed.value is None and parsed.problem is None and parsed.blank


@pytest.mark.parametrize("raw", ["2013年13月", "2019-02-30", "去年", "2012", "12.03"])
def test_unreadable_dates_say_why(raw):
    parsed = parse_cell(raw)
    assert parsed.value is None and parsed.problem


def test_add_years_on_leap_day():
    assert add_years(date(2016, 2, 29), 5) == date(2021, 2, 28)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)))
def test_every_iso_date_round_trips(day):
    assert parse_cell(day.isoformat()).value == day
    assert parse_cell(f"{day.year}年{day.month}月{day.day}日").value == day
    assert parse_cell(day.strftime("%Y%m%d")).value == day
