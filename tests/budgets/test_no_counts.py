"""No counts or partial results are visible to anyone before voting closes.

Two pools are voting: an approval pool in Aldermoor and a cumulative pool in Brookfield,
with the register, proposals, a comment, an image, an assembly, paper ballots (counted,
awaiting, in conflict), one resident's own online ballot, and last round's closed, frozen
and counted pool in Cedarbrook. Then 2,130 online ballots are added whose counts are
distinctive: 1,013 / 1,031 / 1,049 / 1,061 votes for four Aldermoor projects out of 1,091
ballots; 1,039 / 1,021 / 1,027 supporters and 3,115 / 3,063 / 1,027 points for the
Brookfield projects out of 1,043 ballots, and so on (see
`test_no_page_shows_counts_while_voting`).

Every GET URL the project routes (walked from `get_resolver()`: public, resident, staff,
JSON and the Django admin of every registered model, changelists with their facet counts,
change, history and delete pages) is requested by each role: anonymous, a resident who
voted, staff of both voting districts, a council member and a city admin. No response may
- show one of those numbers, in any locale's spelling (1013, 1,013, 1.013, 1 013 with any
  space or entity) or as a percentage (of the ballots, the points or the register),
- show any ballot's receipt code (the receipt ties a voter to the published ballot file),
- and the pages that show pools, proposals or outcomes must be byte for byte what they are
  without those ballots (a ranking needs no digits to leak).
A page that seems to show a count is read again once the added ballots are deleted; only
matches that go away with them are leaks (late in a long PostgreSQL run a database id can
equal a count). The matcher is tested on known strings, and a page made to leak on purpose
must be reported (a scan that cannot fail proves nothing).
"""

import difflib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from budgets.models import (
    Ballot,
    BallotFreeze,
    BallotLine,
    PaperBallot,
    PaperEntry,
    Pool,
    Tally,
)
from budgets.services import (
    ballot_cast,
    ballots_freeze,
    paper_entry_record,
    receipt_new,
    tally_run,
)
from districts.models import Assembly, CensusRecord, VerificationAttempt
from districts.services import national_id_hmac
from proposals.models import Comment, Proposal, ProposalImage, Review, Status, Support
from tests.budgets.factories import make_voting_pool
from tests.factories import (
    CensusRecordFactory,
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
)
from tests.proposals.factories import CategoryFactory, ProposalFactory

pytestmark = pytest.mark.django_db

# The matcher -------------------------------------------------------------------------------

# Between the thousands and the rest: nothing, a comma, a dot, an apostrophe, a space, a
# no-break, narrow no-break or thin space, or the HTML entities for a no-break space.
SEPARATOR = r"(?:[,.'\u0020\u00a0\u202f\u2009]|&nbsp;|&#160;|&#xa0;)?"
# A count stands on its own: not inside a word, a longer number or a formatted amount.
BEFORE = r"(?<![\w.,])"
AFTER = r"(?![\w]|[.,]\d)"


def count_spellings(number: int) -> str:
    """A regex for `number` (≥ 1,000) as any locale or template might write it."""
    digits = str(number)
    return f"{digits[:-3]}{SEPARATOR}{digits[-3:]}"


def percent_spellings(part: int, whole: int) -> list[str]:
    """`part/whole` as a percentage with one or two decimals, either rounding, `.` or `,`."""
    share = Decimal(part) * 100 / Decimal(whole)
    texts = {
        str(share.quantize(Decimal(step), rounding=rounding))
        for step in ("0.1", "0.01")
        for rounding in (ROUND_HALF_UP, ROUND_HALF_EVEN)
    }
    numbers = sorted(re.escape(t).replace(r"\.", "[.,]") for t in texts)
    spaces = r"(?:\s|&nbsp;|&#160;|\u00a0|\u202f)?"
    return [f"{n}{spaces}%" for n in numbers] + [f"%{spaces}{n}" for n in numbers]


