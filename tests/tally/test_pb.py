from fractions import Fraction
from pathlib import Path

import pytest

from budgets.tally import PBFormatError, dumps, load, loads, sha256_election, sha256_file

from .helpers import PABULIB, SHARED_FILES

SMALL = '''META
key;value
description;"A test; with ""quotes"""
num_projects;3
num_votes;3
budget;100.5
vote_type;cumulative
PROJECTS
project_id;cost;name;selected
1;50;"Park; trees";1
2;40,25;Bench;0
3;0;Free;1
VOTES
voter_id;vote;points;age
a;1,2;3,2;30
b;;;41
c;3;5;
'''


def test_loads_reads_sections_columns_and_numbers():
    election = loads(SMALL)
    assert election.meta["description"] == 'A test; with "quotes"'
    assert election.budget == Fraction(201, 2)
    assert election.vote_type == "cumulative"
    assert election.projects["1"].extra == {"name": "Park; trees", "selected": "1"}
    assert election.projects["2"].cost == Fraction(4025, 100)
    assert election.votes[0].projects == ("1", "2")
    assert election.votes[0].points == (3, 2)
    assert election.votes[0].extra == {"age": "30"}
    assert election.votes[1].projects == () and election.votes[1].points == ()


def test_dumps_round_trips_small_file():
    election = loads(SMALL)
    assert loads(dumps(election)) == election
    assert dumps(loads(dumps(election))) == dumps(election)


@pytest.mark.parametrize("name", SHARED_FILES)
def test_round_trip_shared_file(name):
    election = load(PABULIB / name)
    assert loads(dumps(election)) == election


def test_parse_largest_file_reads_every_vote():
    # Its speed is measured in bench/tally.py (parse time column), not asserted here.
    election = load(PABULIB / "Poland_Wroclaw_2015_150_-_500.pb")
    assert len(election.votes) == 131778


def test_sha256_election_ignores_formatting_but_not_ballots(tmp_path: Path):
    election = loads(SMALL)
    reformatted = loads(SMALL.replace("\n", "\r\n").replace("40,25", "40.250"))
    assert sha256_election(reformatted) == sha256_election(election)
    election.votes.pop()
    assert sha256_election(election) != sha256_election(reformatted)
    path = tmp_path / "x.pb"
    path.write_text(SMALL)
    assert sha256_file(path) == sha256_file(path) and len(sha256_file(path)) == 64


def _break(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (_break("PROJECTS\n", "BALLOTS\n"), 8, "unknown section 'BALLOTS'"),
        ("key;value\n" + SMALL, 1, "expected the META section first"),
        (_break("project_id;cost;name", "project_id;price;name"), 9, "no 'cost' column"),
        (_break("voter_id;vote;points", "voter_id;ballot;points"), 14, "no 'vote' column"),
        (_break("voter_id;vote;points;age", "voter_id;vote;age"), 14, "no 'points' column"),
        (_break("a;1,2;3,2;30", "a;1,7;3,2;30"), 15, "vote for unknown project '7'"),
        (_break("2;40,25;Bench", "2;forty;Bench"), 11, "cost 'forty' of project '2'"),
        (_break("c;3;5;", "a;3;5;"), 17, "duplicate voter id 'a'"),
        (_break("3;0;Free;1", "1;0;Free;1"), 12, "duplicate project id '1'"),
        (_break("budget;100.5", "budget;lots"), 8, "budget 'lots' is not a number"),
        (_break("vote_type;cumulative", "vote_type;borda"), 8, "unknown vote_type 'borda'"),
        (_break("a;1,2;3,2;30", "a;1,2;3;30"), 15, "2 projects but 1 points"),
        (_break("a;1,2;3,2;30", "a;1,2;3,x;30"), 15, "points '3,x' are not numbers"),
        (_break("b;;;41", "b;;41"), 16, "expected 4 fields, got 3"),
        (_break("a;1,2;3,2;30", "a;1,1;3,2;30"), 15, "lists a project twice"),
        (SMALL[: SMALL.index("VOTES")], 13, "missing section VOTES"),
    ],
)
def test_malformed_file_names_line_and_problem(text, line, problem):
    with pytest.raises(PBFormatError) as caught:
        loads(text)
    assert caught.value.line == line
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"line {line}: ")
