"""The SVG charts: well-formed, escaped, described, accessible, in the reader's number format."""

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.utils import translation

from budgets.charts import budget_chart, turnout_chart, votes_chart
from budgets.results import ProjectRow, TurnoutRow

SVG = "{http://www.w3.org/2000/svg}"
NBSP = "\xa0"
HOSTILE = (
    "<script>alert(\"x\")</script> & 'quoted' Жилищен Щит İstanbul ılık şğ שלום עולם " + "x" * 120
)


@dataclass
class Row:
    label: str
    value: int
    selected: bool


def parse(chart):
    return ElementTree.fromstring(chart.svg)


def texts(element):
    return ["".join(node.itertext()) for node in element.iter(f"{SVG}text")]


def groups(root):
    return list(root.iter(f"{SVG}g"))


def project_row(title, votes, selected, points=None):
    return ProjectRow(
        project_id="1",
        proposal_id=None,
        title=title,
        cost=Decimal(1000),
        votes=votes,
        points=points,
        selected=selected,
        status="selected" if selected else "not_selected",
        round=None,
        reason="",
    )


def all_charts(label=HOSTILE):
    return [
        votes_chart(
            [Row(label, 1234, True), Row("Park", 17, False)],
            title=label,
            value_label="votes",
            highlight_label=label,
            id_prefix="votes",
        ),
        budget_chart(
            amount=Decimal(100000),
            allocated=Decimal(75000),
            labels={"allocated": label, "left": label, "title": label, "currency": "EUR"},
        ),
        turnout_chart([TurnoutRow(label, 30, 120), TurnoutRow("B", 5, None)], title=label),
        turnout_chart([TurnoutRow(label, 30, None)], title=label, id_prefix="ages"),
    ]


@pytest.mark.parametrize("index", range(4))
def test_chart_is_well_formed_described_svg(index):
    chart = all_charts()[index]
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") and root.get("height") and root.get("viewBox")
    assert root.get("font-family") == "Civic Noto Sans, Noto Sans, sans-serif"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id == f"{chart.id_prefix}-title"
    assert root.find(f"{SVG}desc").get("id") == desc_id == f"{chart.id_prefix}-desc"
    assert root.find(f"{SVG}desc").text == chart.summary
    assert len(chart.table[0]) == len(chart.columns)


@pytest.mark.parametrize("index", range(4))
def test_chart_uses_only_elements_weasyprint_draws(index):
    root = parse(all_charts()[index])
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "g", "rect", "line", "text", "title", "desc"}
    for element in root.iter():
        for name in ("fill", "stroke"):
            if element.get(name):
                assert re.fullmatch(r"#[0-9a-f]{6}", element.get(name))


@pytest.mark.parametrize("index", range(4))
def test_hostile_text_comes_out_escaped(index):
    chart = all_charts()[index]
    root = parse(chart)
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in chart.svg
    assert "Жилищен Щит İstanbul ılık şğ שלום עולם" in chart.svg
    assert root.find(f"{SVG}title").text == " ".join(HOSTILE.split())


def test_characters_xml_forbids_and_bidi_overrides_are_dropped():
    label = "Park\x00\x1b\x0c\ufffe\ud800 \u202eevil\u202c \u2066x\u2069"
    for chart in all_charts(label):
        root = parse(chart)
        assert root.find(f"{SVG}title").text == "Park evil x"
        assert chart.title == "Park evil x"


def contrast(colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * red + 0.7152 * green + 0.0722 * blue + 0.05)


@pytest.mark.parametrize("index", range(4))
def test_text_and_bars_keep_their_contrast_on_white(index):
    root = parse(all_charts()[index])
    for element in root.iter(f"{SVG}text"):
        assert contrast(element.get("fill")) >= 4.5
    for element in root.iter(f"{SVG}rect"):
        # A light part is told apart by its outline.
        assert contrast(element.get("stroke") or element.get("fill")) >= 3
    for element in root.iter(f"{SVG}line"):
        assert contrast(element.get("stroke")) >= 3


def test_votes_chart_marks_selected_projects_by_more_than_colour():
    chart = votes_chart(
        [Row("School garden", 1234, True), Row("Park", 17, False)],
        title="Votes per project",
        value_label="votes",
        highlight_label="selected",
    )
    root = parse(chart)
    legend = texts(root)[0]
    assert legend == "selected"
    chosen, other = groups(root)
    assert len(chosen.findall(f"{SVG}line")) == 2  # the drawn tick
    assert chosen.find(f"{SVG}text").get("font-weight") == "bold"
    assert chosen.find(f"{SVG}title").text == "School garden: 1,234 votes (selected)"
    assert other.findall(f"{SVG}line") == []
    assert other.find(f"{SVG}text").get("font-weight") is None
    assert chosen.find(f"{SVG}rect").get("fill") != other.find(f"{SVG}rect").get("fill")


