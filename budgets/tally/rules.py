"""The four rules by name, each returning a TallyResult that explains every project."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from fractions import Fraction

from . import equal_shares as mes_engine
from .greedy import greedy_select
from .profile import Options, Profile, eligible
from .result import (
    BELOW_THRESHOLD,
    COMPLETION,
    FREE,
    NO_SUPPORT,
    SELECTED,
    UNAFFORDABLE,
    ProjectResult,
    TallyResult,
)


def greedy(profile: Profile, options: Options | None = None) -> TallyResult:
    """Most votes (or points, with options.points) first; skip what no longer fits."""
    options = options or Options()
    chosen, notes = greedy_select(profile, options)
    projects = [
        _project(profile, p, status, round_=_round(chosen, p), budget_left=left)
        if status != BELOW_THRESHOLD
        else _project(profile, p, status)
        for p, (status, left) in sorted(notes.items())
    ]
    return _result("greedy", profile, options, chosen, projects)


def mes(profile: Profile, options: Options | None = None) -> TallyResult:
    """Method of Equal Shares with cost satisfaction, no completion."""
    options = options or Options()
    inst = mes_engine.Instance(profile, options)
    voter_budget = Fraction(profile.budget, max(profile.num_voters, 1))
    run = _final(inst, _arrays(profile, inst), voter_budget)
    return _mes_result("mes", profile, options, inst, run, None)


def mes_add1(profile: Profile, options: Options | None = None) -> TallyResult:
    """MES, adding one currency unit per voter until exhaustive (or until it would overspend)."""
    options = options or Options()
    inst = mes_engine.Instance(profile, options)
    run, increments = _add1(profile, options, inst)
    return _mes_result("mes-add1", profile, options, inst, run, increments)


def mes_add1_greedy(profile: Profile, options: Options | None = None) -> TallyResult:
    """mes-add1, then greedy over the projects that still fit."""
    base = mes_add1(profile, options)
    options = base.options
    index = {pid: i for i, pid in enumerate(profile.ids)}
    start = [index[pid] for pid in base.selected]
    added, notes = greedy_select(profile, options, start)
    projects = list(base.projects)
    for p in added:
        projects[p] = replace(
            projects[p],
            selected=True,
            status=COMPLETION,
            round=len(start) + added.index(p) + 1,
            budget_left=notes[p][1],
        )
    for p, (status, left) in notes.items():
        if p not in added and status != BELOW_THRESHOLD:
            projects[p] = replace(projects[p], budget_left=left)
    result = _result("mes-add1-greedy", profile, options, start + added, projects)
    return replace(result, voter_budget=base.voter_budget, increments=base.increments)


RULES: dict[str, Callable[[Profile, Options | None], TallyResult]] = {
    "greedy": greedy,
    "mes": mes,
    "mes-add1": mes_add1,
    "mes-add1-greedy": mes_add1_greedy,
}


def tally(profile: Profile, rule: str, options: Options | None = None) -> TallyResult:
    """Run a rule by its name (greedy, mes, mes-add1, mes-add1-greedy)."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")
    return RULES[rule](profile, options)


def _add1(
    profile: Profile, options: Options, inst: mes_engine.Instance
) -> tuple[mes_engine.Run | None, int | None]:
    """The MES run pabutools' +1-per-voter loop ends with, and its number of increments.

    The compiled scan (`fast`) finds the first step that stops the loop; a step its floats
    cannot settle is run exactly here (`settle`). The final run is exact (`_final`).
    """
    from . import fast  # numba: imported only when an Add1 rule runs

    start = Fraction(profile.budget, max(profile.num_voters, 1))
    unit = profile.unit
    # exhaustion_by_budget_increase stops once the total budget passes budget * (voters + 1).
    last = profile.budget // unit if options.add1_stop == "overspend" else None
    exhaustive = options.add1_stop == "exhaustive"

    def settle(step: int) -> int | None:
        """A step the compiled scan could not settle, run exactly: does it stop the loop?"""
        run = mes_engine.run(inst, start + step * unit)
        chosen = inst.free + run.winners
        spent = sum(profile.costs[p] for p in chosen)
        if spent > profile.budget:
            return fast.OVER
        if exhaustive and _exhaustive(profile, inst, chosen, spent):
            return fast.EXHAUSTIVE
        return None

    data = _arrays(profile, inst)
    code, step = fast.first_stop(data, start, unit, profile.budget, last, exhaustive, settle)
    previous = step - 1 if code == fast.OVER else step
    if previous < 0:
        return None, None
    return _final(inst, data, start + previous * unit), previous


