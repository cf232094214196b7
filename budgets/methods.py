"""The ballot methods' rules: what a ballot may hold and what it leaves.

No database access: callers pass the pool's settings and the costs of the projects on the
ballot, read from the database (never from a form). The same check backs the live summary
on the ballot page and the service that stores the ballot.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.models import BallotMethod, Pool
from civic.formatting import money
from civic.http import parse_id


@dataclass(frozen=True)
class BallotSpec:
    """A pool's ballot method and limits."""

    method: str
    amount: Decimal
    currency: str
    min_choices: int
    max_choices: int | None
    points_total: int
    points_per_project: int
    points_exact: bool

    @classmethod
    def of(cls, pool: Pool) -> "BallotSpec":
        return cls(
            method=pool.method,
            amount=Decimal(pool.amount),
            currency=pool.currency,
            min_choices=pool.min_choices,
            max_choices=pool.max_choices,
            points_total=pool.points_total,
            points_per_project=pool.points_per_project,
            points_exact=pool.points_exact,
        )

    @property
    def uses_points(self) -> bool:
        return self.method == BallotMethod.CUMULATIVE

    @property
    def uses_money(self) -> bool:
        return self.method == BallotMethod.KNAPSACK


@dataclass
class Summary:
    """What a ballot holds, what it leaves, and what stops it from being cast."""

    picks: int = 0
    cost: Decimal = Decimal(0)
    points: int = 0
    money_left: Decimal = Decimal(0)
    picks_left: int | None = None
    points_left: int = 0
    problems: list[str] = field(default_factory=list)
    line_problems: dict[int, str] = field(default_factory=dict)
    line_notes: dict[int, str] = field(default_factory=dict)

    @property
    def castable(self) -> bool:
        return not self.problems and not self.line_problems


class ChoiceError(ValueError):
    """Form input that cannot be read as a ballot (non-numeric, negative, duplicate)."""


def choices_from_form(
    data: Mapping, *, spec: BallotSpec, item_ids: Iterable[int]
) -> dict[int, int]:
    """Read a ballot form: `choice` ids (approval, knapsack) or `points-<id>` (cumulative).

    Raises ChoiceError with a message a resident can act on; ids are checked against the
    ballot later, by `summarise`.
    """
    if spec.uses_points:
        choices: dict[int, int] = {}
        for item_id in item_ids:
            raw = (data.get(f"points-{item_id}") or "").strip()
            if not raw:
                continue
            # Nine digits are more points than any ballot gives; longer text is no number.
            if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 10:
                raise ChoiceError(_("Points must be whole numbers, such as 0, 1 or 2."))
            value = int(raw)
            if value < 0:
                raise ChoiceError(_("Points cannot be negative."))
            if value > 0:
                choices[item_id] = value
        return choices
    raw_ids = data.getlist("choice") if hasattr(data, "getlist") else list(data.get("choice", []))
    chosen: dict[int, int] = {}
    for raw in raw_ids:
        item_id = parse_id(str(raw))
        if item_id is None:
            raise ChoiceError(_("The ballot names a project that does not exist."))
        if item_id in chosen:
            raise ChoiceError(_("The ballot lists the same project twice."))
        chosen[item_id] = 1
    return chosen


def summarise(
    spec: BallotSpec,
    costs: Mapping[int, Decimal],
    choices: Mapping[int, int],
    *,
    explain: bool = True,
) -> Summary:
    """Check `choices` (proposal id → weight) against the method; say what is left.

    `costs` holds exactly the projects on the ballot. Every problem is a sentence for the
    resident; `line_notes` explain why an unchosen project cannot be added (only with
    `explain`: storing a ballot needs the verdict, not the notes).
    """
    summary = Summary()
    unknown = [pid for pid in choices if pid not in costs]
    if unknown:
        summary.problems.append(_("The ballot names a project that is not on this ballot."))
        return summary
    summary.picks = len(choices)
    summary.cost = sum((costs[pid] for pid in choices), Decimal(0))
    summary.points = sum(choices.values())
    summary.money_left = spec.amount - summary.cost
    if spec.uses_points:
        _check_points(spec, costs, choices, summary)
    else:
        _check_picks(spec, costs, choices, summary, explain)
    return summary


def _check_picks(spec: BallotSpec, costs, choices, summary: Summary, explain: bool) -> None:
    if any(weight != 1 for weight in choices.values()):
        summary.problems.append(_("A project is either chosen or not; it cannot get points."))
    if spec.max_choices is not None:
        summary.picks_left = spec.max_choices - summary.picks
        if summary.picks_left < 0:
            summary.problems.append(
                ngettext(
                    "You can choose at most %(max)d project; remove %(over)d.",
                    "You can choose at most %(max)d projects; remove %(over)d.",
                    spec.max_choices,
                )
                % {"max": spec.max_choices, "over": -summary.picks_left}
            )
    if summary.picks < max(spec.min_choices, 1):
        summary.problems.append(
            ngettext(
                "Choose at least %(min)d project.",
                "Choose at least %(min)d projects.",
                max(spec.min_choices, 1),
            )
            % {"min": max(spec.min_choices, 1)}
        )
    if spec.uses_money and summary.money_left < 0:
        summary.problems.append(
            _("These projects cost %(cost)s, more than the pool’s %(amount)s: remove %(over)s.")
            % {
                "cost": money(summary.cost, spec.currency),
                "amount": money(spec.amount, spec.currency),
                "over": money(-summary.money_left, spec.currency),
            }
        )
    for pid, cost in costs.items() if explain else ():
        if pid in choices:
            continue
        if summary.picks_left is not None and summary.picks_left <= 0:
            summary.line_notes[pid] = _("You have used all your picks.")
        elif spec.uses_money and cost > summary.money_left:
            summary.line_notes[pid] = _("Adding this would exceed the pool by %(over)s.") % {
                "over": money(cost - max(summary.money_left, Decimal(0)), spec.currency)
            }


def _check_points(spec: BallotSpec, costs, choices, summary: Summary) -> None:
    summary.points_left = spec.points_total - summary.points
    for pid, weight in choices.items():
        if weight > spec.points_per_project:
            summary.line_problems[pid] = ngettext(
                "At most %(cap)d point per project.",
                "At most %(cap)d points per project.",
                spec.points_per_project,
            ) % {"cap": spec.points_per_project}
    if summary.points_left < 0:
        summary.problems.append(
            ngettext(
                "You have %(total)d point to give; remove %(over)d.",
                "You have %(total)d points to give; remove %(over)d.",
                spec.points_total,
            )
            % {"total": spec.points_total, "over": -summary.points_left}
        )
    elif summary.points == 0:
        summary.problems.append(_("Give at least one point."))
    elif spec.points_exact and summary.points_left > 0:
        summary.problems.append(
            ngettext(
                "Give all your points: %(left)d is still to give.",
                "Give all your points: %(left)d are still to give.",
                summary.points_left,
            )
            % {"left": summary.points_left}
        )
