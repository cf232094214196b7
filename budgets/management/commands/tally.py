"""`manage.py tally FILE.pb --rule RULE [--json]`: run the tally engine on a pabulib file."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budgets import tally as engine


class Command(BaseCommand):
    help = "Tally a pabulib .pb file with one of the published rules and print the winners."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--rule", required=True, choices=sorted(engine.RULES))
        parser.add_argument(
            "--threshold", type=int, default=0, help="minimum votes a project needs (default 0)"
        )
        parser.add_argument(
            "--tie-break", default="lexico", choices=["lexico", "fewer-cost", "lot"]
        )
        parser.add_argument("--seed", default=None, help="the published seed, for --tie-break lot")
        parser.add_argument(
            "--add1-stop", default="exhaustive", choices=["exhaustive", "overspend"]
        )
        parser.add_argument(
            "--points",
            action="store_true",
            help="greedy ranks by points (cumulative) or Borda points (ordinal), not by approvals",
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, file: Path, rule: str, **options):
        if options["tie_break"] == "lot" and not options["seed"]:
            raise CommandError("--tie-break lot needs --seed")
        try:
            election = engine.load(file)
        except FileNotFoundError as error:
            raise CommandError(f"{file}: no such file") from error
        except engine.PBFormatError as error:
            raise CommandError(f"{file}: {error}") from error
        try:
            tally_options = engine.Options(
                min_votes=options["threshold"],
                tie_break=options["tie_break"],
                seed=options["seed"],
                points=options["points"],
                add1_stop=options["add1_stop"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        result = engine.tally(engine.profile_from_election(election), rule, tally_options)
        selected = [str(project_id) for project_id in result.selected]
        if options["json"]:
            payload = {"rule": rule, "selected": selected, "cost": _number(result.total_cost)}
            self.stdout.write(json.dumps(payload))
            return
        self.stdout.write(
            f"{file.name}: {rule}, {result.num_voters} voters, budget {result.budget}"
        )
        for project in result.projects:
            if project.selected:
                self.stdout.write(f"  selected  {project.id:>8}  cost {project.cost}")
        self.stdout.write(
            f"{len(selected)} selected, total cost {result.total_cost} of {result.budget}"
        )


def _number(value):
    """Whole amounts as integers in JSON, others as they are."""
    return int(value) if value == int(value) else float(value)
