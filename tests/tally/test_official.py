"""The engine reproduces what cities officially funded (PROJECTS column `selected`)."""

import pytest

from budgets.tally import Options, load, profile_from_election, tally

from .helpers import PABULIB

# file, rule, options: how each city counted (from its META rule and comment).
OFFICIAL = [
    ("Netherlands_Assen_2024.pb", "mes-add1", Options()),
    ("Poland_Swiecie_2023.pb", "mes-add1", Options()),
    ("Poland_Swiecie_2023.pb", "mes-add1-greedy", Options()),
    ("Poland_Czestochowa_2024.pb", "greedy", Options(points=True)),  # cumulative points
    ("Poland_Krakow_2024.pb", "greedy", Options(points=True)),  # Borda points 3-2-1
    ("Poland_Warszawa_2023_Mokotow.pb", "greedy", Options()),
    ("Poland_Wroclaw_2015_150_-_500.pb", "greedy", Options(no_skip=True)),  # greedy-no-skip
]


@pytest.mark.parametrize(("name", "rule", "options"), OFFICIAL, ids=lambda v: str(v)[:40])
def test_official_outcome_reproduced(name, rule, options):
    election = load(PABULIB / name)
    official = {p.id for p in election.projects.values() if p.extra["selected"].strip() == "1"}
    result = tally(profile_from_election(election), rule, options)
    assert set(result.selected) == official
