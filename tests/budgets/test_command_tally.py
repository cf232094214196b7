import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from budgets import tally as engine

PABULIB = Path(__file__).resolve().parents[3] / "shared" / "pabulib"
ASSEN = PABULIB / "Netherlands_Assen_2024.pb"


def official(path: Path) -> set[str]:
    election = engine.load(path)
    return {
        pid for pid, project in election.projects.items() if project.extra.get("selected") == "1"
    }


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("tally", *map(str, args), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_tally_json_reproduces_assen_official_outcome():
    result = run(ASSEN, "--rule", "mes-add1")
    assert result["rule"] == "mes-add1"
    assert all(isinstance(pid, str) for pid in result["selected"])
    assert set(result["selected"]) == official(ASSEN)
    costs = engine.load(ASSEN).projects
    assert result["cost"] == sum(costs[pid].cost for pid in result["selected"])


def test_tally_greedy_threshold_excludes_projects():
    everyone = run(ASSEN, "--rule", "greedy")
    strict = run(ASSEN, "--rule", "greedy", "--threshold", "10_000")
    assert everyone["selected"] and strict["selected"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("META\nkey;value\nbudget;10\n", "missing section PROJECTS"),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nnum_projects;1\nnum_votes;1\n"
            "PROJECTS\nproject_id;cost\n1;abc\nVOTES\nvoter_id;vote\n1;1\n",
            "line 9",
        ),
    ],
)
def test_tally_malformed_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.pb"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("tally", str(path), "--rule", "mes", "--json")


def test_tally_lot_needs_a_seed():
    with pytest.raises(CommandError, match="seed"):
        call_command("tally", str(ASSEN), "--rule", "greedy", "--tie-break", "lot", "--json")
