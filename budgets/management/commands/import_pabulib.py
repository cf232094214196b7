"""`manage.py import_pabulib FILE.pb --district SLUG --cycle YEAR`: a closed pool from a file."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from budgets.services.imports import pool_import_pabulib
from districts.models import District


class Command(BaseCommand):
    help = "Load a pabulib .pb file's projects and ballots as a closed pool, then tally it."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--district", required=True, help="slug of an existing district")
        parser.add_argument("--cycle", required=True, type=int, help="the cycle's year")

    def handle(self, *args, file: Path, district: str, cycle: int, **options):
        found = District.objects.filter(slug=district).first()
        if found is None:
            raise CommandError(f"no district with slug {district!r}")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: {error}") from error
        try:
            pool, freeze = pool_import_pabulib(text=text, district=found, year=cycle)
        except ValidationError as error:
            raise CommandError(f"{file}: {' '.join(error.messages)}") from error
        self.stdout.write(
            f"pool {pool.pk}: {pool.proposals.count()} projects, {freeze.ballots} ballots, "
            f"sha256 {freeze.digest}"
        )
