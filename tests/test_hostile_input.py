"""Every URL of the project fed hostile input by each kind of visitor.

The sweep walks the URL resolver (the Django admin, allauth's pages and static files aside),
so a new route without fuzz data below fails `test_every_route_has_fuzz_data`. For each
route and role it sends:

- the path with each integer replaced by 0, 2**63 and 10**30, each slug by an unknown one and
  each free string by the hostile strings the converter lets through (GET and POST);
- GET and POST with every field the view reads set to each hostile value at once, POSTs both
  plain and with `HX-Request: true` (GETs too where the view answers htmx apart);
- then, where a valid form gets past sign-in and permissions, one field at a time on top of
  it, with the values that differ in kind (`ONE_FIELD`), alternately with htmx.

The client does not enforce CSRF, as a request with a valid token. Every request runs in a
savepoint rolled back after it, so each one meets the same world (the district of the staff
member holds pools in seven phases) and PostgreSQL's aborted transactions do not spill over.
Asserted: no 5xx, no exception out of the test client or out of a streamed body, and no write
kept by a request refused with 4xx. All failures are collected and reported together,
grouped by the line of the project's code where they arise.
"""

import logging
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils import timezone

from budgets import services as budget_services
from budgets.models import Ballot, CycleSummary, PaperBallot, Pool, Report
from budgets.services import pool_create
from budgets.services.pools import PHASE_OVERRIDE_FIELDS
from proposals.forms import ProposalForm
from proposals.models import Category, ProposalImage, Status
from tests.api.factories import add_files
from tests.budgets.factories import make_counted_pool
from tests.factories import (
    CensusRecordFactory,
    CycleFactory,
    DistrictBudgetFactory,
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_resident,
    make_staff,
    phase_dates,
)
from tests.proposals.factories import CommentFactory, FlagFactory, ProposalFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_PREFIXES = ("admin/", "accounts/", "static/")

BIG = 99999999999999999999999
HOSTILE = [
    "\x00",
    "x\x00y",
    "-1",
    str(BIG),
    "1e400",
    "NaN",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "9" * 100_000,  # digits, so that it also reaches the `isdigit()` → `int()` paths
    ["1"] * 2_000,
    "İı\u202e",
    # Beyond the brief: a digit that is not ASCII, and a short repeated field.
    "²",
    ["1", "1", "x"],
]
# One field at a time on top of a valid form: the values that differ in kind (text the forms
# take as it comes and the long list, which Django refuses before any view, are left out).
ONE_FIELD = [
    value
    for value in HOSTILE
    if value not in ("x\x00y", "' OR 1=1 --", "<script>alert(1)</script>", "İı\u202e")
    and not (isinstance(value, list) and len(value) == 2_000)
]
PATH_INTS = [0, 2**63, 10**30]
UNKNOWN_SLUG = "no-such-thing"
# Field names of the ballot forms that are hostile themselves (`points-<id>`).
HOSTILE_POINT_KEYS = ("points-²", f"points-{BIG}", "points-0")
HTMX = {"HX-Request": "true"}
LOGIN = resolve_url(settings.LOGIN_URL)
# Answers given before a view reads any field: sent to sign in (reported as 401 here), or a
# method the view does not take.
UNREAD = (401, 405)


# The world -----------------------------------------------------------------------------------


def pool_in(district, *, phase: str, year: int, **fields) -> Pool:
    """As `tests.factories.make_pool`, in a cycle of the given year: one district may then
    hold pools in several phases (a district has one pool per cycle)."""
    cycle = CycleFactory(year=year, phase=phase)
    DistrictBudgetFactory(district=district, year=year)
    return pool_create(cycle=cycle, district=district, **{**phase_dates(phase=phase), **fields})


def publish(report: Report, state: str = Report.State.APPROVED) -> Report:
    add_files(report)
    Report.objects.filter(pk=report.pk).update(
        state=state,
        **(
            {"decided_by": make_council(), "decided_at": timezone.now()}
            if state == Report.State.APPROVED
            else {}
        ),
    )
    report.refresh_from_db()
    return report


