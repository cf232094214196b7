"""The PDF reports read back with poppler (pdftotext, pdffonts): Bulgarian and Turkish letters
come out exactly in every language, drawn with the vendored fonts only, and the report says
what the council needs (page numbers, digest, recount code, public reasons, draft mark)."""

import hashlib
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from budgets import report_pdf
from budgets.models import Report
from budgets.report_pdf import render_cycle_summary, render_pool_report
from budgets.services import report_approve, report_render
from districts.models import Neighbourhood
from proposals.models import Review, Status
from tests.budgets.factories import make_counted_pool, make_voting_pool
from tests.conftest import service_missing
from tests.factories import CensusRecordFactory, DistrictFactory, make_council
from tests.proposals.factories import ReviewFactory

pytestmark = pytest.mark.django_db

TURKISH = "İ ı ş ğ ç ö ü"
CYRILLIC = "Ж Щ Ъ Ю"
LANGUAGES = ["en", "bg", "tr"]
DISTRICT = {
    "en": f"District {CYRILLIC} {TURKISH}",
    "bg": f"Район {CYRILLIC} {TURKISH}",
    "tr": f"İlçe {CYRILLIC} {TURKISH}",
}
NEIGHBOURHOOD = {
    "en": f"Quarter {TURKISH} {CYRILLIC}",
    "bg": f"Квартал {TURKISH} {CYRILLIC}",
    "tr": f"Mahalle {TURKISH} {CYRILLIC}",
}
TITLE = f"Park {CYRILLIC} Işıklı {TURKISH}"
PUBLIC_REASON = "Пътят е държавен; yol devletin: şğçöü"
INTERNAL_NOTE = "INTERNAL-NOTE-NEVER-PRINTED"
# WeasyPrint names an @font-face font after its CSS family; a font of the server's would keep
# its own name (DejaVu-Sans, NotoSans-Regular…).
VENDORED = {"Civic-Sans", "Civic-Sans-Bold", "Civic-Mono", "Civic-Symbols"}
MISSING_GLYPH = ("\ufffd", "\u25a1", "\u25af", "\u2610")  # replacement character, boxes


@pytest.fixture(scope="module")
def poppler() -> None:
    if not (shutil.which("pdftotext") and shutil.which("pdffonts")):
        service_missing("needs poppler-utils (pdftotext, pdffonts)")


def save(data: bytes, tmp_path: Path) -> Path:
    path = tmp_path / f"{hashlib.sha256(data).hexdigest()[:12]}.pdf"
    path.write_bytes(data)
    return path


def poppler_run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, check=True).stdout.decode("utf-8")


def pdf_text(data: bytes, tmp_path: Path, *options: str) -> str:
    """The PDF's text, whitespace collapsed (table cells wrap lines)."""
    text = poppler_run("pdftotext", *options, "-enc", "UTF-8", str(save(data, tmp_path)), "-")
    return " ".join(text.split())


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    info = poppler_run("pdfinfo", str(save(data, tmp_path)))
    return int(next(line for line in info.splitlines() if line.startswith("Pages:"))[6:])


def pdf_links(data: bytes, tmp_path: Path) -> list[str]:
    """The URLs of the PDF's link annotations."""
    lines = poppler_run("pdfinfo", "-url", str(save(data, tmp_path))).splitlines()[1:]
    return [line.split()[-1] for line in lines if line.strip()]


def pdf_fonts(data: bytes, tmp_path: Path) -> list[tuple[str, bool]]:
    """(font name without the subset tag, embedded?) for every font pdffonts lists."""
    lines = poppler_run("pdffonts", str(save(data, tmp_path))).splitlines()[2:]
    fonts = []
    for line in lines:
        columns = line.split()
        # name type [encoding words…] emb sub uni object ID
        fonts.append((columns[0].split("+", 1)[-1], columns[-5] == "yes"))
    return fonts


