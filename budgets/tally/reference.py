"""Run the same rules with pabutools 1.2.3, the reference implementation (tests and benchmark only).

pabutools is imported lazily: the engine itself never needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

RULES = ("greedy", "mes", "mes-add1", "mes-add1-greedy")


def load_file(path: str, *, multiprofile: bool = False) -> tuple[Any, Any]:
    """Parse a .pb file with pabutools and read every ballot as approval of its listed projects."""
    from pabutools.election import (
        ApprovalBallot,
        ApprovalProfile,
        parse_pabulib,
    )

    instance, profile = parse_pabulib(path)
    if instance.meta["vote_type"] not in ("approval", "choose-1"):
        profile = ApprovalProfile(
            [ApprovalBallot(list(ballot)) for ballot in profile], instance=instance
        )
    return instance, (profile.as_multiprofile() if multiprofile else profile)


def build(
    ids: Sequence[str],
    costs: Sequence[int],
    budget: int,
    ballots: Sequence[Sequence[int]],
    *,
    multiprofile: bool = False,
) -> tuple[Any, Any]:
    """Build a pabutools instance and approval profile from plain lists (ballots hold indices)."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Instance, Project

    projects = [Project(name, cost) for name, cost in zip(ids, costs, strict=True)]
    instance = Instance(projects, budget_limit=budget)
    profile = ApprovalProfile(
        [ApprovalBallot([projects[i] for i in ballot]) for ballot in ballots], instance=instance
    )
    return instance, (profile.as_multiprofile() if multiprofile else profile)


def select(instance: Any, profile: Any, rule: str, *, add1_stop: str = "exhaustive") -> list[str]:
    """Return the project ids pabutools selects with one of our rule names, sorted."""
    from pabutools.election import Cost_Sat
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    mes_add1: dict[str, Any] = {"sat_class": Cost_Sat, "voter_budget_increment": 1}
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    elif rule in ("mes-add1", "mes-add1-greedy") and add1_stop == "overspend":
        # One currency unit per voter per step, stopping only when the next step overspends.
        outcome = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": Cost_Sat},
            exhaustive_stop=False,
            budget_step=profile.num_ballots(),
        )
        if rule == "mes-add1-greedy":
            outcome = greedy_utilitarian_welfare(
                instance, profile, sat_class=Cost_Sat, initial_budget_allocation=outcome
            )
    elif rule == "mes-add1":
        outcome = method_of_equal_shares(instance, profile, **mes_add1)
    elif rule == "mes-add1-greedy":
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [mes_add1, {"sat_class": Cost_Sat}],
        )
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return sorted(project.name for project in outcome)


def complete(instance: Any, profile: Any, start: Sequence[str]) -> list[str]:
    """pabutools' greedy completion of a recorded mes-add1 outcome (project ids), sorted.

    This is the second step of completion_by_rule_combination for mes-add1-greedy: an
    exhaustive outcome comes back unchanged, any other is completed by greedy_utilitarian_welfare.
    """
    from pabutools.election import Cost_Sat
    from pabutools.rules import greedy_utilitarian_welfare

    by_name = {project.name: project for project in instance}
    outcome = [by_name[name] for name in start]
    if not instance.is_exhaustive(outcome):
        outcome = greedy_utilitarian_welfare(
            instance, profile, sat_class=Cost_Sat, initial_budget_allocation=outcome
        )
    return sorted(project.name for project in outcome)


def mes_add1_stepwise(instance: Any, profile: Any, progress: Any = None) -> list[str]:
    """pabutools' mes-add1 with its loop written out: method_of_equal_shares once per step.

    method_of_equal_shares(voter_budget_increment=1) runs MES with budget / voters + k per
    voter for k = 0, 1, ... and returns the first outcome that is exhaustive over the projects
    MES can fund (supported, positive cost), or the one before the first that overspends.
    Step k here is pabutools' own MES on the instance with budget + k * voters, judged
    against the real budget (`mes_step`). Its own loop grows in memory with every step (past
    10 GiB on Józsefváros' 74,755 steps); separate calls do not.
    """
    previous: list[str] = []
    step = 0
    while True:
        selected, over, exhaustive = mes_step(instance, profile, step)
        if over:
            break
        previous = selected
        if exhaustive:
            break
        step += 1
        if progress is not None and step % 1000 == 0:
            progress(step)
    return previous


def mes_step(instance: Any, profile: Any, step: int) -> tuple[list[str], bool, bool]:
    """Step k of pabutools' mes-add1 loop: MES with budget / voters + k per voter.

    Returns the selected project ids (sorted), whether they overspend the real budget and
    whether they are exhaustive over the projects MES can fund (supported, positive cost).
    """
    from pabutools.election import Cost_Sat
    from pabutools.rules import method_of_equal_shares

    budget = instance.budget_limit
    fundable = [p for p in instance if p.cost > 0 and any(p in ballot for ballot in profile)]
    instance.budget_limit = budget + step * profile.num_ballots()
    try:
        outcome = list(method_of_equal_shares(instance, profile, sat_class=Cost_Sat))
    finally:
        instance.budget_limit = budget
    spent = sum(p.cost for p in outcome)
    exhaustive = all(p in outcome or spent + p.cost > budget for p in fundable)
    return sorted(p.name for p in outcome), spent > budget, exhaustive
