"""Exact money: decimal strings in, integer minor units stored, decimal strings out.

Minor units follow ISO 4217 (EUR has two decimals, JPY none, KWD three). Floats never touch
an amount: a JSON number is refused, so ``19.99`` cannot arrive as 19.989999999. Every amount
is bounded (``MAX_MINOR``), and an unverified report's more tightly (``unverified_max_minor``):
anyone can send one.
"""

from __future__ import annotations

import re

# Active ISO 4217 codes (list one, 2024) with their minor units. Funds codes, precious metals
# and testing codes (XAU, XTS, XXX, ...) are left out: nobody pays for an order in them.
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR "
    "LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD "
    "PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN "
    "SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES VED WST XCD XCG YER ZAR "
    "ZMW ZWG"
)
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"

MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
}

#: Largest amount of any report, in minor units: 100,000,000,000.00 EUR, 10,000,000,000,000 JPY.
#: Far above any real order, and a site's sums of 900,000 such orders still fit the signed
#: 64-bit integers the database sums in.
MAX_MINOR = 10**13
#: Largest amount of an unverified report (a thank-you page's, which anyone can send), in the
#: currency's major unit: no shop takes such an order through a browser unvouched.
UNVERIFIED_MAX_MAJOR = 1_000_000
#: Currencies of which a euro buys a hundred units or more (2024): their unverified bound is a
#: thousand times higher, so that it stays above ten thousand euros' worth.
_SMALL = (
    "AMD AOA ARS BDT BIF CDF CLP COP CRC DJF DZD ETB GNF GYD HTG HUF IDR IQD IRR ISK JMD JPY "
    "KES KHR KMF KPW KRW KZT LAK LBP LKR LRD MGA MMK MNT MWK NGN NPR PKR PYG RSD RWF SDG SOS "
    "SSP SYP TZS UGX UZS VES VND VUV XAF XOF XPF YER"
)
_SMALL_UNITS = frozenset(_SMALL.split())

_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,15})(?:\.([0-9]{1,6}))?$")


class MoneyError(ValueError):
    """An amount or currency that cannot be stored exactly."""


def parse_currency(value: object) -> str:
    if not isinstance(value, str) or value not in MINOR_UNITS:
        raise MoneyError("must be an ISO 4217 currency code in capitals, such as EUR")
    return value


def to_minor(amount: object, currency: str) -> int:
    """``"19.90"``, EUR -> 1990. Refuses numbers, negatives and more decimals than allowed."""
    if not isinstance(amount, str):
        raise MoneyError('must be a decimal string such as "19.90", not a JSON number')
    match = _DECIMAL.fullmatch(amount)
    if match is None:
        raise MoneyError('must be a non-negative decimal string such as "19.90"')
    whole, fraction = match.group(1), match.group(2) or ""
    digits = MINOR_UNITS[currency]
    fraction = fraction.rstrip("0") if len(fraction) > digits else fraction
    if len(fraction) > digits:
        raise MoneyError(f"{currency} has {digits} decimal places; {amount} has more")
    minor = int(whole) * 10**digits + int(fraction.ljust(digits, "0") or "0")
    if minor > MAX_MINOR:
        raise MoneyError("is larger than any order this server accepts")
    return minor


def unverified_max_minor(currency: str) -> int:
    """The largest amount of an unverified report in ``currency``, in minor units."""
    major = UNVERIFIED_MAX_MAJOR * (1000 if currency in _SMALL_UNITS else 1)
    return major * 10 ** MINOR_UNITS[currency]


def to_decimal_string(minor: int, currency: str) -> str:
    """1990, EUR -> ``"19.90"``; 500, JPY -> ``"500"``."""
    digits = MINOR_UNITS.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}" if digits else f"{sign}{whole}"