def leak_pattern(counts: set[int], shares: set[tuple[int, int]]) -> re.Pattern:
    spellings = [count_spellings(n) for n in sorted(counts)]
    percents = [p for part, whole in sorted(shares) for p in percent_spellings(part, whole)]
    return re.compile(
        f"{BEFORE}(?:{'|'.join(spellings)}){AFTER}|{BEFORE}(?:{'|'.join(percents)})(?!\\d)"
    )


def leaks(pattern: re.Pattern, text: str) -> Counter:
    """Each count-like match in `text`, normalised (digits only) and counted."""
    return Counter(re.sub(r"\D", "", match) for match in pattern.findall(text))


RECEIPT_LIKE = re.compile(r"(?<![A-Z2-7])[A-Z2-7]{4}(?:-?[A-Z2-7]{4}){3}(?![A-Z2-7])")


def receipts_in(text: str, receipts: set[str]) -> set[str]:
    """The receipt codes of `receipts` that `text` shows, grouped with dashes or not."""
    return {match.replace("-", "") for match in RECEIPT_LIKE.findall(text)} & receipts


CSRF = re.compile(r"[A-Za-z0-9]{64}")
CLOCK = re.compile(r"\b\d\d:\d\d:\d\d\b")
# "1 minute ago" on one read, "2 minutes ago" on the next when the scan is slow.
AGO = re.compile(r"\d+\xa0(?:minutes?|hours?|days?) ago")


def normalised(text: str) -> str:
    """A page without its per-request parts: CSRF tokens (masked afresh each time), the
    time of day (admin forms offer "now") and how long ago something happened."""
    return AGO.sub("<ago>", CLOCK.sub("<time>", CSRF.sub("<token>", text)))


def test_matcher_finds_counts_in_every_spelling():
    pattern = leak_pattern({1187, 1892, 3451}, {(1187, 1892)})  # 62.737…%
    found = [
        "1187 votes",
        "<td>1,187</td>",
        "1.187 oy",
        "1\u00a0187 гласа",
        "1\u202f187",
        "1&nbsp;187",
        "1&#160;892",
        '{"votes": 3451}',
        "total: 3'451",
        "(1892)",
        "62.7%",
        "62,74 %",
        "%62,7",
        "62.74&nbsp;%",
    ]
    for text in found:
        assert leaks(pattern, text), text
    assert leaks(pattern, "1,187 and 1 187 and 1187") == Counter({"1187": 3})
    for text in ("11870", "21187", "€1,187,000", "user1187@example.test", "x1892y", "2026", "62%"):
        assert not leaks(pattern, text), text


def test_receipt_finder_reads_grouped_and_plain_codes():
    code = receipt_new()
    grouped = "-".join(code[i : i + 4] for i in range(0, 16, 4))
    assert receipts_in(f"<code>{grouped}</code>", {code}) == {code}
    assert receipts_in(f"Ballot: {code}", {code}) == {code}
    assert receipts_in(f"Ballot: X{code}", {code}) == set()
    assert receipts_in("Ballot: AAAABBBBCCCCDDDD", {code}) == set()


# The world ---------------------------------------------------------------------------------


@dataclass
class Expected:
    """What the added ballots make true; none of it may be visible while voting is open."""

    counts: set[int] = field(default_factory=set)
    shares: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class World:
    pool_a: Pool
    pool_b: Pool
    closed: Pool
    items_a: list[Proposal]
    items_b: list[Proposal]
    draft: Proposal
    comment: Comment
    image: ProposalImage
    conflict: PaperBallot
    users: dict[str, object]
    admin_objects: dict[type, list]
    voters_a: list[CensusRecord]
    voters_b: list[CensusRecord]


APPROVAL_COUNTS = (1013, 1031, 1049, 1061)  # bulk ballots choosing A1..A4; A5: none
APPROVAL_BALLOTS = 1087
CUMULATIVE_BALLOTS = 1043


def cumulative_weights(i: int) -> dict[int, int]:
    """Points of the i-th bulk ballot in Brookfield, by project index (at most 9 in all)."""
    weights = {}
    if i < 1039:
        weights[0] = 1 + i % 5
    if i < 1021:
        weights[1] = 3
    if i >= 16:
        weights[2] = 1
    return weights


