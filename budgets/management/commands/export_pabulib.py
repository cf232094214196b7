"""`manage.py export_pabulib POOL_ID`: the anonymised ballots of a closed pool, as `.pb`."""

from django.core.management.base import BaseCommand, CommandError

from budgets.models import BallotFreeze


class Command(BaseCommand):
    help = "Write the frozen, anonymised ballots of a closed pool to stdout (pabulib .pb)."

    def add_arguments(self, parser):
        parser.add_argument("pool_id", type=int)

    def handle(self, *args, pool_id: int, **options):
        freeze = BallotFreeze.objects.filter(pool_id=pool_id).first()
        if freeze is None:
            raise CommandError(f"pool {pool_id} does not exist or its voting has not closed")
        # The exact text whose SHA-256 is published; no newline added or removed.
        self.stdout.write(freeze.ballots_pb, ending="")
