from decimal import Decimal

from django import template

from civic import formatting

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """`{{ pool.amount|money:pool.currency }}` in the active locale."""
    if amount is None or amount == "":
        return ""
    return formatting.money(amount, currency)


@register.filter
def number(value) -> str:
    if value is None or value == "":
        return ""
    return formatting.number(value)


@register.filter
def percent(value, whole=None) -> str:
    """A fraction as a percentage in the active locale; `{{ progress|percent:100 }}` for a
    value counted out of `whole`."""
    if value is None or value == "":
        return ""
    if whole is not None:
        value = Decimal(value) / Decimal(whole)
    return formatting.percent(value)