def _register(district, n: int, tag: str) -> list[CensusRecord]:
    return CensusRecord.objects.bulk_create(
        CensusRecord(
            id_hmac=national_id_hmac(f"{tag}{i:07d}"),
            birth_year=1970 + i % 40,
            district=district,
        )
        for i in range(n)
    )


def _proposal(pool, author, category, title, cost, **fields) -> Proposal:
    return ProposalFactory(
        pool=pool,
        author=author,
        category=category,
        title=title,
        author_cost=Decimal(cost),
        status=fields.pop("status", Status.ON_BALLOT),
        **fields,
    )


@pytest.fixture
def world() -> World:
    """Two voting pools with everything a page can show, but not yet the bulk of ballots.

    Names and e-mails are spelled out (no factory sequence numbers), so no text on a page
    depends on how many tests ran before this one.
    """
    aldermoor = DistrictFactory(
        slug="aldermoor", name_en="Aldermoor", name_bg="Алдърмур", name_tr="Aldermur"
    )
    brookfield = DistrictFactory(
        slug="brookfield", name_en="Brookfield", name_bg="Брукфийлд", name_tr="Brukfild"
    )
    pool_a = make_pool(district=aldermoor, phase="voting", max_choices=5)
    pool_b = make_pool(
        district=brookfield,
        phase="voting",
        method="cumulative",
        points_total=10,
        points_per_project=5,
    )
    resident = make_resident(aldermoor, email="resident@aldermoor.test", display_name="Rosa")
    staff = make_staff(aldermoor, email="staff@aldermoor.test", display_name="Sami")
    staff.staff_memberships.create(district=brookfield)
    second_staff = make_staff(aldermoor, email="second@aldermoor.test", display_name="Tove")
    council = make_council(email="council@civic.test")
    city_admin = make_city_admin(email="admin@civic.test")
    dual = make_resident(aldermoor, email="dual@aldermoor.test")
    author = make_resident(brookfield, email="author@brookfield.test", display_name="Ana")
    category = CategoryFactory(slug="parks", name_en="Parks", name_bg="Паркове", name_tr="Parklar")
    titles_a = ["Shade trees", "Bike racks", "Library hours", "Skate park", "Water fountain"]
    items_a = [
        _proposal(pool_a, author, category, title, cost)
        for title, cost in zip(titles_a, (30000, 20000, 15000, 10000, 5000), strict=True)
    ]
    items_b = [
        _proposal(pool_b, author, category, title, cost)
        for title, cost in zip(
            ("Street lights", "Bus shelter", "Dog park"), (40000, 25000, 12000), strict=True
        )
    ]
    draft = _proposal(pool_a, resident, category, "My unfinished idea", 900, status=Status.DRAFT)
    comment = Comment.objects.create(proposal=items_a[0], author=resident, body="Yes, please.")
    image = ProposalImage.objects.create(
        proposal=items_a[0],
        image="proposals/shade.jpg",
        thumbnail="proposals/shade-thumb.jpg",
        width=10,
        height=10,
        alt_text="Trees",
    )
    Support.objects.create(proposal=items_a[1], user=resident)
    review = Review.objects.create(
        proposal=items_a[0],
        action=Review.Action.SUBMIT,
        from_status=Status.DRAFT,
        to_status=Status.SUBMITTED,
    )
    VerificationAttempt.objects.create(user=resident, outcome=VerificationAttempt.Outcome.MATCHED)
    Group.objects.create(name="Editors")
    mfa_owner = UserFactory(email="mfa@civic.test")
    authenticator = Authenticator.objects.create(
        user=mfa_owner, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x", "used_mask": 0}
    )
    assembly = Assembly.objects.create(
        district=aldermoor, title="Spring assembly", held_on=date(2025, 4, 5)
    )

    # The register: the voters to come and residents who will not vote.
    voters_a = _register(aldermoor, APPROVAL_BALLOTS + 113, "71")
    voters_b = _register(brookfield, CUMULATIVE_BALLOTS + 89, "72")

    # Ballots already there before the first pass: the resident's own, paper ballots.
    ballot_cast(pool=pool_a, voter=resident, choices={items_a[4].pk: 1})
    ballot_cast(pool=pool_a, voter=dual, choices={items_a[4].pk: 1})
    for nid in ("5550000001", "5550000002", "5550000003"):
        CensusRecordFactory(district=aldermoor, national_id=nid)
    dual_record = CensusRecord.objects.get(claimed_by=dual)
    CensusRecord.objects.filter(pk=dual_record.pk).update(id_hmac=national_id_hmac("5550000009"))
    paper = {"choices": {items_a[4].pk: 1}, "pool": pool_a, "assembly": assembly}
    for nid in ("5550000001", "5550000002", "5550000009"):
        paper_entry_record(staff=staff, national_id=nid, **paper)
        paper_entry_record(staff=second_staff, national_id=nid, **paper)
    paper_entry_record(
        staff=staff,
        national_id="5550000003",
        pool=pool_a,
        choices=paper["choices"],
        booth="Market hall",
    )
    conflict = PaperBallot.objects.get(state=PaperBallot.State.CONFLICT)

    # Last round's pool in a third district: closed, frozen and counted (its numbers are
    # public and small), so the freeze and tally pages have something to show.
    cedarbrook = DistrictFactory(
        slug="cedarbrook", name_en="Cedarbrook", name_bg="Сидърбрук", name_tr="Sedirbruk"
    )
    closed = make_pool(district=cedarbrook, phase="results")
    playground = _proposal(closed, author, category, "Old playground", 8000)
    old_ballots = Ballot.objects.bulk_create(
        Ballot(pool=closed, channel="online", receipt=receipt_new()) for _ in range(3)
    )
    BallotLine.objects.bulk_create(BallotLine(ballot=b, proposal=playground) for b in old_ballots)
    freeze = ballots_freeze(pool=closed)
    tally_run(tally=Tally.objects.get(pool=closed, official=True))

    users = {
        "anonymous": None,
        "resident": resident,
        "staff": staff,
        "council": council,
        "city_admin": city_admin,
    }
    admin_objects = {
        BallotFreeze: [freeze],
        Pool: [pool_a, pool_b, closed],
        Proposal: [items_a[0], items_b[0], playground],
        Comment: [comment],
        Review: [review],
        Support: list(Support.objects.all()),
        CensusRecord: [resident.census_record, voters_a[0]],
        type(resident): [resident, dual],
        Assembly: [assembly],
        Authenticator: [authenticator],
    }
    return World(
        pool_a=pool_a,
        pool_b=pool_b,
        closed=closed,
        items_a=items_a,
        items_b=items_b,
        draft=draft,
        comment=comment,
        image=image,
        conflict=conflict,
        users=users,
        admin_objects=admin_objects,
        voters_a=voters_a,
        voters_b=voters_b,
    )


