"""URL converters of the project."""


class IdConverter:
    """A database id in a URL: like Django's `int`, but at most 18 digits, so an id that no
    bigint can hold is a 404 rather than an overflow in the database driver."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