@dataclass
class World:
    district: object
    other: object
    users: dict
    counted: Pool
    approved: Report
    pending: Report
    voting: Pool
    cumulative: Pool
    submission: Pool
    review: Pool
    support: Pool
    items: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


def build_world() -> World:
    now = timezone.now()
    year = now.year
    district, other = DistrictFactory(), DistrictFactory()
    resident, staff = make_resident(district), make_staff(district)
    users = {"anonymous": None, "resident": resident, "staff": staff, "admin": make_city_admin()}

    # This cycle: voting closed and counted, the report approved (results published).
    counted, counted_items, _tally, report = make_counted_pool(district=district)
    approved = publish(report)
    CycleSummary.objects.create(
        cycle=counted.cycle,
        language="en",
        file=ContentFile(b"%PDF-1.7 summary", name="summary-en.pdf"),
        sha256="0" * 64,
        size=16,
        rendered_at=now,
    )
    # Another district's report waits for the council.
    _pool, _items, _tally, other_report = make_counted_pool(district=other)
    pending = publish(other_report, Report.State.PENDING)

    voting = pool_in(district, phase="voting", year=year + 1)
    cumulative = pool_in(
        district,
        phase="voting",
        year=year + 2,
        method="cumulative",
        points_total=10,
        points_per_project=5,
    )
    items = {counted.pk: counted_items}
    for pool in (voting, cumulative):
        items[pool.pk] = [
            ProposalFactory(pool=pool, status=Status.ON_BALLOT, author_cost=cost)
            for cost in (30000, 20000, 10000)
        ]
    budget_services.ballot_cast(pool=voting, voter=resident, choices={items[voting.pk][0].pk: 1})
    # A resident who voted online and on paper: a conflict for staff to resolve.
    record = CensusRecordFactory(district=district, national_id="5550001111")
    twice = UserFactory()
    record.claimed_by, record.claimed_at = twice, now
    record.save()
    budget_services.ballot_cast(pool=voting, voter=twice, choices={items[voting.pk][1].pk: 1})
    for clerk in (make_staff(district), make_staff(district)):
        budget_services.paper_entry_record(
            pool=voting,
            staff=clerk,
            national_id="5550001111",
            choices={items[voting.pk][2].pk: 1},
            booth="School 5",
        )
    conflict = PaperBallot.objects.get(pool=voting, state=PaperBallot.State.CONFLICT)
    CensusRecordFactory(district=district, national_id="5550002222")

    submission = pool_in(district, phase="submission", year=year + 3)
    public = ProposalFactory(pool=submission)
    comment = CommentFactory(proposal=public)
    flagged = FlagFactory(comment=CommentFactory(proposal=public)).comment
    drafts = {
        name: ProposalFactory(pool=submission, author=resident, status=Status.DRAFT)
        for name in ("edit", "submit", "withdraw", "images")
    }
    image = ProposalImage.objects.create(
        proposal=drafts["images"],
        image="proposals/hostile.jpg",
        thumbnail="proposals/hostile-thumb.jpg",
        width=1,
        height=1,
    )

    review = pool_in(district, phase="review", year=year + 4)
    submitted = ProposalFactory(pool=review)
    under_review = ProposalFactory(pool=review, status=Status.UNDER_REVIEW)
    ProposalFactory(pool=review, status=Status.UNDER_REVIEW)  # a duplicate candidate

    day = timedelta(days=1)
    support = pool_in(district, phase="review", year=year + 5, support_starts=now - day / 2)
    supportable = ProposalFactory(pool=support, status=Status.FEASIBLE)
    pool_in(district, phase="draft", year=year + 6)

    return World(
        district=district,
        other=other,
        users=users,
        counted=counted,
        approved=approved,
        pending=pending,
        voting=voting,
        cumulative=cumulative,
        submission=submission,
        review=review,
        support=support,
        items=items,
        objects={
            "conflict": conflict,
            "public": public,
            "comment": comment,
            "flagged": flagged,
            "drafts": drafts,
            "image": image,
            "submitted": submitted,
            "under_review": under_review,
            "supportable": supportable,
            "receipt": Ballot.objects.filter(pool=counted).values_list("receipt", flat=True)[0],
        },
    )


