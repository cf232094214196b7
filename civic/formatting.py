"""Money, numbers and percentages in the active locale (Babel's CLDR data)."""

import functools
from decimal import Decimal

from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_decimal,
    format_percent,
    get_currency_symbol,
    parse_pattern,
)
from django.utils import translation


def _locale() -> str:
    return (translation.get_language() or "en").replace("-", "_")


def money(amount: Decimal | int | float, currency: str, language: str | None = None) -> str:
    """`€1,234,567` in English, `1 234 567 €` in Bulgarian, `€1.234.567` in Turkish.

    Whole amounts drop the cents; a symbol made of letters (TRY in English) keeps a space.
    """
    return _money((language or _locale()).replace("-", "_"), currency, Decimal(amount))


@functools.lru_cache(maxsize=4096)
def _money(language: str, currency: str, amount: Decimal) -> str:
    """`money`, remembered: a ballot page shows the same few dozen amounts to every resident,
    and Babel takes tens of microseconds to write each one. Amounts that are equal write the
    same (whole ones drop the cents, the others keep at least two decimals)."""
    whole = amount == amount.to_integral_value()
    locale, pattern = _money_format(language, currency, whole)
    return pattern.apply(
        amount, locale, currency=currency, currency_digits=False, decimal_quantization=False
    )


@functools.lru_cache(maxsize=256)
def _money_format(language: str, currency: str, whole: bool) -> tuple[Locale, NumberPattern]:
    """The locale and the parsed pattern for `money`: a ballot page shows dozens of amounts,
    and parsing them afresh each time cost about a tenth of a millisecond apiece."""
    locale = Locale.parse(language)
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    if whole:
        pattern = pattern.replace(".00", "")
    if get_currency_symbol(currency, locale=locale).isalpha():
        pattern = pattern.replace("¤#", "¤\xa0#").replace("0¤", "0\xa0¤")
    return locale, parse_pattern(pattern)


def number(value: Decimal | int | float, language: str | None = None) -> str:
    return format_decimal(value, locale=(language or _locale()))


def percent(value: Decimal | float, language: str | None = None) -> str:
    """A fraction as a percentage, as precise as it is: 0.0125 → `1.25%` (en), `%1,25` (tr)."""
    return format_percent(value, locale=(language or _locale()), decimal_quantization=False)
