"""Request typing shared by the views."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# 18 digits always fit a bigint (PostgreSQL) and SQLite's integer; longer text is no id.
ID_DIGITS = 18


def parse_id(raw: str) -> int | None:
    """A database id from request text (a form field, a query parameter), else None: ASCII
    digits only and short enough for the database, so hostile text never reaches a query."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= ID_DIGITS:
        return int(raw)
    return None