# What each route reads -------------------------------------------------------------------------


@dataclass
class Inputs:
    """The query and form fields a view reads, and valid forms to corrupt one field of.

    `one_field` narrows the fields corrupted one at a time (default: all POST fields, or
    all GET fields for a GET form); `htmx_get` marks views that answer htmx GETs apart;
    `shared` views answer every visitor alike (the open data API): one field at a time
    only for the anonymous one, which keeps the sweep within its time.
    """

    get: tuple = ()
    post: tuple = ()
    get_base: dict | list[dict] | None = None
    post_base: dict | list[dict] | None = None
    one_field: tuple | None = None
    htmx_get: bool = False
    shared: bool = False


LIST_FILTERS = ("page", "q", "district", "category", "status", "sort")
API_PAGE = ("limit", "offset")
API_FILTERS = ("limit", "offset", "cycle", "district", "pool", "status", "year", "published")
PROPOSAL_FIELDS = (*ProposalForm.INLINE_FIELDS, "action")


def _proposal_form(w: World) -> dict:
    return {
        "title": "Benches",
        "summary": "Three benches.",
        "body": "By the playground.",
        "category": str(Category.objects.first().pk),
        "author_cost": "1000",
        "action": "save",
    }


def _ballot(w: World, kw: dict) -> Inputs:
    pool = Pool.objects.get(pk=kw["pool_id"])
    items = w.items[pool.pk]
    if pool.method == "cumulative":
        picks = tuple(f"points-{item.pk}" for item in items)
        base = {"action": "confirm", picks[0]: "1"}
    else:
        picks = ("choice",)
        base = {"action": "confirm", "choice": [str(items[0].pk)]}
    return Inputs(
        get=("add",),
        post=("action", *picks),
        post_base=base,
        one_field=("action", *picks, *HOSTILE_POINT_KEYS),
        htmx_get=True,
    )


def _paper(w: World, kw: dict) -> Inputs:
    ballot = _ballot(w, kw)
    base = {k: v for k, v in ballot.post_base.items() if k != "action"}
    base.update(national_id="5550002222", booth="School 5")
    form = ("national_id", "assembly", "booth")
    return Inputs(
        post=(*form, *ballot.post[1:]),
        post_base=base,
        one_field=(*form, *ballot.one_field[1:]),
    )


def _phases(w: World, kw: dict) -> Inputs:
    pool = Pool.objects.get(pk=kw["pool_id"])
    base = {
        name: timezone.localtime(getattr(pool, name)).strftime("%Y-%m-%dT%H:%M:%S")
        for name in PHASE_OVERRIDE_FIELDS
        if getattr(pool, name)
    }
    return Inputs(post=PHASE_OVERRIDE_FIELDS, post_base=base)


def _review(w: World, kw: dict) -> Inputs:
    """The decision forms of a proposal under review, through "mark feasible"."""
    under_review = kw["pk"] == w.objects["under_review"].pk
    return Inputs(
        post=("action", "public_reason", "internal_note", "staff_cost", "duplicate_of"),
        post_base={"action": "mark_feasible", "staff_cost": "1000", "internal_note": "ok"}
        if under_review
        else None,
    )


def api(names: tuple) -> Inputs:
    """An open data list: no field is needed, so each may be corrupted on its own."""
    return Inputs(get=names, get_base={}, shared=True)


@dataclass
class Route:
    kwargs: Callable[[World], list[dict]] = lambda w: [{}]
    inputs: Callable[[World, dict], Inputs] = lambda w, kw: Inputs()


def _d(w):
    return w.district.slug