@pytest.fixture
def counted():
    """A counted pool whose names carry Turkish and Bulgarian letters in every language,
    with a staff decision that has a public reason and an internal note."""
    district = DistrictFactory(
        slug="report-letters",
        name_en=DISTRICT["en"],
        name_bg=DISTRICT["bg"],
        name_tr=DISTRICT["tr"],
    )
    place = Neighbourhood.objects.create(
        district=district,
        slug="letters",
        name_en=NEIGHBOURHOOD["en"],
        name_bg=NEIGHBOURHOOD["bg"],
        name_tr=NEIGHBOURHOOD["tr"],
    )
    CensusRecordFactory.create_batch(3, district=district, neighbourhood=place)
    pool, items, tally, report = make_counted_pool(district=district, rule="mes")
    type(items[0]).objects.filter(pk=items[0].pk).update(title=TITLE)
    ReviewFactory(
        proposal=items[1],
        action=Review.Action.MARK_FEASIBLE,
        from_status=Status.UNDER_REVIEW,
        to_status=Status.FEASIBLE,
        public_reason=PUBLIC_REASON,
        internal_note=INTERNAL_NOTE,
    )
    return pool, items, tally, report


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_keeps_every_letter_with_the_vendored_fonts(poppler, counted, tmp_path, language):
    pool, _items, tally, report = counted
    data = render_pool_report(pool=pool, tally=tally, report=report, language=language)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    assert DISTRICT[language] in text
    assert NEIGHBOURHOOD[language] in text
    assert TITLE in text
    assert not any(mark in text for mark in MISSING_GLYPH)
    fonts = pdf_fonts(data, tmp_path)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert {name for name, _embedded in fonts} <= VENDORED, fonts


@pytest.mark.parametrize(
    ("language", "page"),
    [("en", "Page 1 of"), ("bg", "1"), ("tr", "1")],  # bg/tr: the lead's translations decide
)
def test_report_has_pages_digest_recount_and_public_reasons(
    poppler, counted, tmp_path, language, page
):
    pool, _items, tally, report = counted
    data = render_pool_report(pool=pool, tally=tally, report=report, language=language)
    text = pdf_text(data, tmp_path)
    assert page in text
    pages = int(text.rsplit(" ", 1)[-1]) if language == "en" else None
    if pages:
        assert f"Page {pages} of {pages}" in text
    assert tally.digest in text.replace(" ", "")
    assert "parse_pabulib" in text and "method_of_equal_shares" in text
    assert "pabutools==1.2.3" in text
    assert PUBLIC_REASON in text
    assert INTERNAL_NOTE not in text
    assert f"/results/{pool.pk}/ballots.pb" in text


@pytest.mark.parametrize(
    ("voters", "language", "sentence"),
    [
        (1, "en", "1 ballot was counted;"),
        (2, "en", "2 ballots were counted;"),
        (1, "bg", "Преброена е 1 бюлетина;"),
        (2, "bg", "Преброени са 2 бюлетини;"),
    ],
)
def test_report_turnout_says_ballot_or_ballots(poppler, tmp_path, voters, language, sentence):
    pool, _items, tally, report = make_counted_pool(voters=voters)
    data = render_pool_report(pool=pool, tally=tally, report=report, language=language)
    assert sentence in pdf_text(data, tmp_path)


def test_report_page_numbers_count_every_page(poppler, counted, tmp_path):
    pool, _items, tally, report = counted
    data = render_pool_report(pool=pool, tally=tally, report=report, language="en")
    pages = pdf_pages(data, tmp_path)
    text = pdf_text(data, tmp_path)
    assert pages >= 2
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in text


