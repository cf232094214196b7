"""`manage.py render_report POOL_ID --lang LANG -o FILE.pdf`: a pool's results report, now.

The code the Celery task runs (`budgets.report_pdf.render_pool_report`), synchronously: the
pool's latest finished official tally with its latest report version, or a draft when the
tally has no version yet. Anything but an approved version is watermarked DRAFT.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from budgets.models import Pool, Report
from budgets.report_pdf import ReportRenderError, render_pool_report
from budgets.results import official_tally


class Command(BaseCommand):
    help = "Render a pool's results report (PDF) in one language, synchronously."

    def add_arguments(self, parser):
        parser.add_argument("pool_id", type=int, help="the pool's id")
        languages = ", ".join(code for code, _name in settings.LANGUAGES)
        parser.add_argument("--lang", required=True, help=f"the report's language: {languages}")
        parser.add_argument("-o", "--output", required=True, help="the PDF file to write")

    def handle(self, *args, pool_id: int, lang: str, output: str, **options):
        languages = [code for code, _name in settings.LANGUAGES]
        if lang not in languages:
            raise CommandError(
                f"unsupported language {lang!r}: --lang must be one of {', '.join(languages)}"
            )
        pool = Pool.objects.select_related("cycle", "district").filter(pk=pool_id).first()
        if pool is None:
            raise CommandError(f"no pool {pool_id}")
        tally = official_tally(pool)
        if tally is None:
            raise CommandError(
                f"pool {pool_id} has no finished official tally: close voting and count first"
            )
        report = Report.objects.filter(tally=tally).order_by("-version").first()
        try:
            data = render_pool_report(pool=pool, tally=tally, report=report, language=lang)
        except ReportRenderError as error:
            raise CommandError(f"rendering failed: {error}") from error
        _write(Path(output), data)
        if report is None:
            what = "draft (no report version yet)"
        else:
            what = f"version {report.version}, {report.state}"
        self.stdout.write(f"{output}: {len(data)} bytes; pool {pool_id}, {lang}, {what}")


def _write(path: Path, data: bytes) -> None:
    """Write the whole file or nothing (a reader never sees half a PDF)."""
    folder = path.resolve().parent
    if not folder.is_dir():
        raise CommandError(f"no such directory: {folder}")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
