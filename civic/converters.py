"""URL converters of the project."""

from civic.http import ID_DIGITS


class IdConverter:
    """A database id in a URL: like Django's `int`, but at most 18 digits, so an id that no
    bigint can hold is a 404 rather than an overflow in the database driver."""

    regex = f"[0-9]{{1,{ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
