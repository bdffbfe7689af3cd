"""What /fund takes: amounts, currencies, purposes and the parsed command.

Amounts are ``Decimal``, never float: "12,50" and "12.50" are the same amount; "-5", "abc",
"1e3" and more than two decimals are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from babel.numbers import list_currencies

_AMOUNT = re.compile(r"\d{1,12}(?:[.,]\d{1,2})?")
CENT = Decimal("0.01")


class Purpose(StrEnum):
    TRANSPORT = "transport"
    MEDICAL = "medical"
    BAIL = "bail"  # bail or fine
    ACCOMMODATION = "accommodation"
    FOOD = "food"
    AIRTIME = "airtime"
    LEGAL = "legal"  # legal fees
    OTHER = "other"


class AmountError(ValueError):
    """Why a typed amount is refused: a catalogue key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_amount(raw: str) -> Decimal:
    """An amount as typed ("12,50", "12.50", "12"), exact, to the cent."""
    typed = raw.strip()
    if typed.startswith("-"):
        raise AmountError("fund.amount_negative")
    if not _AMOUNT.fullmatch(typed):
        raise AmountError("fund.amount_bad")
    value = Decimal(typed.replace(",", "."))
    if value <= 0:
        raise AmountError("fund.amount_zero")
    return value.quantize(CENT)


def parse_currency(raw: str) -> str | None:
    """An ISO 4217 code ("ZAR", "kes"), or ``None`` if it is not one."""
    code = raw.strip().upper()
    return code if len(code) == 3 and code in list_currencies() else None


class FundVerb(StrEnum):
    SHOW = "show"
    CURRENCY = "currency"
    ADD = "add"
    REQUEST = "request"
    EXPORT = "export"
    THRESHOLD = "threshold"


@dataclass(frozen=True)
class FundCommand:
    """``/fund`` as typed, parsed: the verb and its values."""

    verb: FundVerb = FundVerb.SHOW
    amount: Decimal | None = None
    code: str = ""
    note: str = ""
    currency: str = ""
