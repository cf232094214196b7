"""Server-side SVG charts for the results pages and the PDF reports.

Plain SVG (svg, g, rect, line, text, title, desc) that browsers and WeasyPrint both draw,
legible without JavaScript or web fonts. Every text is escaped here, so templates may mark
`Chart.svg` safe. Each chart carries a one-sentence text alternative (`summary`) and its data
as rows of formatted strings for a table next to it. Selected projects differ by colour and by
a drawn tick explained in a legend (WCAG 1.4.1); text keeps 4.5:1 and bars 3:1 against white.

Numbers go through `civic.formatting` (Babel's CLDR data), like the `money`, `number` and
`percent` template filters, so a chart prints a figure exactly as the table beside it does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic.formatting import money, number, percent

# PDF reports load the vendored Noto Sans as "Civic Noto Sans" (never the server's fonts);
# browsers fall back to their own Noto Sans or sans-serif.
FONT = "Civic Noto Sans, Noto Sans, sans-serif"
INK = "#1f2933"  # text: 14.8:1 on white
MUTED = "#52606d"  # axis labels, the "no data" message: 6.5:1
BAR = "#848f9b"  # projects not selected: 3.3:1, and lighter than HIGHLIGHT
HIGHLIGHT = "#0b6e4f"  # selected projects, money allocated: 6.3:1
TURNOUT = "#1d6b8f"  # turnout bars: 5.9:1
REST = "#e4e7eb"  # money left: a light fill drawn inside an OUTLINE
OUTLINE = "#7b8794"  # axes, outlines: 3.7:1
WIDTH = 640
FONT_SIZE = 13
EM = 7.6  # width of an average character at FONT_SIZE, generous for Noto Sans
ROW = 26
_SMALL_MID = ' text-anchor="middle" font-size="11"'

# Characters XML 1.0 forbids, and bidi embeddings/overrides/isolates that a title could use to
# reorder the text drawn after it; both are dropped from every text.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)

_SPACES = re.compile(r"[^\S\xa0\u202f]+")


@dataclass(frozen=True)
class Chart:
    svg: str  # an <svg> element; every text in it is escaped
    title: str
    summary: str  # one sentence, the chart's text alternative (also its <desc>)
    id_prefix: str  # the <title> is `{id_prefix}-title`, the <desc> `{id_prefix}-desc`
    table: list[tuple[str, ...]] = field(default_factory=list)  # formatted, not escaped
    columns: tuple[str, ...] = ()  # headings of the table's columns


# Text -----------------------------------------------------------------------------------------


def _clean(text: object) -> str:
    """One line of text; no-break spaces (thousands in Bulgarian, `1 234 €`) stay."""
    return _SPACES.sub(" ", _UNWANTED.sub("", str(text))).strip(" ")


def _esc(text: object) -> str:
    return escape(_clean(text))


def _units(char: str) -> float:
    """Rough width of a character, in average characters."""
    if unicodedata.combining(char) or unicodedata.category(char) == "Cf":
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    if char in " .,:;'!|iljtfI()[]ı":
        return 0.5
    if char in "mwMWЖЩШЮжщшю@%":
        return 1.7
    if char.isupper():
        return 1.35
    return 1


def _width(text: str, *, bold: bool = False) -> float:
    return sum(_units(char) for char in text) * EM * (1.1 if bold else 1)


def _rtl(text: str) -> bool:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _fit(text: str, room: float, *, bold: bool = False) -> str:
    """The text, cut with an ellipsis where it would be wider than `room` pixels."""
    text = _clean(text)
    if _width(text, bold=bold) <= room:
        return text
    budget = room / (EM * (1.1 if bold else 1)) - 1
    used, end = 0.0, 0
    while end < len(text) - 1 and used + _units(text[end]) <= budget:
        used += _units(text[end])
        end += 1
    while end and unicodedata.combining(text[end]):  # keep a letter with its accents
        end -= 1
    # A right-to-left title keeps its ellipsis at its own end (the left) with a RLM.
    return text[:end].rstrip() + "…" + ("\u200f" if _rtl(text) else "")


def _field(row: object, *names: str) -> object:
    for name in names:
        value = row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
        if value is not None:
            return value
    return None


def _id(prefix: str) -> str:
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", str(prefix))
    return prefix if prefix[:1].isalpha() else f"chart-{prefix}"


def _fraction(value: Decimal) -> str:
    return percent(value.quantize(Decimal("0.001")).normalize())


# SVG ------------------------------------------------------------------------------------------


def _text(x: float, y: float, text: str, *, fill: str = INK, extra: str = "") -> str:
    """A <text>; `text` must be escaped already."""
    return f'<text x="{x:g}" y="{y:g}" fill="{fill}"{extra}>{text}</text>'


def _rect(x: float, y: float, width: float, height: float, fill: str, extra: str = "") -> str:
    return f'<rect x="{x:g}" y="{y:g}" width="{width:g}" height="{height:g}" fill="{fill}"{extra}/>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1) -> str:
    return (
        f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{stroke}" '
        f'stroke-width="{width:g}" stroke-linecap="round"/>'
    )


def _tick(x: float, y: float) -> list[str]:
    """A check mark drawn with lines (no glyph that a PDF font could lack), middle at y."""
    return [
        _line(x, y, x + 4, y + 4, HIGHLIGHT, 2.5),
        _line(x + 4, y + 4, x + 12, y - 5, HIGHLIGHT, 2.5),
    ]


def _svg(id_prefix: str, title: str, summary: str, height: float, body: list[str]) -> str:
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
            f'height="{height:g}" viewBox="0 0 {WIDTH} {height:g}" '
            f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
            f'font-family="{FONT}" font-size="{FONT_SIZE}" class="chart-svg">',
            f'<title id="{id_prefix}-title">{_esc(title)}</title>',
            f'<desc id="{id_prefix}-desc">{_esc(summary)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _chart(id_prefix, title, summary, height, body, table, columns) -> Chart:
    title, summary = _clean(title), _clean(summary)
    svg = _svg(id_prefix, title, summary, height, body)
    return Chart(svg, title, summary, id_prefix, table, tuple(map(str, columns)))


def _empty(id_prefix: str, title: str, columns: tuple[str, ...]) -> Chart:
    summary = _("No data to show yet.")
    body = [_text(8, 26, escape(summary), fill=MUTED)]
    return _chart(id_prefix, title, summary, 40, body, [], columns)


# Charts ---------------------------------------------------------------------------------------


def votes_chart(
    rows: Iterable[object],
    *,
    title: str,
    value_label: str,
    highlight_label: str,
    id_prefix: str = "votes",
    label_heading: str | None = None,
) -> Chart:
    """Horizontal bars, one per project in the order given; selected ones highlighted.

    A row is an object or a mapping with `label` (or `title`), `value` (or else `points`,
    else `votes`: a `budgets.results.ProjectRow` works as it is) and `selected`.
    """
    id_prefix = _id(id_prefix)
    columns = (label_heading or _("Project"), value_label, highlight_label)
    rows = [
        (
            _clean(_field(row, "label", "title") or ""),
            int(_field(row, "value", "points", "votes") or 0),
            bool(_field(row, "selected")),
        )
        for row in rows
    ]
    if not rows:
        return _empty(id_prefix, title, columns)
    top = max(value for _label, value, _chosen in rows)
    label_w = 270  # the tick at 6–18, the label right-aligned to 262
    value_w = max(_width(number(top), bold=True), 40) + 12
    bar_w = WIDTH - label_w - value_w - 8
    legend = any(chosen for _label, _value, chosen in rows)
    y0 = 8 + (ROW if legend else 0)
    body = []
    if legend:
        body += _tick(6, 16)
        body.append(_rect(24, 10, 12, 12, HIGHLIGHT))
        body.append(_text(42, 21, _esc(_fit(highlight_label, WIDTH - 50))))
    body.append(_line(label_w, y0, label_w, y0 + ROW * len(rows), OUTLINE))
    for index, (label, value, chosen) in enumerate(rows):
        y = y0 + index * ROW
        hint = f"{label}: {number(value)} {value_label}" + (
            f" ({highlight_label})" if chosen else ""
        )
        body.append(f"<g><title>{_esc(hint)}</title>")
        if chosen:
            body += _tick(6, y + 12)
        weight = ' font-weight="bold"' if chosen else ""
        shown = _fit(label, label_w - 8 - 24, bold=chosen)
        body.append(_text(label_w - 8, y + 17, _esc(shown), extra=f' text-anchor="end"{weight}'))
        width = round(bar_w * max(value, 0) / top) if top > 0 else 0
        if width:
            body.append(_rect(label_w, y + 4, width, ROW - 8, HIGHLIGHT if chosen else BAR))
        body.append(_text(label_w + width + 6, y + 17, _esc(number(value)), extra=weight))
        body.append("</g>")
    count = len(rows)
    values = {
        "count": number(count),
        "highlight": highlight_label,
        "selected": number(sum(1 for _label, _value, chosen in rows if chosen)),
        "leader": next(label for label, value, _chosen in rows if value == top),
        "top": number(top),
        "value_label": value_label,
    }
    if top > 0:
        summary = ngettext(
            "%(count)s project; %(highlight)s: %(selected)s; "
            "highest: %(leader)s, %(top)s %(value_label)s.",
            "%(count)s projects; %(highlight)s: %(selected)s; "
            "highest: %(leader)s, %(top)s %(value_label)s.",
            count,
        )
    else:
        summary = ngettext(
            "%(count)s project; %(highlight)s: %(selected)s; none has any %(value_label)s.",
            "%(count)s projects; %(highlight)s: %(selected)s; none has any %(value_label)s.",
            count,
        )
    table = [
        (label, number(value), highlight_label if chosen else "") for label, value, chosen in rows
    ]
    height = y0 + ROW * len(rows) + 8
    return _chart(id_prefix, title, summary % values, height, body, table, columns)


def _amount(value: object, currency: str) -> tuple[Decimal, str]:
    """(raw, formatted) from either such a pair or a raw amount formatted here."""
    if isinstance(value, tuple | list):
        raw, text = value
        return Decimal(raw), str(text)
    raw = Decimal(value or 0)
    return raw, money(raw, currency) if currency else number(raw)


def budget_chart(
    *,
    amount: Decimal | int | tuple[Decimal | int, str],
    allocated: Decimal | int | tuple[Decimal | int, str],
    labels: Mapping[str, str],
    left: Decimal | int | tuple[Decimal | int, str] | None = None,
    id_prefix: str = "budget",
) -> Chart:
    """One bar: the pool, split into the money allocated to selected projects and the rest.

    Amounts are `(Decimal, "€1 234")` pairs already formatted, or raw amounts formatted here
    with `money(…, labels["currency"])`. `labels` may hold `title`, `allocated`, `left` and
    `currency`; `left` defaults to amount − allocated.
    """
    id_prefix = _id(id_prefix)
    currency = labels.get("currency", "")
    title = labels.get("title") or _("Use of the pool")
    allocated_label = labels.get("allocated") or _("Allocated")
    left_label = labels.get("left") or _("Left")
    columns = ("", _("Amount"), _("Share"))
    amount_raw, amount_text = _amount(amount, currency)
    allocated_raw, allocated_text = _amount(allocated, currency)
    if left is None:
        left = amount_raw - allocated_raw
    left_raw, left_text = _amount(left, currency)
    if amount_raw <= 0:
        return _empty(id_prefix, title, columns)
    share = allocated_raw / amount_raw
    rest = left_raw / amount_raw
    bar_w = WIDTH - 16
    filled = round(bar_w * min(max(share, Decimal(0)), Decimal(1)))
    allocated_line = f"{allocated_label}: {allocated_text} ({_fraction(share)})"
    left_line = f"{left_label}: {left_text} ({_fraction(rest)})"
    body = [
        _rect(8, 8, bar_w, 28, REST, f' stroke="{OUTLINE}"'),
        _rect(8, 8, filled, 28, HIGHLIGHT) if filled else "",
        _rect(8, 50, 12, 12, HIGHLIGHT),
        _text(26, 61, _esc(_fit(allocated_line, WIDTH - 34))),
        _rect(8, 72, 12, 12, REST, f' stroke="{OUTLINE}"'),
        _text(26, 83, _esc(_fit(left_line, WIDTH - 34))),
    ]
    summary = _(
        "%(allocated_label)s: %(allocated)s of %(amount)s (%(share)s); %(left_label)s: %(left)s."
    ) % {
        "allocated_label": allocated_label,
        "allocated": allocated_text,
        "amount": amount_text,
        "share": _fraction(share),
        "left_label": left_label,
        "left": left_text,
    }
    table = [
        (_clean(allocated_label), allocated_text, _fraction(share)),
        (_clean(left_label), left_text, _fraction(rest)),
    ]
    return _chart(id_prefix, title, summary, 92, body, table, columns)


def _scale(top: Decimal) -> Decimal:
    """The smallest round share at least as large as the largest turnout."""
    for limit in ("0.1", "0.2", "0.25", "0.5"):
        if top <= Decimal(limit):
            return Decimal(limit)
    return Decimal(1)


def turnout_chart(
    rows: Iterable[object | None],
    *,
    title: str,
    id_prefix: str = "turnout",
    label_heading: str | None = None,
) -> Chart:
    """Bars of turnout per group (neighbourhood, age band, district).

    A row is an object or a mapping with `label`, `ballots` and `eligible`; a group whose
    `eligible` is None or 0 has no share and shows its ballots only. When no group has a
    share, the bars compare ballots. None rows are skipped.
    """
    id_prefix = _id(id_prefix)
    columns = (label_heading or _("Group"), _("Ballots"), _("Eligible"), _("Turnout"))
    groups = []
    for row in rows:
        if row is None:
            continue
        ballots = int(_field(row, "ballots") or 0)
        eligible = int(_field(row, "eligible") or 0) or None
        share = Decimal(ballots) / eligible if eligible else None
        groups.append((_clean(_field(row, "label") or ""), ballots, eligible, share))
    if not groups:
        return _empty(id_prefix, title, columns)
    shares = [share for _label, _ballots, _eligible, share in groups if share is not None]
    most = max(ballots for _label, ballots, _eligible, _share in groups)
    label_w, value_w = 220, 150
    bar_w = WIDTH - label_w - value_w - 8
    y0 = 8 + (18 if shares else 0)  # a line of axis labels above bars of shares
    body = []
    if shares:
        scale = _scale(max(shares))
        for step in (Decimal(0), scale / 2, scale):
            x = label_w + round(bar_w * step / scale)
            body.append(_line(x, y0 - 4, x, y0 + ROW * len(groups), OUTLINE if step else INK))
            body.append(_text(x, y0 - 8, _esc(_fraction(step)), fill=MUTED, extra=_SMALL_MID))
    else:
        body.append(_line(label_w, y0, label_w, y0 + ROW * len(groups), INK))
    for index, (label, ballots, eligible, share) in enumerate(groups):
        y = y0 + index * ROW
        count = ngettext("%(count)s ballot", "%(count)s ballots", ballots) % {
            "count": number(ballots)
        }
        if share is not None:
            fraction = min(share / scale, Decimal(1))
            text = f"{_fraction(share)} ({number(ballots)}/{number(eligible)})"
        else:
            fraction = Decimal(ballots) / most if not shares and most else Decimal(0)
            text = count
        width = round(bar_w * fraction)
        body.append(f"<g><title>{_esc(f'{label}: {text}')}</title>")
        body.append(
            _text(label_w - 8, y + 17, _esc(_fit(label, label_w - 16)), extra=' text-anchor="end"')
        )
        if width:
            body.append(_rect(label_w, y + 4, width, ROW - 8, TURNOUT))
        body.append(_text(label_w + width + 6, y + 17, _esc(text)))
        body.append("</g>")
    known = [(label, share) for label, _ballots, _eligible, share in groups if share is not None]
    values = {
        "count": number(len(groups)),
        "ballots": number(sum(ballots for _label, ballots, _eligible, _share in groups)),
    }
    if len(known) > 1:
        high = max(known, key=lambda pair: pair[1])
        low = min(known, key=lambda pair: pair[1])
        values.update(high=high[0], high_share=_fraction(high[1]))
        values.update(low=low[0], low_share=_fraction(low[1]))
        summary = ngettext(
            "%(count)s group; ballots: %(ballots)s; highest turnout: %(high)s, "
            "%(high_share)s; lowest: %(low)s, %(low_share)s.",
            "%(count)s groups; ballots: %(ballots)s; highest turnout: %(high)s, "
            "%(high_share)s; lowest: %(low)s, %(low_share)s.",
            len(groups),
        )
    elif known:
        values.update(high=known[0][0], high_share=_fraction(known[0][1]))
        summary = ngettext(
            "%(count)s group; ballots: %(ballots)s; turnout: %(high)s, %(high_share)s.",
            "%(count)s groups; ballots: %(ballots)s; turnout: %(high)s, %(high_share)s.",
            len(groups),
        )
    else:
        summary = ngettext(
            "%(count)s group; ballots: %(ballots)s.",
            "%(count)s groups; ballots: %(ballots)s.",
            len(groups),
        )
    table = [
        (
            label,
            number(ballots),
            number(eligible) if eligible else "",
            _fraction(share) if share is not None else "",
        )
        for label, ballots, eligible, share in groups
    ]
    height = y0 + ROW * len(groups) + 8
    return _chart(id_prefix, title, summary % values, height, body, table, columns)