def test_votes_chart_prints_values_at_the_bar_ends():
    root = parse(
        votes_chart(
            [Row("A", 200, False), Row("B", 100, False)],
            title="t",
            value_label="votes",
            highlight_label="s",
        )
    )
    for group in groups(root):
        bar = group.find(f"{SVG}rect")
        value = group.findall(f"{SVG}text")[-1]
        assert float(value.get("x")) > float(bar.get("x")) + float(bar.get("width"))
    first, second = (float(group.find(f"{SVG}rect").get("width")) for group in groups(root))
    assert first == pytest.approx(2 * second, abs=1)


def test_votes_chart_cuts_long_titles_and_keeps_them_whole_in_the_bar_title():
    title = "Нова детска площадка в парк „Борово“ с безопасна настилка и сенници за лятото"
    root = parse(
        votes_chart([Row(title, 5, False)], title="t", value_label="v", highlight_label="s")
    )
    (group,) = groups(root)
    shown = group.find(f"{SVG}text").text
    assert shown.endswith("…") and title.startswith(shown[:-1])
    assert group.find(f"{SVG}title").text == f"{title}: 5 v"


def test_votes_chart_summary_and_table():
    chart = votes_chart(
        [Row("Library", 40, True), Row(HOSTILE, 90, False), Row("Park", 3, True)],
        title="Votes",
        value_label="votes",
        highlight_label="selected",
    )
    assert chart.summary == (
        f"3 projects; selected: 2; highest: {' '.join(HOSTILE.split())}, 90 votes."
    )
    assert chart.columns == ("Project", "votes", "selected")
    assert chart.table == [
        ("Library", "40", "selected"),
        (" ".join(HOSTILE.split()), "90", ""),
        ("Park", "3", "selected"),
    ]


def test_votes_chart_reads_mappings_and_project_rows():
    as_dicts = votes_chart(
        [{"label": "A", "value": 7, "selected": True}],
        title="t",
        value_label="v",
        highlight_label="s",
    )
    as_rows = votes_chart(
        [project_row("A", 7, True)], title="t", value_label="v", highlight_label="s"
    )
    assert as_dicts.svg == as_rows.svg
    points = votes_chart(
        [project_row("A", 3, False, points=12)], title="t", value_label="p", highlight_label="s"
    )
    assert points.table == [("A", "12", "")]


def test_votes_chart_without_any_votes_is_valid():
    chart = votes_chart(
        [Row("A", 0, False), Row("B", 0, False)],
        title="t",
        value_label="votes",
        highlight_label="s",
    )
    root = parse(chart)
    assert root.findall(f".//{SVG}rect") == []
    assert chart.summary == "2 projects; s: 0; none has any votes."


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "12,345"), ("bg", f"12{NBSP}345"), ("tr", "12.345")]
)
def test_votes_chart_numbers_follow_the_active_language(language, expected):
    with translation.override(language):
        chart = votes_chart(
            [Row("A", 12345, False)], title="t", value_label="v", highlight_label="s"
        )
    assert expected in texts(parse(chart))
    assert expected in chart.summary and chart.table[0][1] == expected


def test_budget_chart_shows_allocated_and_left_in_money():
    chart = budget_chart(
        amount=Decimal(100000),
        allocated=Decimal(75000),
        labels={"allocated": "Allocated", "left": "Left over", "title": "Pool", "currency": "EUR"},
    )
    root = parse(chart)
    assert texts(root) == ["Allocated: €75,000 (75%)", "Left over: €25,000 (25%)"]
    assert chart.title == "Pool"
    assert chart.summary == "Allocated: €75,000 of €100,000 (75%); Left over: €25,000."
    assert chart.table == [("Allocated", "€75,000", "75%"), ("Left over", "€25,000", "25%")]
    track, filled = root.findall(f"{SVG}rect")[:2]
    assert float(filled.get("width")) == pytest.approx(0.75 * float(track.get("width")), abs=1)


def test_budget_chart_takes_amounts_formatted_by_the_caller():
    chart = budget_chart(
        amount=(Decimal(2000), f"2{NBSP}000{NBSP}€"),
        allocated=(Decimal(1234), f"1{NBSP}234{NBSP}€"),
        left=(Decimal(766), f"766{NBSP}€"),
        labels={"allocated": "Разпределени", "left": "Остават"},
    )
    assert f"Разпределени: 1{NBSP}234{NBSP}€ (61.7%)" in texts(parse(chart))
    assert chart.table[1] == ("Остават", f"766{NBSP}€", "38.3%")