def _arrays(profile: Profile, inst: mes_engine.Instance):
    from . import fast  # numba: imported only when an MES rule runs

    return fast.arrays(profile, inst.active, inst.ranks)


def _final(inst: mes_engine.Instance, data, voter_budget: Fraction) -> mes_engine.Run:
    """The MES run a rule reports, exact: the compiled run finds the winners, and `replay`
    works out their exact prices; where the compiled run is in doubt, the exact engine runs."""
    from . import fast

    winners = fast.winners(data, voter_budget)
    if winners is None:
        return mes_engine.run(inst, voter_budget, exact=True)
    return mes_engine.replay(inst, voter_budget, winners)


def _exhaustive(profile: Profile, inst: mes_engine.Instance, chosen: list[int], spent: int) -> bool:
    """No project MES could have chosen still fits (pabutools' is_exhaustive over its projects)."""
    left = profile.budget - spent
    taken = set(chosen)
    return not any(
        profile.costs[p] <= left for p in inst.active.nonzero()[0].tolist() if p not in taken
    )


def _mes_result(
    rule: str,
    profile: Profile,
    options: Options,
    inst: mes_engine.Instance,
    run: mes_engine.Run | None,
    increments: int | None,
) -> TallyResult:
    winners = run.winners if run is not None else []
    allowed = eligible(profile, options)
    projects = []
    for p in range(len(profile.ids)):
        if p in inst.free:
            projects.append(_project(profile, p, SELECTED, round_=0))
        elif p in winners:
            step = winners.index(p)
            price = run.prices[step]
            projects.append(
                _project(
                    profile,
                    p,
                    SELECTED,
                    round_=step + 1,
                    price=profile.money(price),
                    effective_support=Fraction(profile.costs[p]) / price,
                )
            )
        elif not allowed[p]:
            projects.append(_project(profile, p, BELOW_THRESHOLD))
        elif profile.costs[p] == 0:
            projects.append(_project(profile, p, FREE))
        elif not inst.active[p]:
            projects.append(_project(profile, p, NO_SUPPORT))
        else:
            money = None if run is None else float(run.money_left[p]) / profile.unit
            dropped = None if run is None else run.dropped.get(p, len(winners) + 1)
            projects.append(
                _project(profile, p, UNAFFORDABLE, supporters_money=money, dropped_round=dropped)
            )
    result = _result(rule, profile, options, inst.free + winners, projects)
    if run is None:
        return result
    return replace(
        result, voter_budget=Fraction(run.voter_budget) / profile.unit, increments=increments
    )


def _project(profile: Profile, p: int, status: str, round_: int | None = None, **details):
    votes = profile.votes
    return ProjectResult(
        id=profile.ids[p],
        cost=profile.money(profile.costs[p]),
        votes=int(votes[p]),
        points=profile.points[p],
        selected=status == SELECTED,
        status=status,
        round=round_,
        **{k: (profile.money(v) if k == "budget_left" else v) for k, v in details.items()},
    )


def _round(chosen: Sequence[int], p: int) -> int | None:
    return chosen.index(p) + 1 if p in chosen else None


def _result(rule, profile, options, chosen, projects) -> TallyResult:
    return TallyResult(
        rule=rule,
        options=options,
        budget=profile.money(profile.budget),
        total_cost=profile.money(sum(profile.costs[p] for p in chosen)),
        num_voters=profile.num_voters,
        selected=tuple(profile.ids[p] for p in chosen),
        projects=tuple(projects),
    )