def add_ballots(world: World) -> Expected:
    """The bulk of the online ballots; what they make countable, read back from the database."""
    ballots_a = Ballot.objects.bulk_create(
        Ballot(pool=world.pool_a, census_record=record, channel="online", receipt=receipt_new())
        for record in world.voters_a[:APPROVAL_BALLOTS]
    )
    ballots_b = Ballot.objects.bulk_create(
        Ballot(pool=world.pool_b, census_record=record, channel="online", receipt=receipt_new())
        for record in world.voters_b[:CUMULATIVE_BALLOTS]
    )
    lines = [
        BallotLine(ballot=ballot, proposal=item, weight=1)
        for item, count in zip(world.items_a, APPROVAL_COUNTS, strict=False)
        for ballot in ballots_a[:count]
    ] + [
        BallotLine(ballot=ballot, proposal=world.items_b[index], weight=weight)
        for i, ballot in enumerate(ballots_b)
        for index, weight in cumulative_weights(i).items()
    ]
    BallotLine.objects.bulk_create(lines, batch_size=2000)
    expected = Expected()
    for pool in (world.pool_a, world.pool_b):
        ballots = Ballot.objects.filter(pool=pool)
        total = ballots.count()
        expected.counts |= {total, ballots.filter(channel="online").count()}
        cast = BallotLine.objects.filter(ballot__pool=pool)
        expected.counts.add(cast.count())
        per_project = [
            (lines_of.count(), sum(lines_of.values_list("weight", flat=True)))
            for lines_of in (
                cast.filter(proposal=item)
                for item in Proposal.objects.filter(pool=pool, status=Status.ON_BALLOT)
            )
        ]
        points_total = sum(points for _voters, points in per_project)
        expected.counts.add(points_total)
        for voters, points in per_project:
            expected.counts |= {voters, points}
            expected.shares |= {(voters, total), (points, points_total)}
        registered = CensusRecord.objects.filter(district=pool.district).count()
        expected.shares.add((total, registered))  # turnout
    # Small numbers (a resident's single ballot, paper ballots) cannot be told apart from
    # the other small numbers on a page; everything that is checked is distinctive.
    expected.counts = {n for n in expected.counts if n >= 1000}
    expected.shares = {(part, whole) for part, whole in expected.shares if part >= 1000}
    return expected


