"""The settings of recommend-a-friend: the owner's texts, the friend's offer, the rewards.

The friend's coupon and the referrer's reward each come from a source: ``none``, one
``fixed`` code, or a ``pool`` of single-use codes uploaded in the owners' pages (the codes
are rows, not settings: ``rewards.coupons``). The fixed codes stay private: a browser learns
a friend's code only from ``POST /v1/offers``, for a real referral link.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from . import checks
from .sections import LANGUAGES
from .spec import Field, Section, Setting

#: The owner's texts of the form and the offer, per language (``referral_texts``).
TEXT_NAMES: tuple[str, ...] = ("headline", "friend", "referrer")
TEXT_MAX_LENGTH = 200
OFFER_MODES: tuple[str, ...] = ("off", "notice", "container")
COUPON_SOURCES: tuple[str, ...] = ("none", "fixed", "pool")
#: The longest statutory or customary hold (a year); 0 makes a paid order's reward due at once.
HOLD_MAX_DAYS = 365
#: A coupon code, fixed or of a pool (``rewards.coupons`` reads uploads with it).
COUPON_CODE = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_COUPON_HINT = "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
#: A decimal amount in the shop's currency, "0" for no minimum.
AMOUNT = r"^(0|[1-9][0-9]{0,8})([.][0-9]{1,3})?$"

_SOURCES = (
    ("none", _l("None")),
    ("fixed", _l("One fixed code")),
    ("pool", _l("A pool of single-use codes")),
)


def _coupon_source(
    pool: str, fieldset: str, label: Any, error: Any, code_label: Any, public: str | None = None
) -> tuple[Setting, Setting]:
    """Where the coupons of ``pool`` come from (``<pool>_coupon``) and its fixed code."""
    return (
        Setting(
            f"{pool}_coupon",
            "none",
            checks.choice(COUPON_SOURCES),
            public=public,
            field=Field("choice", label, error, fieldset=fieldset, choices=_SOURCES),
        ),
        Setting(
            f"{pool}_coupon_code",
            "",
            checks.pattern(f"({COUPON_CODE})?", _COUPON_HINT),
            field=Field(
                "text",
                code_label,
                _l("Use 1 to 64 letters, digits, dots, dashes or underscores."),
                fieldset=fieldset,
                maximum=64,
            ),
        ),
    )


REFERRAL = Section(
    "referral",
    fieldsets=(
        ("texts", _l("Recommend a friend")),
        ("offer", _l("The friend's offer")),
        ("rewards", _l("Rewards for referrers")),
    ),
    settings=(
        Setting(
            "referral_texts",
            {},
            checks.texts(LANGUAGES, TEXT_NAMES, TEXT_MAX_LENGTH),
            public="referral.texts",
            field=Field(
                "texts",
                _l("Your texts in the recommend form and the friend's offer"),
                _l("Use one line of at most 200 printable characters for each text."),
                fieldset="texts",
                hint=_l("Leave a text empty for the form's own words in that language."),
                choices=(
                    ("headline", _l("Headline")),
                    ("friend", _l("What the friend gets")),
                    ("referrer", _l("What the referrer gets")),
                ),
                maximum=TEXT_MAX_LENGTH,
            ),
        ),
        Setting(
            "referral_offer",
            "off",
            checks.choice(OFFER_MODES),
            public="referral.offer",
            field=Field(
                "choice",
                _l("Showing the friend's offer"),
                _l("Choose where the offer is shown."),
                fieldset="offer",
                choices=(
                    ("off", _l("Off")),
                    ("notice", _l("A notice on the page the friend lands on")),
                    ("container", _l("Only where the shop placed an offer container")),
                ),
            ),
        ),
        *_coupon_source(
            "friend",
            "offer",
            _l("Coupon for friends"),
            _l("Choose where friends' coupons come from."),
            _l("The fixed coupon code for friends"),
            public="referral.friend_coupon",
        ),
        Setting(
            "friend_coupon_daily_cap",
            20,
            checks.whole_number(1, 1000),
            field=Field(
                "number",
                _l("Friends' coupons per referral link and day, at most"),
                _l("Enter a whole number from 1 to 1000."),
                fieldset="offer",
                minimum=1,
                maximum=1000,
            ),
        ),
        *_coupon_source(
            "reward",
            "rewards",
            _l("Coupon for referrers"),
            _l("Choose where referrers' coupons come from."),
            _l("The fixed coupon code for referrers"),
        ),
        Setting(
            "reward_hold_days",
            14,
            checks.days(0, HOLD_MAX_DAYS),
            field=Field(
                "number",
                _l("Hold period in days before a reward is due"),
                _l("Enter a whole number of days from 0 to 365."),
                fieldset="rewards",
                hint=_l("14 days is the statutory withdrawal period for orders made online."),
                minimum=0,
                maximum=HOLD_MAX_DAYS,
            ),
        ),
        Setting(
            "reward_min_amount",
            "0",
            checks.pattern(AMOUNT, "must be a decimal amount such as 25 or 25.00"),
            field=Field(
                "text",
                _l("Minimum order amount for a reward"),
                _l("Enter an amount such as 25 or 25.00, or 0 for none."),
                fieldset="rewards",
                hint=_l("In the order's currency, after refunds."),
                maximum=13,
            ),
        ),
        Setting(
            "reward_first_orders_only",
            False,
            checks.boolean,
            field=Field(
                "check",
                _l("Reward only a friend's first order"),
                _l("Choose yes or no."),
                fieldset="rewards",
                hint=_l(
                    "Your shop says whether a buyer is new (new_customer in its order reports);"
                    " without it, an earlier order of the same customer reference counts."
                ),
            ),
        ),
    ),
)
