"""What the open data API returns and accepts; the OpenAPI document is generated from these.

Money is a decimal string ("30000", "1234.50") so that no client rounds it through a float.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import create_model


class Names(Schema):
    """A name or title in each interface language (empty where not translated)."""

    en: str
    bg: str
    tr: str


class Point(Schema):
    lat: Decimal
    lon: Decimal


class Message(Schema):
    detail: str = Field(description="Why the request failed, e.g. 'Not Found'.")


class PageBase(Schema):
    count: int = Field(description="How many items match, on every page together.")
    next: str | None = Field(description="URL of the next page, if any.")
    previous: str | None = Field(description="URL of the previous page, if any.")


def page_of(item: type[Schema]) -> type[PageBase]:
    """The paginated list of `item`: count, next and previous links, and the items."""
    return create_model(f"{item.__name__}Page", __base__=PageBase, items=(list[item], ...))


# Bounds on what a query may ask for, so that a hostile value is refused with 422 before it
# reaches the database (ids beyond a bigint, text with NUL characters).
ID_MAX = 2**63 - 1
OFFSET_MAX = 10**9
YEAR = {"ge": 1900, "le": 2100}
SLUG = {"pattern": r"^[-a-zA-Z0-9_]+$", "max_length": 50}


class PageQuery(Schema):
    limit: int = Field(100, ge=1, le=500, description="Items per page (at most 500).")
    offset: int = Field(0, ge=0, le=OFFSET_MAX, description="Items to skip.")


# Districts and budgets ----------------------------------------------------------------------


class District(Schema):
    id: int
    slug: str
    name: Names
    population: int
    centre: Point | None = Field(description="Centre of the district for maps (WGS 84).")
    url: str = Field(description="The district's public page.")


class Neighbourhood(Schema):
    slug: str
    name: Names


class BudgetLine(Schema):
    position: int
    label: Names
    amount: Decimal


class Budget(Schema):
    district: str = Field(description="The district's slug.")
    year: int
    amount: Decimal = Field(description="The district's annual budget.")
    currency: str
    source_url: str = Field(description="Where the budget is published (may be empty).")
    lines: list[BudgetLine] = Field(description="The published breakdown.")


class DistrictDetail(District):
    boundary: dict[str, Any] | None = Field(description="GeoJSON geometry of the district.")
    neighbourhoods: list[Neighbourhood]
    budgets: list[Budget]


class BudgetQuery(PageQuery):
    district: str | None = Field(None, **SLUG, description="Only this district (slug).")
    year: int | None = Field(None, **YEAR, description="Only this year.")


# Cycles and pools ---------------------------------------------------------------------------


class PhaseDates(Schema):
    submission_starts: datetime
    review_starts: datetime
    support_starts: datetime | None
    voting_starts: datetime
    voting_ends: datetime
    results_starts: datetime
    implementation_starts: datetime | None


class Cycle(Schema):
    year: int
    title: Names
    dates: PhaseDates
    phase: str = Field(
        description="The phase now: draft, submission, review, support, "
        "voting, tallying, results or implementation."
    )


class ResultsSummary(Schema):
    report_version: int
    approved_at: datetime
    rule: str
    selected: list[str] = Field(description="Project ids selected, in order of selection.")
    allocated: Decimal = Field(description="Total cost of the selected projects.")
    ballots: int | None = Field(description="Ballots counted.")
    ballots_sha256: str | None = Field(description="SHA-256 of the anonymised ballots file.")
    results_url: str
    ballots_url: str


class Pool(Schema):
    id: int
    cycle: int = Field(description="The cycle's year.")
    district: str = Field(description="The district's slug.")
    amount: Decimal
    currency: str
    share: Decimal = Field(description="Share of the district budget (0.01 is 1%).")
    method: str = Field(description="Ballot method: approval, knapsack or cumulative.")
    min_choices: int
    max_choices: int | None
    points_total: int
    points_per_project: int
    points_exact: bool
    min_age: int
    tally_rule: str = Field(description="greedy, mes, mes-add1 or mes-add1-greedy.")
    tie_break: str = Field(description="lexico, fewer-cost or lot.")
    min_votes: int
    add1_stop: str
    support_threshold: int | None
    support_top_n: int | None
    dates: PhaseDates = Field(description="The cycle's dates with the pool's overrides.")
    phase: str
    published: bool = Field(description="Whether the council approved the results.")
    results: ResultsSummary | None = Field(description="The published results, else null.")


class PoolQuery(PageQuery):
    cycle: int | None = Field(None, **YEAR, description="Only this cycle (year).")
    district: str | None = Field(None, **SLUG, description="Only this district (slug).")
    published: bool | None = Field(None, description="Only pools with (or without) results.")


# Proposals ----------------------------------------------------------------------------------


class Category(Schema):
    slug: str
    name: Names


class Proposal(Schema):
    id: int
    project_id: str = Field(description="The project's id in the ballots file and results.")
    pool: int
    cycle: int
    district: str
    title: str
    summary: str
    description_html: str = Field(description="The description, rendered and sanitised.")
    category: Category
    status: str = Field(
        description="submitted, under_review, changes_requested, feasible, infeasible, "
        "withdrawn, on_ballot, selected, not_selected, in_progress or completed. "
        "Selected / not selected only once the pool's results are published."
    )
    selected: bool | None = Field(
        description="Whether the published tally selected it; null until results are published."
    )
    author_cost: Decimal = Field(description="The author's cost estimate.")
    staff_cost: Decimal | None = Field(description="The district's cost estimate.")
    cost: Decimal = Field(description="The cost that counts on the ballot.")
    currency: str
    latitude: Decimal | None
    longitude: Decimal | None
    address: str
    supports: int
    submitted_at: datetime | None
    url: str = Field(description="The proposal's public page.")


class ProposalQuery(PageQuery):
    pool: int | None = Field(None, ge=1, le=ID_MAX, description="Only this pool (id).")
    cycle: int | None = Field(None, **YEAR, description="Only this cycle (year).")
    district: str | None = Field(None, **SLUG, description="Only this district (slug).")
    status: str | None = Field(
        None, pattern=r"^[a-z_]+$", max_length=30, description="Only this status."
    )


# Results and reports ------------------------------------------------------------------------


class ProjectResult(Schema):
    project_id: str
    proposal_id: int | None = Field(description="Null if the proposal is no longer public.")
    title: str | None
    cost: Decimal
    votes: int = Field(description="Ballots that chose the project.")
    points: Decimal | None = Field(description="Points received (cumulative pools only).")
    selected: bool
    status: str = Field(
        description="Why it ended there: selected, selected-by-completion, below-threshold, "
        "free, no-support, unaffordable, does-not-fit or not-reached."
    )
    round: int | None = Field(description="Order of selection (selected projects).")


class Ballots(Schema):
    online: int
    paper: int
    sha256: str
    url: str = Field(description="The anonymised ballots as a pabulib .pb file.")


class ReportRef(Schema):
    version: int
    approved_at: datetime


class Results(Schema):
    pool: int
    cycle: int
    district: str
    currency: str
    amount: Decimal = Field(description="The pool.")
    report: ReportRef = Field(description="The approved report these results are from.")
    rule: str
    options: dict[str, Any] = Field(
        description="The rule's options: min_votes, tie_break, seed, points, add1_stop, no_skip."
    )
    budget: Decimal
    allocated: Decimal
    left: Decimal
    num_voters: int
    voter_budget: Decimal | None = Field(description="Equal shares: each voter's budget.")
    increments: int | None = Field(description="Add1: currency units added per voter.")
    selected: list[str] = Field(description="Project ids in order of selection.")
    projects: list[ProjectResult]
    ballots: Ballots | None


class ReportFile(Schema):
    language: str
    sha256: str
    size: int
    url: str = Field(description="The PDF.")


class Report(Schema):
    id: int
    pool: int
    cycle: int
    district: str
    version: int
    approved_at: datetime
    superseded: bool = Field(description="A newer version was approved since.")
    rule: str
    ballots_sha256: str
    files: list[ReportFile]


class ReportQuery(PageQuery):
    pool: int | None = Field(None, ge=1, le=ID_MAX, description="Only this pool (id).")
    cycle: int | None = Field(None, **YEAR, description="Only this cycle (year).")
    district: str | None = Field(None, **SLUG, description="Only this district (slug).")


class Index(Schema):
    openapi: str
    endpoints: dict[str, str]
    csv: dict[str, str]