# The URLs ----------------------------------------------------------------------------------


@dataclass
class Route:
    text: str  # the route as the resolver writes it, e.g. "vote/<id:pool_id>/"
    name: str
    params: list[str]
    model: type | None  # the model of an admin model page
    regex: bool = False  # written as a regular expression (allauth, the admin's catch-all)


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str, model) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                children = pattern.url_patterns
                admins = {
                    getattr(child.callback, "model_admin", None)
                    for child in children
                    if isinstance(child, URLPattern)
                } - {None}
                inner = next(iter(admins)).model if len(admins) == 1 else model
                ns = ":".join(filter(None, (namespace, pattern.namespace)))
                walk(children, prefix + str(pattern.pattern), ns, inner)
            else:
                regex = isinstance(pattern.pattern, RegexPattern)
                if regex:
                    params = list(pattern.pattern.regex.groupindex)
                else:
                    assert isinstance(pattern.pattern, RoutePattern)
                    params = list(pattern.pattern.converters)
                name = ":".join(filter(None, (namespace, pattern.name or "")))
                routes.append(Route(prefix + str(pattern.pattern), name, params, model, regex))

    walk(get_resolver().url_patterns, "", "", None)
    return routes


# Routes not requested, and why. Every other route of the resolver is (see
# test_every_route_is_scanned).
SKIPPED: dict[str, str] = {
    "admin/districts/censusrecord/<path:object_id>/delete/": (
        "known leak, outside budgets/: the confirmation lists the voter's protected Ballot "
        "by its receipt code (and tells who has voted); "
        "see test_census_record_delete_page_does_not_tell_how_a_resident_voted"
    ),
}


def fill(route: Route, values: dict[str, object]) -> str:
    """The path of `route` with its parameters replaced by `values`."""
    if route.regex:
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), route.text)
        return "/" + text.replace("^", "").replace("$", "")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), route.text)


