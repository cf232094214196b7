"""Greedy by votes (or points): pabutools' greedy_utilitarian_welfare with cost satisfaction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .profile import Options, Profile, eligible, tie_ranks
from .result import BELOW_THRESHOLD, DOES_NOT_FIT, NOT_REACHED, SELECTED


def greedy_order(profile: Profile, options: Options, allowed: np.ndarray) -> list[int]:
    """Allowed projects from most to fewest votes (or points), ties by the tie-break."""
    # With cost satisfaction, satisfaction per unit of cost is exactly the vote count, so the
    # ranking is by votes (integers: no rounding can reorder it).
    scores = profile.points if options.points else profile.votes.tolist()
    ranks = tie_ranks(profile, options)
    return sorted(np.flatnonzero(allowed).tolist(), key=lambda p: (-scores[p], ranks[p]))


def greedy_select(
    profile: Profile,
    options: Options,
    initial: Sequence[int] = (),
) -> tuple[list[int], dict[int, tuple[str, int]]]:
    """Run greedy after `initial`; return the added projects and (status, money left) of each."""
    allowed = eligible(profile, options)
    allowed[list(initial)] = False
    left = profile.budget - sum(profile.costs[p] for p in initial)
    chosen: list[int] = []
    notes: dict[int, tuple[str, int]] = {}
    stopped = False
    for project in greedy_order(profile, options, allowed):
        cost = profile.costs[project]
        if not stopped and cost <= left:
            chosen.append(project)
            notes[project] = (SELECTED, left)
            left -= cost
        else:
            notes[project] = (NOT_REACHED if stopped else DOES_NOT_FIT, left)
            stopped = options.no_skip
    for project in np.flatnonzero(~eligible(profile, options)):
        notes[int(project)] = (BELOW_THRESHOLD, left)
    return chosen, notes
