"""German and English: the owner's language, and numbers, money and dates in its forms.

The language comes from the owner's choice (kept in the admin session), else the browser's
``Accept-Language``, else English. Texts are gettext catalogs compiled from
``translations/de/LC_MESSAGES/messages.po`` (English is the source language).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import Flask, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale

from .blueprint import bp

LANGUAGES: tuple[str, ...] = ("en", "de")
#: How each language calls itself, for the switch.
NAMES = {"en": "English", "de": "Deutsch"}
TRANSLATIONS = Path(__file__).parent / "translations"

babel = Babel()
#: Shown where a figure does not exist (no visits: no conversion rate).
NOTHING = "\u2013"


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS),
    )
    app.jinja_env.filters.update(
        number=number,
        decimal=decimal,
        percent=percent,
        signed_percent=signed_percent,
        money=money,
        day=day,
        moment=moment,
    )
    app.jinja_env.globals.update(current_lang=current_lang, language_names=NAMES)


def current_lang() -> str:
    return str(get_locale() or "en")


def number(value: int | None) -> str:
    return NOTHING if value is None else numbers.format_decimal(value, locale=current_lang())


def decimal(value: float | None, digits: int = 2) -> str:
    if value is None:
        return NOTHING
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return numbers.format_decimal(value, format=pattern, locale=current_lang())


def percent(value: float | None, digits: int = 1) -> str:
    if value is None:
        return NOTHING
    pattern = "#,##0." + "0" * digits + " %" if digits else "#,##0 %"
    return numbers.format_percent(value, format=pattern, locale=current_lang())


def signed_percent(value: float | None) -> str:
    """A change against the previous period: ``+12.5 %`` / ``-3.0 %``."""
    if value is None:
        return NOTHING
    return numbers.format_percent(value, format="+#,##0.0 %;-#,##0.0 %", locale=current_lang())


def money(amount: Decimal | int | None, currency: str) -> str:
    if amount is None:
        return NOTHING
    return numbers.format_currency(amount, currency, locale=current_lang())


def day(value: date, form: str = "medium") -> str:
    return dates.format_date(value, format=form, locale=current_lang())


def moment(value: datetime, tz: str = "UTC") -> str:
    return dates.format_datetime(value, format="short", tzinfo=ZoneInfo(tz), locale=current_lang())


def safe_next(target: str | None, fallback: str) -> str:
    """Only ever redirect to one of our own pages (no open redirect).

    Behind a proxy with a path prefix the pages live under ``request.script_root``; control
    characters (which no header may carry) fall back too.
    """
    if not target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return fallback
    pages = request.script_root + (bp.url_prefix or "/admin")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    if not (parts.path == pages or parts.path.startswith(pages + "/")):
        return fallback
    if target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.post("/language")
def language() -> ResponseReturnValue:
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next"), url_for("admin.sites")), code=303)
