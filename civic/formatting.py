"""Money, numbers and percentages in the active locale (Babel's CLDR data)."""

from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol
from django.utils import translation


def _locale() -> str:
    return (translation.get_language() or "en").replace("-", "_")


def money(amount: Decimal | int | float, currency: str, language: str | None = None) -> str:
    """`€1,234,567` in English, `1 234 567 €` in Bulgarian, `€1.234.567` in Turkish.

    Whole amounts drop the cents; a symbol made of letters (TRY in English) keeps a space.
    """
    locale = Locale.parse((language or _locale()).replace("-", "_"))
    amount = Decimal(amount)
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if amount == amount.to_integral_value():
        pattern = pattern.replace(".00", "")
    if get_currency_symbol(currency, locale=locale).isalpha():
        pattern = pattern.replace("¤#", "¤\xa0#").replace("0¤", "0\xa0¤")
    return format_currency(
        amount,
        currency,
        format=pattern,
        locale=locale,
        currency_digits=False,
        decimal_quantization=False,
    )


def number(value: Decimal | int | float, language: str | None = None) -> str:
    return format_decimal(value, locale=(language or _locale()))


def percent(value: Decimal | float, language: str | None = None) -> str:
    """A fraction as a percentage, as precise as it is: 0.0125 → `1.25%` (en), `%1,25` (tr)."""
    return format_percent(value, locale=(language or _locale()), decimal_quantization=False)