def urls_to_scan(world: World) -> list[str]:
    """Every GET URL of the project, filled with the world's objects (and some variants)."""
    contexts = [
        {
            "slug": world.pool_a.district.slug,
            "pool_id": world.pool_a.pk,
            "pk": [world.items_a[0].pk, world.draft.pk],
            "paper_id": world.conflict.pk,
        },
        {
            "slug": world.pool_b.district.slug,
            "pool_id": world.pool_b.pk,
            "pk": [world.items_b[0].pk],
            "paper_id": world.conflict.pk,
        },
    ]  # the closed pool's pages are public anyway; its freeze and tally are read in the admin
    common = {
        "comment_id": world.comment.pk,
        "image_id": world.image.pk,
        "filename": "shade.jpg",  # an image file: bytes, no counts, whoever asks
        "key": "not-a-key",
        "uidb36": "1z",
        "url": "budgets/ballot/",  # the admin's catch-all: ballots are not registered
        "report_id": world.closed.reports.get().pk,  # last round's report, not yet rendered
        "language": "en",
        "year": world.closed.cycle.year,
    }
    registry = admin.site._registry
    urls: list[str] = []
    for route in all_routes():
        if route.text in SKIPPED:
            continue
        params = set(route.params)
        combos: list[dict] = []
        if route.model is not None and params & {"object_id", "id"}:
            objects = world.admin_objects.get(route.model) or list(
                route.model._default_manager.order_by("pk")[:1]
            )
            if not route.text.endswith("/change/"):
                objects = objects[:1]  # history, delete, password: the first object will do
            combos = [{"object_id": obj.pk, "id": obj.pk} for obj in objects]
        elif params == {"content_type_id", "object_id"}:
            combos = [
                {"content_type_id": ContentType.objects.get_for_model(obj).pk, "object_id": obj.pk}
                for obj in (world.items_a[0], world.pool_a)
            ]
        elif params == {"app_label"}:
            combos = [{"app_label": label} for label in {m._meta.app_label for m in registry}]
        elif params & {"slug", "pool_id", "pk", "paper_id"}:
            for context in contexts:
                for pk in context["pk"]:
                    combos.append({**common, **context, "pk": pk})
        else:
            combos = [common]
        for values in combos:
            missing = params - set(values)
            assert not missing, f"no value for {missing} in {route.text}: add one to the world"
            urls.append(fill(route, values))
    queries = {
        "/admin/autocomplete/": {
            "app_label": "districts",
            "model_name": "staffmembership",
            "field_name": "user",
        },
        f"/vote/{world.pool_a.pk}/": {"add": world.items_a[1].pk},
        "/proposals/": {"status": "on_ballot", "sort": "votes"},
        "/proposals/map.json": {"district": world.pool_a.district.slug},
    }
    urls += [f"{path}?{urlencode(query)}" for path, query in queries.items()]
    for model in registry:
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(f"{changelist}?_facets=True")  # the filters with their counts
    return list(dict.fromkeys(urls))


def test_every_route_is_scanned(world):
    """A new URL pattern is scanned as soon as it exists, or the scan names what it needs."""
    urls = urls_to_scan(world)
    scanned_routes = {
        route.text
        for route in all_routes()
        if route.text not in SKIPPED
        and any(re.fullmatch(_as_regex(route), url.split("?")[0][1:]) for url in urls)
    }
    unscanned = {r.text for r in all_routes()} - scanned_routes - set(SKIPPED)
    assert not unscanned, unscanned
    registry = admin.site._registry
    for model in registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert base in urls
        assert any(u.startswith(base) and u.endswith("/change/") for u in urls), model


def _as_regex(route: Route) -> str:
    if route.regex:
        return route.text.replace("^", "").replace("$", "")
    text = re.sub(r"<path:\w+>", ".+", route.text)
    return re.sub(r"<(?:\w+:)?\w+>", "[^/]+", text)


# The scan ----------------------------------------------------------------------------------


@dataclass
class Page:
    status: int
    headers: str
    body: str

    @property
    def text(self) -> str:
        return self.headers + "\n\n" + self.body


def page_of(response) -> Page:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return Page(response.status_code, headers, content.decode("utf-8", "replace"))


def scan(client, urls, language: str) -> dict[str, Page]:
    """GET every URL; a page that varies on HX-Request is read as an htmx partial too."""
    pages = {}
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        pages[url] = page_of(response)
        if "HX-Request" in response.get("Vary", ""):
            partial = client.get(url, HTTP_ACCEPT_LANGUAGE=language, HTTP_HX_REQUEST="true")
            pages[f"{url} (htmx)"] = page_of(partial)
    return pages


# Each role reads in one language (a count leaks in every language or none; the matcher
# knows every locale's spelling).
LANGUAGES = {
    "anonymous": "bg",
    "resident": "tr",
    "staff": "en",
    "council": "bg",
    "city_admin": "en",
}

# Pages that show pools, proposals or their outcome: they must be the same with and without
# other people's ballots, byte for byte (a ranking or a bar needs no digits to leak).
IDENTICAL = {
    "districts:home",
    "districts:detail",
    "districts:staff_district",
    "proposals:list",
    "proposals:district_list",
    "proposals:detail",
    "proposals:map_data",
    "proposals:staff_queue",
    "budgets:ballot",
    "budgets:ballot_receipt",
    "budgets:staff_paper_reconcile",
    "budgets:staff_pool_tallies",
    "admin:budgets_pool_changelist",
    "admin:budgets_pool_change",
    "admin:budgets_ballotfreeze_changelist",
    "admin:proposals_proposal_changelist",
    "admin:proposals_proposal_change",
}