ROUTES: dict[str, Route] = {
    # districts
    "districts:home": Route(),
    "districts:detail": Route(kwargs=lambda w: [{"slug": _d(w)}]),
    "districts:residency_verify": Route(
        inputs=lambda w, kw: Inputs(
            post=("national_id", "birth_year"),
            post_base={"national_id": "5550009999", "birth_year": "1980"},
        )
    ),
    "districts:staff_dashboard": Route(),
    "districts:staff_district": Route(kwargs=lambda w: [{"slug": _d(w)}]),
    # budgets: voting
    "budgets:ballot": Route(
        kwargs=lambda w: [{"pool_id": w.voting.pk}, {"pool_id": w.cumulative.pk}],
        inputs=_ballot,
    ),
    "budgets:ballot_receipt": Route(kwargs=lambda w: [{"pool_id": w.voting.pk}]),
    # budgets: staff
    "budgets:staff_pool_phases": Route(
        kwargs=lambda w: [{"slug": _d(w), "pool_id": w.submission.pk}], inputs=_phases
    ),
    "budgets:staff_pool_tallies": Route(
        kwargs=lambda w: [{"slug": _d(w), "pool_id": w.counted.pk}],
        inputs=lambda w, kw: Inputs(
            post=("rule", "tie_break", "min_votes"),
            post_base={"rule": "mes", "tie_break": "fewer-cost", "min_votes": "0"},
            htmx_get=True,
        ),
    ),
    "budgets:staff_paper_entry": Route(
        kwargs=lambda w: [
            {"slug": _d(w), "pool_id": w.voting.pk},
            {"slug": _d(w), "pool_id": w.cumulative.pk},
        ],
        inputs=_paper,
    ),
    "budgets:staff_paper_reconcile": Route(
        kwargs=lambda w: [{"slug": _d(w), "pool_id": w.voting.pk}]
    ),
    "budgets:staff_paper_resolve": Route(
        kwargs=lambda w: [
            {"slug": _d(w), "pool_id": w.voting.pk, "paper_id": w.objects["conflict"].pk}
        ],
        inputs=lambda w, kw: Inputs(
            post=("keep", "note"), post_base={"keep": "paper", "note": "The voter asked."}
        ),
    ),
    "budgets:staff_pool_report": Route(
        kwargs=lambda w: [{"slug": _d(w), "pool_id": w.counted.pk}],
        inputs=lambda w, kw: Inputs(
            post=("action", "report", "reason"),
            post_base=[
                {"action": "render", "report": str(w.approved.pk)},
                {"action": "retally", "reason": "A recount was asked for."},
            ],
            htmx_get=True,
        ),
    ),
    # budgets: reports
    "budgets:report_file": Route(
        kwargs=lambda w: [{"report_id": w.approved.pk, "language": "en"}],
        inputs=lambda w, kw: Inputs(get=("download",)),
    ),
    "budgets:cycle_summary_file": Route(
        kwargs=lambda w: [{"year": w.counted.cycle.year, "language": "en"}],
        inputs=lambda w, kw: Inputs(get=("download",)),
    ),
    "budgets:council_reports": Route(),
    "budgets:council_report": Route(
        kwargs=lambda w: [{"report_id": w.pending.pk}, {"report_id": w.approved.pk}],
        inputs=lambda w, kw: Inputs(
            post=("action", "comment"),
            post_base={"action": "return", "comment": "Please explain project 3."},
        ),
    ),
    "budgets:audit_log": Route(inputs=lambda w, kw: Inputs(get=("page",))),
    # budgets: results
    "budgets:results_index": Route(inputs=lambda w, kw: Inputs(get=("year",))),
    "budgets:pool_results": Route(kwargs=lambda w: [{"pool_id": w.counted.pk}]),
    "budgets:pool_ballots": Route(kwargs=lambda w: [{"pool_id": w.counted.pk}]),
    "budgets:receipt_lookup": Route(
        kwargs=lambda w: [{"pool_id": w.counted.pk}],
        inputs=lambda w, kw: Inputs(post=("code",), post_base={"code": w.objects["receipt"]}),
    ),
    # proposals: public
    "proposals:list": Route(inputs=lambda w, kw: Inputs(get=LIST_FILTERS, htmx_get=True)),
    "proposals:map": Route(inputs=lambda w, kw: Inputs(get=LIST_FILTERS, htmx_get=True)),
    "proposals:map_data": Route(inputs=lambda w, kw: Inputs(get=LIST_FILTERS)),
    "proposals:district_list": Route(
        kwargs=lambda w: [{"slug": _d(w)}],
        inputs=lambda w, kw: Inputs(get=LIST_FILTERS, htmx_get=True),
    ),
    "proposals:detail": Route(
        kwargs=lambda w: [{"pk": w.objects["public"].pk}, {"pk": w.objects["drafts"]["edit"].pk}]
    ),
    # proposals: residents
    "proposals:create": Route(
        kwargs=lambda w: [{"slug": _d(w)}],
        inputs=lambda w, kw: Inputs(
            post=(*PROPOSAL_FIELDS, "images_alt"), post_base=_proposal_form(w)
        ),
    ),
    "proposals:validate": Route(
        kwargs=lambda w: [{"slug": _d(w)}],
        inputs=lambda w, kw: Inputs(
            post=(*PROPOSAL_FIELDS, "_field"),
            post_base={**_proposal_form(w), "_field": "title"},
        ),
    ),
    "proposals:edit": Route(
        kwargs=lambda w: [{"pk": w.objects["drafts"]["edit"].pk}],
        inputs=lambda w, kw: Inputs(post=PROPOSAL_FIELDS, post_base=_proposal_form(w)),
    ),
    "proposals:submit": Route(kwargs=lambda w: [{"pk": w.objects["drafts"]["submit"].pk}]),
    "proposals:withdraw": Route(
        kwargs=lambda w: [{"pk": w.objects["drafts"]["withdraw"].pk}],
        inputs=lambda w, kw: Inputs(post=("reason",), post_base={"reason": ""}),
    ),
    # The upload itself is not fuzzed (no file is sent); the page and its other field are.
    "proposals:images": Route(
        kwargs=lambda w: [{"pk": w.objects["drafts"]["images"].pk}],
        inputs=lambda w, kw: Inputs(post=("alt_text",)),
    ),
    "proposals:image_file": Route(
        kwargs=lambda w: [{"pk": w.objects["public"].pk, "filename": "shade.jpg"}]
    ),
    "proposals:image_delete": Route(
        kwargs=lambda w: [
            {"pk": w.objects["drafts"]["images"].pk, "image_id": w.objects["image"].pk}
        ]
    ),
    "proposals:comment": Route(
        kwargs=lambda w: [{"pk": w.objects["public"].pk}],
        inputs=lambda w, kw: Inputs(
            post=("body", "parent"),
            post_base={"body": "I agree.", "parent": str(w.objects["comment"].pk)},
        ),
    ),
    "proposals:comment_flag": Route(
        kwargs=lambda w: [{"comment_id": w.objects["comment"].pk}],
        inputs=lambda w, kw: Inputs(post=("reason",), post_base={"reason": "Rude."}),
    ),
    "proposals:support": Route(kwargs=lambda w: [{"pk": w.objects["supportable"].pk}]),
    "proposals:mine": Route(),
    # proposals: staff
    "proposals:staff_queue": Route(
        kwargs=lambda w: [{"slug": _d(w)}],
        inputs=lambda w, kw: Inputs(
            get=("pool", "status", "category", "older_than"),
            get_base={"pool": str(w.review.pk), "status": "submitted", "older_than": "1"},
            htmx_get=True,
        ),
    ),
    "proposals:staff_review": Route(
        kwargs=lambda w: [
            {"slug": _d(w), "pk": w.objects["under_review"].pk},
            {"slug": _d(w), "pk": w.objects["submitted"].pk},
        ],
        inputs=_review,
    ),
    "proposals:staff_hide": Route(
        kwargs=lambda w: [{"slug": _d(w), "pk": w.objects["under_review"].pk}],
        inputs=lambda w, kw: Inputs(
            post=("reason",), post_base={"reason": "Abusive."}, htmx_get=True
        ),
    ),
    "proposals:staff_moderation": Route(kwargs=lambda w: [{"slug": _d(w)}]),
    "proposals:staff_moderate_comment": Route(
        kwargs=lambda w: [{"slug": _d(w), "comment_id": w.objects["flagged"].pk}],
        inputs=lambda w, kw: Inputs(
            post=("action", "reason"), post_base={"action": "hide", "reason": "Insulting."}
        ),
    ),
    # accounts
    "accounts:set_language": Route(
        inputs=lambda w, kw: Inputs(
            post=("language", "next"), post_base={"language": "bg", "next": "/proposals/"}
        )
    ),
    "accounts:profile": Route(),
    "accounts:data": Route(),
    "accounts:delete": Route(),
    "accounts:set_reminders": Route(inputs=lambda w, kw: Inputs(post=("voting_reminders",))),
    "accounts:sessions_end_others": Route(),
    "healthz": Route(),
    # the open data API
    "api-v1:openapi-json": Route(),
    "api-v1:api-root": Route(),
    "api-v1:index": Route(),
    "api-v1:districts": Route(inputs=lambda w, kw: api(API_PAGE)),
    "api-v1:district": Route(kwargs=lambda w: [{"slug": _d(w)}]),
    "api-v1:budgets": Route(inputs=lambda w, kw: api(API_FILTERS)),
    "api-v1:cycles": Route(inputs=lambda w, kw: api(API_PAGE)),
    "api-v1:pools": Route(inputs=lambda w, kw: api(API_FILTERS)),
    "api-v1:pool": Route(kwargs=lambda w: [{"pool_id": w.counted.pk}]),
    "api-v1:pool_results": Route(kwargs=lambda w: [{"pool_id": w.counted.pk}]),
    "api-v1:pool_ballots": Route(kwargs=lambda w: [{"pool_id": w.counted.pk}]),
    "api-v1:proposals": Route(inputs=lambda w, kw: api(API_FILTERS)),
    "api-v1:proposal": Route(kwargs=lambda w: [{"pk": w.objects["public"].pk}]),
    "api-v1:reports": Route(inputs=lambda w, kw: api(API_FILTERS)),
    **{
        f"api-v1:{table}_csv": Route(inputs=lambda w, kw: api(API_FILTERS))
        for table in ("districts", "budgets", "cycles", "pools", "proposals", "results", "reports")
    },
}


