"""Reads shaped for the proposals pages: every queryset a page needs, joined once."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from budgets import selectors as budget_selectors
from budgets.models import Pool
from districts.models import District, DistrictBoundary
from proposals.models import (
    Category,
    Comment,
    Flag,
    Proposal,
    ProposalImage,
    Review,
    Status,
    Support,
)

PAGE_SIZE = 20
MAP_POINTS_MAX = 2000
# Half the side of the box a district's map is held to when it has no boundary, in degrees.
MAP_BOX_HALF = Decimal("0.05")

SORTS = {
    "newest": ("-submitted_at", "-id"),
    "cost": ("cost_value", "-submitted_at", "-id"),
    "cost_desc": ("-cost_value", "-submitted_at", "-id"),
    "supports": ("-n_supports", "-submitted_at", "-id"),
}


@dataclass(frozen=True)
class ProposalFilters:
    """What a visitor asked the list or the map for; every part optional."""

    district: District | None = None
    category: Category | None = None
    status: str = ""
    q: str = ""
    sort: str = "newest"


def public_proposals() -> QuerySet[Proposal]:
    """Proposals anyone may see: submitted at least once and not hidden by moderators."""
    return Proposal.objects.exclude(status=Status.DRAFT).filter(hidden_at__isnull=True)


def _search(queryset: QuerySet[Proposal], q: str) -> QuerySet[Proposal]:
    """Full-text search on PostgreSQL, a plain substring match elsewhere (the SQLite demo)."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        # alias, not annotate: the vector is only filtered on, never selected or grouped by.
        return queryset.alias(
            search=SearchVector("title", "summary", "body", config="simple")
        ).filter(search=SearchQuery(q, search_type="websearch", config="simple"))
    return queryset.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(body__icontains=q))


def filtered_proposals(filters: ProposalFilters) -> QuerySet[Proposal]:
    """The public proposals matching the filters, unordered and unannotated."""
    queryset = public_proposals()
    if filters.district is not None:
        queryset = queryset.filter(pool__district=filters.district)
    if filters.category is not None:
        queryset = queryset.filter(category=filters.category)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.q:
        queryset = _search(queryset, filters.q)
    return queryset


def _cost_value():
    """The cost that counts (the district's estimate once there is one), for sorting."""
    return Coalesce(
        "staff_cost", "author_cost", output_field=DecimalField(max_digits=14, decimal_places=0)
    )


def _visible_comment_count():
    comments = (
        Comment.objects.filter(proposal=OuterRef("pk"), hidden_at__isnull=True)
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(comments, output_field=IntegerField()), Value(0))


