"""`manage.py import_census FILE.csv`: load the census register, hashing ids on the way in."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from districts import services


class Command(BaseCommand):
    help = (
        "Import a census register CSV with the columns national_id, birth_year, district "
        "(slug) and optionally neighbourhood (slug). National ids are stored only as HMACs."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                report = services.census_import(file=handle)
        except FileNotFoundError as error:
            raise CommandError(f"{file}: no such file") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file}: not UTF-8 text") from error
        except ValidationError as error:
            raise CommandError(f"{file}: {' '.join(error.messages)}") from error
        for line, reason in report.skipped:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.read} rows read: {report.created} created, {report.updated} updated, "
                f"{len(report.skipped)} skipped."
            )
        )
