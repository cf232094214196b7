"""The input of every rule: costs, budget and the ballots compressed to distinct approval sets."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from math import lcm

import numpy as np

from .pb import POINTS_TYPES, Election, Number

TIE_BREAKS = ("lexico", "fewer-cost", "lot")
ADD1_STOPS = ("exhaustive", "overspend")


@dataclass(frozen=True)
class Options:
    """How a rule runs; printed in the report next to the result."""

    min_votes: int = 0
    tie_break: str = "lexico"
    seed: str | None = None
    points: bool = False
    add1_stop: str = "exhaustive"
    no_skip: bool = False

    def __post_init__(self) -> None:
        if self.tie_break not in TIE_BREAKS:
            raise ValueError(f"tie_break must be one of {TIE_BREAKS}, not {self.tie_break!r}")
        if self.tie_break == "lot" and not self.seed:
            raise ValueError("tie_break 'lot' needs a seed")
        if self.add1_stop not in ADD1_STOPS:
            raise ValueError(f"add1_stop must be one of {ADD1_STOPS}, not {self.add1_stop!r}")
        if self.min_votes < 0:
            raise ValueError("min_votes must not be negative")


@dataclass(frozen=True, eq=False)
class Profile:
    """Projects, budget and distinct ballots with multiplicities, in integer money units.

    Costs and budget are multiplied by `unit` so that they are integers (unit is 1 unless the file
    has fractional costs); one currency unit is `unit` money units.
    """

    ids: tuple[str, ...]
    costs: tuple[int, ...]
    budget: int
    approvals: np.ndarray = field(repr=False)  # (distinct ballots, projects) bool
    counts: np.ndarray = field(repr=False)  # (distinct ballots,) int64 multiplicities
    points: tuple[Number, ...]  # total points per project (approval count for approval ballots)
    num_voters: int  # every ballot, empty ones included: they share the budget in MES
    unit: int = 1

    @cached_property
    def votes(self) -> np.ndarray:
        """Number of voters listing each project."""
        return self.counts @ self.approvals.astype(np.int64)

    def money(self, amount: Number) -> Number:
        """Convert money units back to currency units."""
        value = Fraction(amount, self.unit)
        return value.numerator if value.denominator == 1 else value


def make_profile(
    ids: Sequence[str],
    costs: Sequence[Number],
    budget: Number,
    ballots: Iterable[Sequence[int]],
    points: Iterable[Sequence[Number]] | None = None,
) -> Profile:
    """Build a Profile from plain lists; ballots hold project indices, points (if any) align."""
    unit = lcm(*(Fraction(x).denominator for x in (*costs, budget)))
    sets: Counter[tuple[int, ...]] = Counter()
    totals = [0] * len(ids)
    if points is None:
        for ballot in ballots:
            sets[tuple(sorted(ballot))] += 1
    else:
        for ballot, given in zip(ballots, points, strict=True):
            sets[tuple(sorted(ballot))] += 1
            for index, value in zip(ballot, given, strict=True):
                totals[index] += value
    num_voters = sum(sets.values())
    sets.pop((), None)
    approvals = np.zeros((len(sets), len(ids)), dtype=bool)
    counts = np.fromiter(sets.values(), dtype=np.int64, count=len(sets))
    for row, ballot in enumerate(sets):
        approvals[row, list(ballot)] = True
    if points is None:
        totals = (counts @ approvals.astype(np.int64)).tolist()
    return Profile(
        ids=tuple(ids),
        costs=tuple(int(Fraction(c) * unit) for c in costs),
        budget=int(Fraction(budget) * unit),
        approvals=approvals,
        counts=counts,
        points=tuple(totals),
        num_voters=num_voters,
        unit=unit,
    )


def profile_from_election(election: Election) -> Profile:
    """Profile of a parsed `.pb` file; every ballot is read as approval of the projects it lists.

    Points (used by greedy with Options.points) are the file's points for cumulative and scoring
    ballots and Borda points for ordinal ones: with ballots of up to L projects, the first listed
    gets L, the next L - 1, and so on (Kraków's rule).
    """
    index = {project_id: i for i, project_id in enumerate(election.projects)}
    ballots = [[index[p] for p in vote.projects] for vote in election.votes]
    points: list[Sequence[Number]] | None = None
    if election.vote_type in POINTS_TYPES:
        points = [vote.points or () for vote in election.votes]
    elif election.vote_type == "ordinal":
        longest = max((len(ballot) for ballot in ballots), default=0)
        top = int(election.meta.get("max_length") or longest)
        points = [range(top, top - len(ballot), -1) for ballot in ballots]
    return make_profile(
        list(election.projects),
        [project.cost for project in election.projects.values()],
        election.budget,
        ballots,
        points,
    )


def tie_ranks(profile: Profile, options: Options) -> np.ndarray:
    """Rank of every project in the tie-break order (0 wins every tie)."""
    if options.tie_break == "lexico":
        keys: list[tuple] = [(pid,) for pid in profile.ids]
    elif options.tie_break == "fewer-cost":
        keys = [(cost, pid) for pid, cost in zip(profile.ids, profile.costs, strict=True)]
    else:
        # The seed is published before voting closes, so anyone can recompute this order.
        keys = [(lot_key(options.seed or "", pid), pid) for pid in profile.ids]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys))
    return ranks


def lot_key(seed: str, project_id: str) -> str:
    """A project's place in the drawn order: SHA-256 of the seed and the project id."""
    return hashlib.sha256(f"{seed}\x00{project_id}".encode()).hexdigest()


def eligible(profile: Profile, options: Options) -> np.ndarray:
    """Projects that pass the minimum-votes threshold (bool per project)."""
    return profile.votes >= options.min_votes