def test_only_an_ad_hoc_draft_is_watermarked(poppler, counted, tmp_path):
    pool, _items, tally, report = counted

    def marks(data: bytes) -> tuple[int, int, str]:
        """(watermarks, draft banners, text): -raw reads the diagonal watermark in order."""
        raw = pdf_text(data, tmp_path, "-raw")
        return raw.count("DRAFT"), raw.count("Draft: not approved by the council"), raw

    draft = render_pool_report(pool=pool, tally=tally, language="en")
    pages = pdf_pages(draft, tmp_path)
    watermarks, banners, _text = marks(draft)
    assert watermarks == pages and banners == pages + 1  # every page, and the cover says so
    pending = report_render(report=report)
    assert pending.state == Report.State.PENDING
    # The stored files of a version are made before the council decides and never change:
    # they carry no watermark (the site shows whether the version is approved).
    assert stored_files_unmarked(pending, marks)
    approved = report_approve(report=pending, user=make_council())
    watermarks, banners, text = marks(
        render_pool_report(pool=pool, tally=tally, report=approved, language="en")
    )
    assert watermarks == banners == 0
    assert "Approved by the council on" in text


def test_report_differs_only_in_its_generated_at_time(counted, monkeypatch):
    pool, _items, tally, report = counted
    moment = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    monkeypatch.setattr(report_pdf, "_now", lambda: moment)
    first = render_pool_report(pool=pool, tally=tally, report=report, language="bg")
    second = render_pool_report(pool=pool, tally=tally, report=report, language="bg")
    assert first == second


def test_report_loads_nothing_but_the_static_files(counted, settings, tmp_path):
    from budgets.report_pdf import ReportRenderError, _fetcher

    fetcher = _fetcher()
    font = Path(settings.STATICFILES_DIRS[0]) / "fonts" / "NotoSans-Regular.ttf"
    assert fetcher.fetch(font.resolve().as_uri()).read()[:4] == b"\x00\x01\x00\x00"
    outside = tmp_path / "evil.ttf"
    outside.write_bytes(b"x")
    for url in (outside.as_uri(), "https://example.com/font.ttf", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    with pytest.raises(ReportRenderError):
        report_pdf._pdf('<img src="https://example.com/pixel.png">')


def test_report_refuses_a_language_it_has_no_text_for(counted):
    pool, _items, tally, report = counted
    with pytest.raises(ValueError, match="de"):
        render_pool_report(pool=pool, tally=tally, report=report, language="de")


@pytest.mark.parametrize("language", LANGUAGES)
def test_council_summary_lists_districts_and_links_their_reports(
    poppler, counted, tmp_path, settings, language
):
    settings.CIVIC_SITE_URL = "https://civic.example.org"
    pool, _items, _tally, report = counted
    report = report_approve(report=report_render(report=report), user=make_council())
    data = render_cycle_summary(cycle=pool.cycle, reports=[report], language=language)
    text = pdf_text(data, tmp_path)
    assert DISTRICT[language] in text
    assert not any(mark in text for mark in MISSING_GLYPH)
    url = f"https://civic.example.org/reports/{report.pk}/{language}.pdf"
    assert url in text
    assert url in pdf_links(data, tmp_path)
    assert {name for name, _embedded in pdf_fonts(data, tmp_path)} <= VENDORED


def test_render_report_command_writes_the_pdf(poppler, counted, tmp_path):
    pool, _items, _tally, _report = counted
    out = tmp_path / "report.pdf"
    call_command("render_report", str(pool.pk), "--lang", "tr", "-o", str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert DISTRICT["tr"] in pdf_text(data, tmp_path)


def test_render_report_command_refuses_bad_input(counted, tmp_path):
    pool, _items, _tally, _report = counted
    out = tmp_path / "report.pdf"
    with pytest.raises(CommandError, match="language"):
        call_command("render_report", str(pool.pk), "--lang", "de", "-o", str(out))
    with pytest.raises(CommandError, match="no pool"):
        call_command("render_report", "999999", "--lang", "en", "-o", str(out))
    voting, _proposals = make_voting_pool()
    with pytest.raises(CommandError, match="no finished official tally"):
        call_command("render_report", str(voting.pk), "--lang", "en", "-o", str(out))
    assert not out.exists()
    assert not os.listdir(tmp_path)


def stored_files_unmarked(report, marks) -> bool:
    return all(marks(row.file.read())[0] == 0 for row in report.files.all())