def test_budget_chart_in_turkish():
    with translation.override("tr"):
        chart = budget_chart(
            amount=Decimal(400000), allocated=Decimal(100000), labels={"currency": "TRY"}
        )
    assert "₺100.000" in chart.svg and "%25" in chart.svg


def test_budget_chart_when_the_pool_is_overspent_draws_a_full_bar():
    chart = budget_chart(amount=Decimal(100), allocated=Decimal(120), labels={"currency": "EUR"})
    track, filled = parse(chart).findall(f"{SVG}rect")[:2]
    assert filled.get("width") == track.get("width")
    assert "€-20" in chart.summary or "-€20" in chart.summary


def test_turnout_chart_prints_shares_and_counts():
    chart = turnout_chart(
        [
            TurnoutRow("Borovo", 30, 120),
            TurnoutRow("Mladost", 5, 400),
            TurnoutRow("18–29", 7, None),
        ],
        title="Turnout",
    )
    root = parse(chart)
    bars = groups(root)
    assert [group.findall(f"{SVG}text")[-1].text for group in bars] == [
        "25% (30/120)",
        "1.2% (5/400)",
        "7 ballots",
    ]
    assert bars[2].find(f"{SVG}rect") is None  # no denominator: no bar, the count only
    assert chart.summary == (
        "3 groups; ballots: 42; highest turnout: Borovo, 25%; lowest: Mladost, 1.2%."
    )
    assert chart.columns == ("Group", "Ballots", "Eligible", "Turnout")
    assert chart.table[2] == ("18–29", "7", "", "")


def test_turnout_chart_bars_share_one_scale_and_stay_inside_it():
    root = parse(turnout_chart([TurnoutRow("A", 150, 100), TurnoutRow("B", 25, 100)], title="t"))
    full, quarter = (float(group.find(f"{SVG}rect").get("width")) for group in groups(root))
    assert quarter == pytest.approx(full / 4, abs=1)
    assert "150% (150/100)" in texts(root)


def test_turnout_chart_without_denominators_compares_ballots():
    chart = turnout_chart(
        [{"label": "18–29", "ballots": 10, "eligible": None}, {"label": "30–44", "ballots": 40}],
        title="Ages",
    )
    widths = [float(group.find(f"{SVG}rect").get("width")) for group in groups(parse(chart))]
    assert widths[1] == pytest.approx(4 * widths[0], abs=4)
    assert chart.summary == "2 groups; ballots: 50."


def test_turnout_chart_percentages_follow_the_active_language():
    with translation.override("tr"):
        chart = turnout_chart([TurnoutRow("Kadıköy", 1, 8), None], title="Katılım")
    assert "%12,5 (1/8)" in texts(parse(chart))
    assert chart.summary.endswith("Kadıköy, %12,5.")


@pytest.mark.parametrize(
    "make",
    [
        lambda: votes_chart([], title="t", value_label="v", highlight_label="h"),
        lambda: turnout_chart([], title="t"),
        lambda: turnout_chart([None], title="t"),
        lambda: budget_chart(amount=0, allocated=0, labels={"currency": "EUR"}),
    ],
)
def test_empty_input_gives_a_valid_chart_that_says_so(make):
    chart = make()
    root = parse(chart)
    assert chart.summary == "No data to show yet."
    assert texts(root) == ["No data to show yet."]
    assert chart.table == []


def test_ids_are_unique_per_chart_and_valid():
    first = turnout_chart([TurnoutRow("A", 1, 2)], title="t", id_prefix="one")
    second = turnout_chart([TurnoutRow("A", 1, 2)], title="t", id_prefix="two")
    assert 'id="one-title"' in first.svg and 'id="two-title"' in second.svg
    odd = turnout_chart([TurnoutRow("A", 1, 2)], title="t", id_prefix='1 "x"')
    assert odd.id_prefix == "chart-1--x-"
    assert parse(odd).get("aria-labelledby") == "chart-1--x--title chart-1--x--desc"


def test_weasyprint_renders_every_chart_without_logging_a_problem(caplog):
    weasyprint = pytest.importorskip("weasyprint")
    page = "".join(chart.svg for chart in all_charts())
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=f"<html><body>{page}</body></html>").write_pdf()
    assert pdf.startswith(b"%PDF")
    complaints = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert complaints == []