# The routes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str
    converters: dict


def url_patterns(patterns=None, prefix: str = "", namespace: str = "", converters=None):
    """Every named URL pattern under the root resolver but the skipped prefixes."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, route, inner, found)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"unnamed URL pattern {route!r}"
            yield Pattern(route, namespace + entry.name, found)


def test_every_route_has_fuzz_data():
    names = {pattern.name for pattern in url_patterns()}
    assert names - set(ROUTES) == set(), "routes the sweep has no data for"
    assert set(ROUTES) - names == set(), "fuzz data for routes that no longer exist"


# The sweep -----------------------------------------------------------------------------------


WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.I)
SAVEPOINT = re.compile(r'^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+"?(\w+)"?', re.I)
# Writes a refused request may keep: the session, and the record of a failed residency check
# (it is what throttles guessing).
ALLOWED_WRITES = {"accounts_session", "districts_verificationattempt"}


def kept_writes(statements: list[str]) -> set[str]:
    """Tables written by statements not undone by a ROLLBACK TO SAVEPOINT."""
    stack: list[tuple[str, list[str]]] = [("", [])]
    for sql in statements:
        if match := SAVEPOINT.match(sql):
            kind, name = match.group(1).upper(), match.group(2)
            if kind == "SAVEPOINT":
                stack.append((name, []))
            elif any(entry[0] == name for entry in stack):
                while stack[-1][0] != name:
                    done = stack.pop()[1]
                    stack[-1][1].extend(done)
                if kind == "RELEASE SAVEPOINT":
                    done = stack.pop()[1]
                    stack[-1][1].extend(done)
                else:
                    stack[-1][1].clear()
        elif match := WRITE.match(sql):
            stack[-1][1].append(match.group(2))
    return {table for _name, tables in stack for table in tables} - ALLOWED_WRITES


def test_kept_writes_forgets_what_a_savepoint_rolled_back():
    statements = [
        'SAVEPOINT "s1"',
        'INSERT INTO "proposals_comment" ("body") VALUES (%s)',
        'ROLLBACK TO SAVEPOINT "s1"',
        'SAVEPOINT "s2"',
        'UPDATE "budgets_pool" SET "amount" = %s',
        'RELEASE SAVEPOINT "s2"',
        'UPDATE "accounts_session" SET "expire_date" = %s',
    ]
    assert kept_writes(statements) == {"budgets_pool"}


@pytest.mark.parametrize(
    "path",
    [
        "/vote/9223372036854775808/",
        "/vote/1000000000000000000000000000000/receipt/",
        "/reports/9223372036854775808/en.pdf",
        "/proposals/9223372036854775808/",
        "/api/v1/pools/9223372036854775808",
        "/api/v1/pools/9223372036854775808/ballots.pb",
    ],
)
def test_ids_no_bigint_holds_are_not_found(client, path):
    assert client.get(path).status_code == 404


def app_frames(error: BaseException) -> list[str]:
    """The frames of the traceback in the project's own code (not the virtualenv, not this
    file), outermost first."""
    here = Path(__file__).resolve()
    found = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(ROOT) and ".venv" not in path.parts and path != here:
            line = f"{path.relative_to(ROOT)}:{frame.lineno}"
            if not found or found[-1] != line:
                found.append(line)
    return found or ["?"]


def short(value) -> str:
    if isinstance(value, list):
        return f"[{short(value[0])}]*{len(value)}"
    text = repr(value)
    return text if len(text) < 32 else f"{text[:8]}…({len(text) - 2} chars)"


@dataclass
class Sweep:
    """Sends the requests of one role; collects crashes, 5xx and writes kept on a refusal,
    grouped by where they come from and then by method, route and field."""

    client: Client
    role: str
    failures: dict = field(default_factory=dict)
    requests: int = 0

    def fail(self, problem: str, where: str, detail: str, example: tuple, via: str = "") -> None:
        entry = self.failures.setdefault((problem, where), {"detail": detail, "examples": {}})
        method, route, param, value = example
        values = entry["examples"].setdefault((method, route, param, via), [])
        if short(value) not in values:
            values.append(short(value))

    def send(self, method, path, data, *, route: str, param: str, value, htmx=False) -> int:
        """One request in a savepoint rolled back after it; returns its status (401 for a
        redirect to the sign-in page, 500 for an exception)."""
        self.requests += 1
        example = (method.upper() + (" htmx" if htmx else ""), route, param, value)
        statements: list[str] = []

        def record(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with transaction.atomic():
            try:
                with connection.execute_wrapper(record):
                    response = getattr(self.client, method)(
                        path, data, headers=HTMX if htmx else {}
                    )
                    if response.streaming:
                        # Read to the end (a CSV is built as it streams); the test client
                        # then closes the response and its file.
                        b"".join(response.streaming_content)
            except Exception as error:  # noqa: BLE001 - every crash is collected, then reported
                *callers, where = app_frames(error)
                via = f"(via {callers[-1]})" if callers else ""
                self.fail(type(error).__name__, where, f"{error!s:.100}", example, via)
                status = 500
            else:
                status = response.status_code
                if status >= 500 and status != 503:  # 503: the health check's "down"
                    self.fail(f"status {status}", path, "", example)
                elif 400 <= status < 500 and (tables := kept_writes(statements)):
                    self.fail("write kept by a refused request", path, str(sorted(tables)), example)
                if status == 302 and response["Location"].startswith(LOGIN):
                    status = 401
            transaction.set_rollback(True)
        return status

    def path_attacks(self, pattern: Pattern, kwargs: dict) -> None:
        """The path with one argument at a time replaced by a hostile value."""
        for name, converter in pattern.converters.items():
            kind = type(converter).__name__
            if kind in ("IntConverter", "IdConverter"):
                values = PATH_INTS  # the id converter's 18 digits turn the long ones away
            elif kind == "SlugConverter":
                values = [UNKNOWN_SLUG]
            else:
                values = ["xx"] + [v for v in HOSTILE if isinstance(v, str)]
            for value in values:
                try:
                    path = reverse(pattern.name, kwargs={**kwargs, name: value})
                except NoReverseMatch:
                    continue  # the converter does not let it through
                for method in ("get", "post"):
                    self.send(method, path, {}, route=pattern.name, param=f"<{name}>", value=value)

    def param_attacks(self, route: str, path: str, inputs: Inputs) -> None:
        """Every field at once, then one field at a time on top of each valid form; a method
        whose view reads no field is sent once (and once with htmx where that differs)."""
        for method, names, bases in (
            ("get", inputs.get, inputs.get_base),
            ("post", inputs.post, inputs.post_base),
        ):
            both = method == "post" or inputs.htmx_get
            if not names:
                for htmx in (False, True) if both else (False,):
                    self.send(method, path, {}, route=route, param="-", value="", htmx=htmx)
                continue
            status = 0
            for value in HOSTILE:
                data = dict.fromkeys(names, value)
                for htmx in (False, True) if both else (False,):
                    status = self.send(
                        method, path, data, route=route, param="*", value=value, htmx=htmx
                    )
                    if status in UNREAD:
                        break
                if status in UNREAD:
                    break
            if bases is None or (inputs.shared and self.role != "anonymous"):
                continue
            one_field = inputs.one_field if method == "post" and inputs.one_field else names
            for base in bases if isinstance(bases, list) else [bases]:
                # One field at a time only where the valid form gets past sign-in and
                # permission checks: elsewhere the view never reads it.
                status = self.send(method, path, base, route=route, param="(valid)", value="")
                if status in (*UNREAD, 403, 404):
                    continue
                for name in one_field:
                    for index, value in enumerate(ONE_FIELD):
                        data = {**base, name: value}
                        self.send(
                            method,
                            path,
                            data,
                            route=route,
                            param=name,
                            value=value,
                            htmx=index % 2 == 1,
                        )

    def report(self) -> str:
        lines = [f"{len(self.failures)} failure sites in {self.requests} requests ({self.role}):"]
        for (problem, where), entry in sorted(self.failures.items()):
            lines.append(f"{problem} at {where}: {entry['detail']}")
            for (method, route, param, via), values in entry["examples"].items():
                lines.append(f"    {method} {route} {param} = {', '.join(values)} {via}")
        return "\n".join(lines)


ROLES = ["anonymous", "resident", "staff", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_hostile_input_never_crashes(role, caplog):
    # Thousands of 4xx would each be logged (and captured) otherwise.
    for logger in ("django.request", "django.security"):
        caplog.set_level(logging.CRITICAL, logger=logger)
    world = build_world()
    client = Client(raise_request_exception=True)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    sweep = Sweep(client, role)
    for pattern in url_patterns():
        route = ROUTES[pattern.name]
        for number, kwargs in enumerate(route.kwargs(world)):
            if number == 0:
                sweep.path_attacks(pattern, kwargs)
            path = reverse(pattern.name, kwargs=kwargs)
            sweep.param_attacks(pattern.name, path, route.inputs(world, kwargs))
    if sweep.failures:
        pytest.fail(sweep.report(), pytrace=False)