def with_list_data(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Join pool, district and category, count supports and comments, and fetch the first image.

    The number of queries does not grow with the number of proposals: one for the page and
    one for the first images of all its proposals (`proposal.first_images`).
    """
    return (
        queryset.select_related("pool__district", "pool__cycle", "category")
        .annotate(
            n_supports=Count("supports", distinct=True),
            n_comments=_visible_comment_count(),
            cost_value=_cost_value(),
        )
        .prefetch_related(
            Prefetch(
                "images",
                queryset=ProposalImage.objects.order_by("position", "id")[:1],
                to_attr="first_images",
            )
        )
    )


def proposal_list(filters: ProposalFilters) -> QuerySet[Proposal]:
    """The list page: public proposals matching the filters, shaped for cards, sorted."""
    ordering = SORTS.get(filters.sort, SORTS["newest"])
    return with_list_data(filtered_proposals(filters)).order_by(*ordering)


def map_points(filters: ProposalFilters) -> list[dict]:
    """The proposals with a location that the map shows: the same filters as the list.

    Plain dicts (one query, no model instances); capped at MAP_POINTS_MAX markers.
    """
    queryset = (
        filtered_proposals(filters)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(cost_value=_cost_value())
        .order_by("-submitted_at", "-id")
        .values("id", "title", "latitude", "longitude", "status", "cost_value", "pool__currency")
    )
    return list(queryset[:MAP_POINTS_MAX])


def proposal_for_detail() -> QuerySet[Proposal]:
    """A proposal with its pool, district, category and author joined, images and support count."""
    return (
        Proposal.objects.select_related("pool__district", "pool__cycle", "category", "author")
        .prefetch_related(
            Prefetch("images", queryset=ProposalImage.objects.order_by("position", "id"))
        )
        .annotate(n_supports=Count("supports", distinct=True))
    )


def proposal_for_author() -> QuerySet[Proposal]:
    """Proposals with what the rules and the author's pages read (pool, cycle, district)."""
    return Proposal.objects.select_related("pool__district", "pool__cycle", "category")


def reviews_of(*, proposal: Proposal) -> QuerySet[Review]:
    """The proposal's decision history, oldest first."""
    return Review.objects.filter(proposal=proposal).order_by("created_at", "id")


def comments_of(*, proposal: Proposal, user) -> QuerySet[Comment]:
    """Top-level comments, oldest first, with their replies and authors prefetched.

    Each comment carries `flagged_by_me`: whether this user already reported it.
    """
    if user.is_authenticated:
        flagged = Exists(Flag.objects.filter(comment=OuterRef("pk"), user=user))
    else:
        flagged = Value(False, output_field=BooleanField())
    replies = (
        Comment.objects.select_related("author", "proposal__pool__district")
        .annotate(flagged_by_me=flagged)
        .order_by("created_at", "id")
    )
    return (
        Comment.objects.filter(proposal=proposal, parent__isnull=True)
        .select_related("author", "proposal__pool__district")
        .annotate(flagged_by_me=flagged)
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


def comment_for_action() -> QuerySet[Comment]:
    """A comment with its proposal, pool and district, as the rules need them."""
    return Comment.objects.select_related("proposal__pool__district", "proposal__pool__cycle")


def supports(*, proposal: Proposal, user) -> bool:
    """Whether the user supports the proposal."""
    if not user.is_authenticated:
        return False
    return Support.objects.filter(proposal=proposal, user=user).exists()


def support_count(*, proposal: Proposal) -> int:
    return Support.objects.filter(proposal=proposal).count()


def proposals_of_author(*, user) -> QuerySet[Proposal]:
    """Everything the user wrote, drafts and hidden ones included, newest first."""
    return (
        proposal_for_author()
        .filter(author=user)
        .annotate(
            n_supports=Count("supports", distinct=True), n_images=Count("images", distinct=True)
        )
        .order_by("-created_at", "-id")
    )


def submission_pool(*, district: District) -> Pool | None:
    """The district's pool residents propose to: the current cycle's, else its latest."""
    pools = Pool.objects.filter(district=district).select_related("cycle", "district")
    cycle = budget_selectors.current_cycle()
    pool = pools.filter(cycle=cycle).first() if cycle is not None else None
    return pool or pools.order_by("-cycle__year").first()


def categories() -> QuerySet[Category]:
    return Category.objects.all()


def districts() -> QuerySet[District]:
    return District.objects.all()


def map_bounds(*, district: District) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """(south, west, north, east) the district's maps are held to, or None if unknown.

    The box around its boundary if it has one (stored with it: the outline itself is not
    read), else a box of ±0.05° around its centre.
    """
    box = (
        DistrictBoundary.objects.filter(district=district)
        .values_list("south", "west", "north", "east")
        .first()
    )
    if box is not None:
        return box
    if district.centre_lat is None or district.centre_lon is None:
        return None
    return (
        district.centre_lat - MAP_BOX_HALF,
        district.centre_lon - MAP_BOX_HALF,
        district.centre_lat + MAP_BOX_HALF,
        district.centre_lon + MAP_BOX_HALF,
    )


# Staff
# Reads for the district staff pages (review queue, review, moderation). Drafts stay with
# their authors: staff never see them.


def staff_pools(*, district: District) -> QuerySet[Pool]:
    """The district's pools, newest cycle first, with cycle and district joined."""
    return budget_selectors.pools_of_district(district=district)


def staff_review_queue(
    *,
    pool: Pool,
    status: str = "",
    category: Category | None = None,
    submitted_before=None,
) -> QuerySet[Proposal]:
    """The pool's submitted proposals (hidden ones too), oldest submission first, filtered."""
    queryset = (
        Proposal.objects.filter(pool=pool)
        .exclude(status=Status.DRAFT)
        .select_related("category", "author", "pool")
        .annotate(n_images=Count("images", distinct=True))
        .order_by("submitted_at", "id")
    )
    if status:
        queryset = queryset.filter(status=status)
    if category is not None:
        queryset = queryset.filter(category=category)
    if submitted_before is not None:
        queryset = queryset.filter(submitted_at__lte=submitted_before)
    return queryset


def staff_status_counts(*, pool: Pool) -> dict[str, int]:
    """How many of the pool's proposals are in each status (drafts left out); one query."""
    rows = (
        Proposal.objects.filter(pool=pool)
        .exclude(status=Status.DRAFT)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


def staff_proposal_for_review(*, district: District) -> QuerySet[Proposal]:
    """The district's submitted proposals with all the review page shows, joined once."""
    return (
        Proposal.objects.filter(pool__district=district)
        .exclude(status=Status.DRAFT)
        .select_related("pool__district", "pool__cycle", "category", "author", "duplicate_of")
        .prefetch_related(
            Prefetch("images", queryset=ProposalImage.objects.order_by("position", "id")),
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("actor").order_by("created_at", "id"),
            ),
        )
        .annotate(n_supports=Count("supports", distinct=True))
    )


def staff_duplicate_candidates(*, proposal: Proposal) -> QuerySet[Proposal]:
    """Other public proposals of the same pool (no drafts, nothing hidden) it may duplicate.

    The decision's public reason names the other proposal, so it must be one the public sees.
    """
    return (
        Proposal.objects.filter(pool_id=proposal.pool_id, hidden_at__isnull=True)
        .exclude(pk=proposal.pk)
        .exclude(status=Status.DRAFT)
        .order_by("id")
    )


def _open_flags() -> Q:
    return Q(flags__resolved_at__isnull=True, flags__isnull=False)


def _has_open_flag() -> Exists:
    return Exists(Flag.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True))


def staff_flagged_comments(*, district: District) -> QuerySet[Comment]:
    """Comments on the district's proposals with open flags, most flagged first.

    Each carries `n_open_flags` and `open_flags` (the unresolved flags, oldest first).
    """
    return (
        Comment.objects.filter(_has_open_flag(), proposal__pool__district=district)
        .annotate(n_open_flags=Count("flags", filter=_open_flags(), distinct=True))
        .select_related("author", "proposal")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(resolved_at__isnull=True).order_by("created_at", "id"),
                to_attr="open_flags",
            )
        )
        .order_by("-n_open_flags", "created_at", "id")
    )


def staff_comment_for_moderation(*, district: District) -> QuerySet[Comment]:
    """Comments on the district's proposals, with what the rules read joined."""
    return Comment.objects.filter(proposal__pool__district=district).select_related(
        "proposal__pool__district", "proposal__pool__cycle", "author"
    )


def staff_work_counts(*, district: District) -> dict[str, int]:
    """For the district's staff area: proposals waiting for a decision, flagged comments."""
    to_review = Proposal.objects.filter(
        pool__district=district, status__in=(Status.SUBMITTED, Status.UNDER_REVIEW)
    ).count()
    flagged = Comment.objects.filter(_has_open_flag(), proposal__pool__district=district).count()
    return {"to_review": to_review, "flagged": flagged}
