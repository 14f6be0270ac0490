"""Money: ``Decimal`` amounts with a currency, rounded to cents half-up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from likeness.errors import InvalidInputError

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "USD"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise InvalidInputError("money amounts must be Decimal, never float")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise InvalidInputError(f"currency {self.currency!r} is not an ISO 4217 code")
        object.__setattr__(self, "amount", self.amount.quantize(CENT, rounding=ROUND_HALF_UP))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidInputError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def times(self, factor: Decimal) -> Money:
        return Money(self.amount * factor, self.currency)

    def __str__(self) -> str:
        symbol = "$" if self.currency == "USD" else f"{self.currency} "
        return f"{symbol}{self.amount:,.2f}"


_ZERO_USD = Money(Decimal(0), "USD")


def zero(currency: str = "USD") -> Money:
    return _ZERO_USD if currency == "USD" else Money(Decimal(0), currency)
