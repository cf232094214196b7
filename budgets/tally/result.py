"""What a tally returns: every project's numbers and outcome, enough to explain each decision."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from .pb import Number
from .profile import Options

# Why a project ended where it did.
SELECTED = "selected"  # chosen by the rule itself (MES round or greedy order)
COMPLETION = "selected-by-completion"  # added by greedy after mes-add1
BELOW_THRESHOLD = "below-threshold"  # fewer votes than Options.min_votes
FREE = "free"  # MES: costs nothing, and MES (as pabutools) only funds what costs something
NO_SUPPORT = "no-support"  # MES: nobody voted for it, so nobody can pay for it
UNAFFORDABLE = "unaffordable"  # MES: its supporters' money ran out (see supporters_money)
DOES_NOT_FIT = "does-not-fit"  # greedy: costs more than what was left when its turn came
NOT_REACHED = "not-reached"  # greedy with no_skip: stopped at an earlier project


@dataclass(frozen=True)
class ProjectResult:
    """One project's numbers and outcome."""

    id: str
    cost: Number
    votes: int
    points: Number
    selected: bool
    status: str
    round: int | None = None  # 1-based order of selection (0: free project taken up front)
    effective_support: Fraction | None = None  # MES: cost / price per paying voter at selection
    price: Fraction | None = None  # MES: most any supporter paid (currency units)
    supporters_money: float | None = None  # MES, not selected: what its supporters had left
    dropped_round: int | None = None  # MES, not selected: round from which it was unaffordable
    budget_left: Number | None = None  # greedy: money left when its turn came


@dataclass(frozen=True)
class TallyResult:
    """The outcome of one rule over one profile."""

    rule: str
    options: Options
    budget: Number
    total_cost: Number
    num_voters: int
    selected: tuple[str, ...]  # in selection order
    projects: tuple[ProjectResult, ...]  # in input order
    voter_budget: Fraction | None = None  # MES: each voter's starting budget in the final run
    increments: int | None = None  # add1: currency units added per voter

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (fractions as strings)."""
        return _plain(asdict(self))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Fraction):
        return str(value)
    return value