# An admin model's add, history, delete and password pages and the bare object URL.
ADMIN_MODEL_PAGE = re.compile(r"^/admin/\w+/\w+/(?:add/|[^/]+/(?:history/|delete/|password/)?)$")


def public_share(urls: list[str]) -> list[str]:
    """The URLs a visitor who is not `is_staff` needs to read.

    `AdminSite.admin_view` turns such a visitor away before any model admin view runs, the
    same way for each; the index, the app lists, the changelists and change pages stand for
    the add, history, delete and password pages of the same models.
    """
    return [url for url in urls if not ADMIN_MODEL_PAGE.match(url) or url.endswith("/change/")]


def clients_by_role(world: World) -> dict[str, Client]:
    clients = {}
    for role, user in world.users.items():
        client = Client()
        client.cookies["django_language"] = LANGUAGES[role]
        if user is not None:
            client.force_login(user)
        clients[role] = client
    return clients


def _view_name(url: str) -> str:
    return resolve(url.split("?")[0].split(" ")[0]).view_name


def _changes(old: Page, new: Page) -> list[str]:
    diff = difflib.unified_diff(
        normalised(old.body).splitlines(), normalised(new.body).splitlines(), lineterm="", n=0
    )
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def leaks_while_voting(
    world: World, clients: dict[str, Client], urls: list[str]
) -> tuple[list[str], Expected]:
    """Add the ballots, read every page as every role, and say what shows them.

    A page that seems to show a count is read again once the added ballots are gone, and
    only matches that go away with them count (a count can coincide with a database id);
    the pages in IDENTICAL are always read again and must not change at all.
    """
    added_before = set(Ballot.objects.values_list("pk", flat=True))
    expected = add_ballots(world)
    pattern = leak_pattern(expected.counts, expected.shares)
    receipts = set(Ballot.objects.values_list("receipt", flat=True))
    problems, again = [], {}
    for role, client in clients.items():
        user = world.users[role]
        pages = scan(
            client, urls if user and user.is_staff else public_share(urls), LANGUAGES[role]
        )
        for url in must_read(world, role):
            assert pages[url].status == 200, f"{role} could not read {url}: {pages[url].status}"
        for url, page in pages.items():
            shown = receipts_in(page.text, receipts)
            if shown:
                problems.append(f"{role} {url}: shows receipt codes {sorted(shown)[:3]}")
            if leaks(pattern, page.text) or (page.status == 200 and _view_name(url) in IDENTICAL):
                again.setdefault(role, {})[url] = page
    added = Ballot.objects.exclude(pk__in=added_before)
    BallotLine.objects.filter(ballot__in=added).delete()
    added.delete()
    for role, pages in again.items():
        paths = list(dict.fromkeys(url.removesuffix(" (htmx)") for url in pages))
        without = scan(clients[role], paths, LANGUAGES[role])
        for url, page in pages.items():
            extra = leaks(pattern, page.text) - leaks(pattern, without[url].text)
            if extra:
                problems.append(f"{role} {url}: shows {dict(extra)}")
            if _view_name(url) in IDENTICAL and (
                page.status != without[url].status or _changes(without[url], page)
            ):
                problems.append(
                    f"{role} {url}: differs with the ballots "
                    f"({without[url].status} / {page.status}): {_changes(without[url], page)[:4]}"
                )
    return problems, expected


