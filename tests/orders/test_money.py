import pytest

from widgetserver.orders.money import (
    MAX_MINOR,
    MINOR_UNITS,
    MoneyError,
    parse_currency,
    to_decimal_string,
    to_minor,
    unverified_max_minor,
)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("19.90", "EUR", 1990),
        ("19.9", "EUR", 1990),
        ("19", "EUR", 1900),
        ("0", "EUR", 0),
        ("19.900", "EUR", 1990),  # trailing zeros beyond the minor unit are exact
        ("500", "JPY", 500),
        ("500.00", "JPY", 500),
        ("1.234", "KWD", 1234),
        ("100000000000.00", "USD", 10**13),  # the bound of every report
    ],
)
def test_decimal_strings_become_exact_minor_units(amount, currency, minor):
    assert to_minor(amount, currency) == minor


@pytest.mark.parametrize(
    "amount",
    [19.9, 20, None, True, "-1", "1e3", "01", "1.", ".5", "1,50", " 1", "19.999", "NaN", "", "١٢"],
)
def test_anything_but_an_exact_non_negative_decimal_string_is_refused(amount):
    with pytest.raises(MoneyError):
        to_minor(amount, "EUR")


def test_more_decimals_than_the_currency_has_are_refused():
    with pytest.raises(MoneyError, match="JPY has 0 decimal places"):
        to_minor("1.5", "JPY")


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("99999999999999.99", "EUR"),
        ("10000000000000.00", "EUR"),  # the forged orders of the attack run
        ("100000000000.01", "EUR"),
        ("10000000000001", "JPY"),
    ],
)
def test_absurd_amounts_are_refused(amount, currency):
    with pytest.raises(MoneyError, match="larger"):
        to_minor(amount, currency)


def test_every_reports_bound_leaves_room_for_a_sites_sums_in_64_bits():
    assert MAX_MINOR * 900_000 < 2**63


@pytest.mark.parametrize(
    ("currency", "bound"),
    [
        ("EUR", "1000000.00"),
        ("USD", "1000000.00"),
        ("KWD", "1000000.000"),
        ("JPY", "1000000000"),
        ("VND", "1000000000"),
        ("IDR", "1000000000.00"),
    ],
)
def test_unverified_reports_are_bounded_in_the_currencys_major_unit(currency, bound):
    assert to_decimal_string(unverified_max_minor(currency), currency) == bound
    assert unverified_max_minor(currency) <= MAX_MINOR


@pytest.mark.parametrize("currency", ["EUR", "CHF", "JPY", "KWD", "PLN", "USD"])
def test_known_currencies_are_accepted(currency):
    assert parse_currency(currency) == currency


@pytest.mark.parametrize("currency", ["eur", "EURO", "XXX", "XAU", "ABC", "", None, 978])
def test_unknown_currencies_are_refused(currency):
    with pytest.raises(MoneyError):
        parse_currency(currency)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1990, "EUR", "19.90"),
        (5, "EUR", "0.05"),
        (500, "JPY", "500"),
        (1234, "KWD", "1.234"),
        (-1990, "EUR", "-19.90"),
    ],
)
def test_minor_units_print_as_decimal_strings(minor, currency, text):
    assert to_decimal_string(minor, currency) == text


def test_the_currency_table_follows_iso_4217_minor_units():
    assert MINOR_UNITS["EUR"] == 2
    assert MINOR_UNITS["JPY"] == 0
    assert MINOR_UNITS["KRW"] == 0
    assert MINOR_UNITS["BHD"] == 3
    assert all(len(code) == 3 and code.isupper() for code in MINOR_UNITS)
