"""Shared data for the tally tests: the pabulib files and pabutools' recorded results."""

import json
from functools import cache
from pathlib import Path

from budgets.tally import Profile, load, profile_from_election

ROOT = Path(__file__).resolve().parents[2]
PABULIB = ROOT.parent / "shared" / "pabulib"
EXPECTED = Path(__file__).parent / "data" / "pabutools_expected.json"
SHARED_FILES = sorted(path.name for path in PABULIB.glob("*.pb"))


@cache
def shared_profile(name: str) -> Profile:
    """Profile of a shared pabulib file, parsed once per test session."""
    return profile_from_election(load(PABULIB / name))


@cache
def expected() -> dict:
    """pabutools 1.2.3's selected sets, recorded by bench/pabutools_expected.py."""
    return json.loads(EXPECTED.read_text())
