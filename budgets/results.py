"""A pool's results as pages and reports show them, built from one finished official tally.

The results page, the PDF report and the council's summary all read `pool_results`, so the
numbers a resident sees are the numbers the council approved. Reasons and explanations are
translated when this is called: activate the reader's language first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.models import (
    AgeBand,
    Ballot,
    BallotFreeze,
    BallotMethod,
    Channel,
    Pool,
    Report,
    Tally,
    TallyRule,
    TieBreak,
)
from budgets.tally import result as outcome
from civic.formatting import money, number
from districts.models import CensusRecord, Neighbourhood


@dataclass(frozen=True)
class ProjectRow:
    """One project on the ballot and what the count made of it."""

    project_id: str  # the id in the ballots file: the proposal's external id or its pk
    proposal_id: int | None
    title: str
    cost: Decimal
    votes: int  # ballots that chose it
    points: int | None  # cumulative ballots: points it received
    selected: bool
    status: str  # budgets.tally.result status code
    round: int | None
    reason: str  # one line in plain language, in the active language


@dataclass(frozen=True)
class TurnoutRow:
    label: str
    ballots: int
    eligible: int | None

    @property
    def percent(self) -> Decimal | None:
        if not self.eligible:
            return None
        return (Decimal(self.ballots) * 100 / self.eligible).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Turnout:
    ballots: int
    eligible: int
    online: int
    paper: int
    by_neighbourhood: list[TurnoutRow] = field(default_factory=list)
    by_age_band: list[TurnoutRow] = field(default_factory=list)

    @property
    def percent(self) -> Decimal | None:
        return TurnoutRow("", self.ballots, self.eligible).percent


@dataclass(frozen=True)
class PoolResults:
    pool: Pool
    tally: Tally
    report: Report | None
    rows: list[ProjectRow]  # selected first, in order of selection; then by votes
    amount: Decimal
    allocated: Decimal
    turnout: Turnout
    rule: str  # the rule's name, translated
    rule_explained: str
    tie_break_explained: str
    digest: str  # SHA-256 of the ballots file
    recount: str  # the pabutools call that recounts the ballots file

    @property
    def left(self) -> Decimal:
        return self.amount - self.allocated

    @property
    def winners(self) -> list[ProjectRow]:
        return [row for row in self.rows if row.selected]

    @property
    def uses_points(self) -> bool:
        return self.pool.method == BallotMethod.CUMULATIVE


def official_tally(pool: Pool) -> Tally | None:
    """The latest finished official tally of the pool (the one a new report would show)."""
    return (
        Tally.objects.filter(pool=pool, official=True, state=Tally.State.DONE)
        .order_by("-run", "-finished_at", "-id")
        .first()
    )


def pool_results(*, pool: Pool, tally: Tally, report: Report | None = None) -> PoolResults:
    """Everything a results page or report shows about one finished tally of the pool."""
    from proposals.models import Proposal

    data = tally.result or {}
    proposals = {
        (p.external_id or str(p.pk)): p
        for p in Proposal.objects.filter(pool=pool).only("id", "external_id", "title", "pool_id")
    }
    options = data.get("options") or {}
    rows = []
    for project in data.get("projects", []):
        proposal = proposals.get(project["id"])
        rows.append(
            ProjectRow(
                project_id=project["id"],
                proposal_id=proposal.pk if proposal else None,
                title=proposal.title if proposal else project["id"],
                cost=Decimal(str(project["cost"])),
                votes=int(project["votes"]),
                points=int(project["points"])
                if pool.method == BallotMethod.CUMULATIVE and project.get("points") is not None
                else None,
                selected=bool(project["selected"]),
                status=project["status"],
                round=project.get("round"),
                reason=_reason(pool, project, options),
            )
        )
    rows.sort(
        key=lambda row: (
            not row.selected,
            row.round if row.selected and row.round is not None else 0,
            -(row.points if row.points is not None else row.votes),
            row.title,
        )
    )
    allocated = sum((row.cost for row in rows if row.selected), Decimal(0))
    freeze = BallotFreeze.objects.filter(pool=pool).first()
    return PoolResults(
        pool=pool,
        tally=tally,
        report=report,
        rows=rows,
        amount=Decimal(pool.amount),
        allocated=allocated,
        turnout=pool_turnout(pool=pool),
        rule=TallyRule(tally.rule).label,
        rule_explained=rule_explained(tally.rule, pool),
        tie_break_explained=tie_break_explained(options.get("tie_break") or pool.tie_break),
        digest=freeze.digest if freeze else tally.digest,
        recount=recount_call(tally.rule, options),
    )


def pool_turnout(*, pool: Pool) -> Turnout:
    """Counted ballots against the residents old enough to vote, overall and by group."""
    year = pool.dates.voting_ends.year
    eligible = CensusRecord.objects.filter(
        district_id=pool.district_id, birth_year__lte=year - pool.min_age
    )
    ballots = Ballot.objects.filter(pool=pool, held=False)
    counts = ballots.aggregate(
        total=Count("id"),
        online=Count("id", filter=Q(channel=Channel.ONLINE)),
        paper=Count("id", filter=Q(channel=Channel.PAPER)),
    )
    by_place = dict(
        ballots.values_list("neighbourhood_id")
        .annotate(n=Count("id"))
        .values_list("neighbourhood_id", "n")
    )
    of_place = dict(
        eligible.values_list("neighbourhood_id")
        .annotate(n=Count("id"))
        .values_list("neighbourhood_id", "n")
    )
    names = {n.pk: str(n) for n in Neighbourhood.objects.filter(district_id=pool.district_id)}
    places = sorted({*by_place, *of_place}, key=lambda pk: (pk is None, names.get(pk, "")))
    by_neighbourhood = [
        TurnoutRow(
            names.get(pk) or _("No neighbourhood recorded"), by_place.get(pk, 0), of_place.get(pk)
        )
        for pk in places
    ]
    by_band = dict(
        ballots.values_list("age_band").annotate(n=Count("id")).values_list("age_band", "n")
    )
    by_age_band = [
        TurnoutRow(str(band.label), by_band.get(band.value, 0), None)
        for band in AgeBand
        if by_band.get(band.value)
    ]
    if by_band.get(""):
        by_age_band.append(TurnoutRow(_("Age not recorded"), by_band[""], None))
    return Turnout(
        ballots=counts["total"],
        eligible=eligible.count(),
        online=counts["online"],
        paper=counts["paper"],
        by_neighbourhood=by_neighbourhood,
        by_age_band=by_age_band,
    )


def _reason(pool: Pool, project: dict, options: dict) -> str:
    """Why the project ended where it did, in one line."""
    status = project["status"]
    votes = int(project["votes"])
    if status == outcome.SELECTED and project.get("price") is not None:
        return ngettext(
            "Funded: its %(count)s supporter paid its cost.",
            "Funded: its %(count)s supporters shared its cost.",
            votes,
        ) % {"count": _number(votes)}
    if status == outcome.SELECTED:
        return _("Funded: it had more votes than the projects after it and fit in the budget.")
    if status == outcome.COMPLETION:
        return _("Funded from the money left after equal shares, in order of votes.")
    if status == outcome.UNAFFORDABLE:
        return _("Not funded: its supporters’ shares ran out before they could pay for it.")
    if status == outcome.DOES_NOT_FIT:
        left = project.get("budget_left")
        if left is None:
            return _("Not funded: it cost more than the money left when its turn came.")
        return _("Not funded: it cost more than the %(left)s left when its turn came.") % {
            "left": money(Decimal(str(left)), pool.currency)
        }
    if status == outcome.NOT_REACHED:
        return _("Not funded: counting stopped at an earlier project that did not fit.")
    if status == outcome.BELOW_THRESHOLD:
        return ngettext(
            "Not funded: fewer than %(min)s vote, the minimum.",
            "Not funded: fewer than %(min)s votes, the minimum.",
            int(options.get("min_votes") or 0),
        ) % {"min": _number(int(options.get("min_votes") or 0))}
    if status == outcome.NO_SUPPORT:
        return _("Not funded: nobody voted for it.")
    if status == outcome.FREE:
        return _("Costs nothing, so the count did not need to fund it.")
    return ""


def _number(value: int) -> str:
    return number(value)


def rule_explained(rule: str, pool: Pool) -> str:
    """The counting rule in a few plain sentences."""
    what = _("points") if pool.method == BallotMethod.CUMULATIVE else _("votes")
    if rule == TallyRule.GREEDY:
        return _(
            "Projects are taken in order of %(what)s, most first. A project is funded if "
            "its cost fits in the money still left; otherwise the count moves on to the next."
        ) % {"what": what}
    equal_shares = _(
        "Method of Equal Shares: the pool is split equally among the voters. A project is "
        "funded when its supporters can pay its cost together from their shares; each round "
        "funds the project that costs its supporters the least each, and they pay for it."
    )
    if rule == TallyRule.MES:
        return equal_shares
    add1 = _(
        "If money is left, each voter’s share is raised one unit at a time and the count "
        "is run again, as long as the result still fits in the pool (Add1 completion)."
    )
    if rule == TallyRule.MES_ADD1:
        return f"{equal_shares} {add1}"
    return " ".join(
        [
            equal_shares,
            add1,
            _("Money still left then goes to the remaining projects in order of votes."),
        ]
    )


def tie_break_explained(tie_break: str) -> str:
    if tie_break == TieBreak.FEWER_COST:
        return _("Ties are broken in favour of the cheaper project.")
    if tie_break == TieBreak.LOT:
        return _("Ties are broken by an order drawn by lot from the seed published before voting.")
    return _("Ties are broken in favour of the project listed first in the ballots file.")


def recount_call(rule: str, options: dict) -> str:
    """Python that recounts the published ballots file with pabutools 1.2.3 (approval reading)."""
    lines = [
        "pip install pabutools==1.2.3",
        "",
        "from pabutools.election import parse_pabulib, Cost_Sat",
        "from pabutools.rules import (method_of_equal_shares, greedy_utilitarian_welfare,",
        "    exhaustion_by_budget_increase, completion_by_rule_combination)",
        "",
        'instance, profile = parse_pabulib("ballots.pb")',
    ]
    add1 = {"sat_class": "Cost_Sat", "voter_budget_increment": 1}
    if rule == TallyRule.GREEDY:
        call = "greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)"
    elif rule == TallyRule.MES:
        call = "method_of_equal_shares(instance, profile, sat_class=Cost_Sat)"
    elif options.get("add1_stop") == "overspend":
        call = (
            "exhaustion_by_budget_increase(instance, profile, method_of_equal_shares,\n"
            '    {"sat_class": Cost_Sat}, exhaustive_stop=False,\n'
            "    budget_step=profile.num_ballots())"
        )
        if rule == TallyRule.MES_ADD1_GREEDY:
            call = (
                f"greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat,\n"
                f"    initial_budget_allocation={call})"
            )
    elif rule == TallyRule.MES_ADD1:
        call = (
            "method_of_equal_shares(instance, profile, sat_class=Cost_Sat, "
            f"voter_budget_increment={add1['voter_budget_increment']})"
        )
    else:
        call = (
            "completion_by_rule_combination(instance, profile,\n"
            "    [method_of_equal_shares, greedy_utilitarian_welfare],\n"
            '    [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}])'
        )
    lines += [f"outcome = {call}", "print(sorted(project.name for project in outcome))"]
    return "\n".join(lines)