# Every role must read real pages, not only refusals: these must answer 200 for it.
MUST_READ = {
    "anonymous": ["/", "/districts/{a}/", "/proposals/", "/proposals/{p}/", "/proposals/map.json"],
    "resident": ["/vote/{pool}/", "/vote/{pool}/receipt/", "/me/", "/proposals/{p}/"],
    "staff": [
        "/staff/{a}/",
        "/staff/{a}/pools/{pool}/paper/",
        "/staff/{a}/pools/{pool}/paper/reconcile/",
        "/staff/{a}/pools/{pool}/tallies/",
        "/staff/{a}/proposals/",
        "/staff/{b}/pools/{pool_b}/paper/reconcile/",
    ],
    "council": ["/", "/districts/{a}/", "/proposals/{p}/"],
    "city_admin": [
        "/admin/",
        "/admin/budgets/pool/",
        "/admin/budgets/pool/{pool}/change/",
        "/admin/budgets/ballotfreeze/",
        "/admin/districts/censusrecord/",
        "/admin/districts/censusrecord/?_facets=True",
        "/admin/proposals/proposal/{p}/change/",
        "/staff/{a}/pools/{pool}/tallies/",
    ],
}


def must_read(world: World, role: str) -> list[str]:
    values = {
        "a": world.pool_a.district.slug,
        "b": world.pool_b.district.slug,
        "pool": world.pool_a.pk,
        "pool_b": world.pool_b.pk,
        "p": world.items_a[0].pk,
    }
    return [url.format(**values) for url in MUST_READ[role]]


@pytest.fixture
def quiet_refusals():
    """Hundreds of expected 403/404/405 answers: not logged, which also keeps the scan fast."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_no_page_shows_counts_while_voting(world, quiet_refusals):
    problems, expected = leaks_while_voting(world, clients_by_role(world), urls_to_scan(world))
    assert expected.counts == {
        # Aldermoor: votes for A1..A4, online ballots, all ballots (2 on paper), votes cast
        *APPROVAL_COUNTS, 1089, 1091, 4158,
        # Brookfield: supporters of B1..B3 (B3's points too), points, ballots, lines, points
        1039, 1021, 1027, 3115, 3063, 1043, 3087, 7205,
    }  # fmt: skip
    assert all(not 1900 <= n <= 2100 for n in expected.counts)  # not a year
    assert not problems, "\n".join(problems)


def test_the_ballot_file_cannot_be_exported_while_voting():
    pool, items = make_voting_pool()
    ballot_cast(pool=pool, voter=make_resident(pool.district), choices={items[0].pk: 1})
    with pytest.raises(CommandError, match="has not closed"):
        call_command("export_pabulib", str(pool.pk))


def test_the_scan_reports_a_page_that_shows_a_count(world, monkeypatch, quiet_refusals):
    """The same scan, with the reconciliation page made to show the online total."""
    from budgets import selectors

    real = selectors.paper_reconciliation

    def leaking(*, pool):
        shown = real(pool=pool)
        online = Ballot.objects.filter(pool=pool, channel="online").count()
        shown["freeze"] = BallotFreeze(pool=pool, online=online, paper=0, digest="0" * 64)
        return shown

    monkeypatch.setattr(selectors, "paper_reconciliation", leaking)
    clients = clients_by_role(world)
    url = f"/staff/{world.pool_a.district.slug}/pools/{world.pool_a.pk}/paper/reconcile/"
    problems, _ = leaks_while_voting(world, {"staff": clients["staff"]}, must_read(world, "staff"))
    assert f"staff {url}: shows {{'1089': 2}}" in problems  # online and total
    assert any(p.startswith(f"staff {url}: differs with the ballots") for p in problems)


def test_admin_does_not_register_ballots_or_paper_entries():
    registered = set(admin.site._registry)
    assert not {Ballot, BallotLine, PaperEntry, PaperBallot} & registered


def test_census_record_delete_page_does_not_tell_how_a_resident_voted(client):
    pool = make_pool(phase="voting")
    proposal = ProposalFactory(pool=pool, status=Status.ON_BALLOT)
    voter, other = make_resident(pool.district), make_resident(pool.district)
    ballot = ballot_cast(pool=pool, voter=voter, choices={proposal.pk: 1})
    client.force_login(make_city_admin())
    voted = client.get(f"/admin/districts/censusrecord/{voter.census_record.pk}/delete/")
    not_voted = client.get(f"/admin/districts/censusrecord/{other.census_record.pk}/delete/")
    assert ballot.receipt not in voted.content.decode()
    assert voted.status_code == not_voted.status_code
    assert voted.status_code == 403 or b"Cannot delete" not in voted.content
