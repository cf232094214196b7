"""Every write in the proposals app. Each status change writes a `Review` row."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from budgets.models import Pool
from budgets.phases import Phase
from civic.formatting import money
from civic.queue import enqueue_on_commit
from proposals import images, tasks
from proposals.models import (
    BODY_MAX,
    COMMENT_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Category,
    Comment,
    Flag,
    Proposal,
    ProposalImage,
    Review,
    Status,
    Support,
)
from proposals.text import clean_text, render_markdown

User = get_user_model()
Action = Review.Action

MAX_IMAGES = 5
EDITABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED)
WITHDRAWABLE_STATUSES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.CHANGES_REQUESTED,
    Status.FEASIBLE,
)
REVIEWABLE_STATUSES = (Status.SUBMITTED, Status.UNDER_REVIEW)
BALLOT_STATUSES = (
    Status.ON_BALLOT,
    Status.SELECTED,
    Status.NOT_SELECTED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
)


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    reason_required: bool = False


# The staff decisions; author actions (submit, withdraw) are their own services.
STAFF_TRANSITIONS: dict[str, Transition] = {
    Action.START_REVIEW: Transition((Status.SUBMITTED,), Status.UNDER_REVIEW),
    Action.REQUEST_CHANGES: Transition(REVIEWABLE_STATUSES, Status.CHANGES_REQUESTED, True),
    Action.MARK_FEASIBLE: Transition(REVIEWABLE_STATUSES, Status.FEASIBLE, True),
    Action.MARK_INFEASIBLE: Transition(
        (*REVIEWABLE_STATUSES, Status.FEASIBLE), Status.INFEASIBLE, True
    ),
    Action.MARK_DUPLICATE: Transition(REVIEWABLE_STATUSES, Status.INFEASIBLE, True),
}


def _lock(proposal: Proposal) -> Proposal:
    # Lock only the proposal row: the pool and cycle are read, not changed, and locking
    # them would make every proposal write in the city wait for one another.
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("pool", "pool__cycle")
        .get(pk=proposal.pk)
    )


def _record(
    proposal: Proposal,
    *,
    actor,
    action: str,
    from_status: str,
    public_reason: str = "",
    internal_note: str = "",
    notify: bool = True,
) -> Review:
    notice = notify and from_status != proposal.status and proposal.author_id is not None
    review = Review.objects.create(
        proposal=proposal,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=proposal.status,
        public_reason=clean_text(public_reason),
        internal_note=clean_text(internal_note),
        notice_due=notice,
    )
    if notice:
        enqueue_on_commit(tasks.proposal_status_email, review_id=review.pk)
    return review


# What an author may set; anything else (status, staff cost, hiding) belongs to staff.
AUTHOR_FIELDS = frozenset(
    {"title", "summary", "body", "category", "latitude", "longitude", "address", "author_cost"}
)
TEXT_LIMITS = {"title": TITLE_MAX, "summary": SUMMARY_MAX, "body": BODY_MAX, "address": 200}


def _too_long(value: str, limit: int) -> str:
    return _("Use at most %(limit)d characters (this has %(length)d).") % {
        "limit": limit,
        "length": len(value),
    }


def _hiding_reason(reason: str) -> str:
    """The cleaned reason moderators give for hiding; required and bounded."""
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Give a reason for hiding.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _too_long(reason, REASON_MAX)})
    return reason


def _validate_fields(pool: Pool, fields: dict) -> dict:
    """Clean the author's fields; costs are checked against the pool amount from the database.

    Lengths are checked before the body is rendered, so no oversized text reaches Markdown.
    """
    unknown = set(fields) - AUTHOR_FIELDS
    if unknown:
        raise TypeError(f"not an author's field: {', '.join(sorted(unknown))}")
    cleaned = dict(fields)
    errors = {}
    for name, limit in TEXT_LIMITS.items():
        if name in cleaned:
            cleaned[name] = clean_text(cleaned[name])
            if len(cleaned[name]) > limit:
                errors[name] = _too_long(cleaned[name], limit)
    for name in ("title", "summary", "body"):
        if name in cleaned and not cleaned[name]:
            errors[name] = _("This field is required.")
    cost = cleaned.get("author_cost")
    if cost is not None:
        cost = Decimal(cost)
        if cost <= 0:
            errors["author_cost"] = _("The cost must be more than zero.")
        elif cost != cost.to_integral_value():
            errors["author_cost"] = _("Enter the cost in whole currency units.")
        elif cost > pool.amount:
            errors["author_cost"] = _("The cost cannot exceed the pool of %(amount)s.") % {
                "amount": money(pool.amount, pool.currency)
            }
    category = cleaned.get("category")
    if category is not None and not isinstance(category, Category):
        errors["category"] = _("Choose a category from the list.")
    if errors:
        raise ValidationError(errors)
    if "body" in cleaned:
        cleaned["body_html"] = render_markdown(cleaned["body"])
    return cleaned


def _check_submission_limit(*, pool: Pool, author) -> None:
    # Every proposal ever submitted counts, withdrawn ones too: withdrawing and submitting
    # again must not get round the limit.
    limit = settings.CIVIC_MAX_PROPOSALS_PER_POOL
    submitted = Proposal.objects.filter(
        pool=pool, author=author, submitted_at__isnull=False
    ).count()
    if submitted >= limit:
        raise ValidationError(
            _("You can submit at most %(limit)d proposals to this pool.") % {"limit": limit},
            code="limit",
        )


@transaction.atomic
def proposal_create(*, pool: Pool, author, submit: bool = False, **fields) -> Proposal:
    """Save a resident's new proposal as a draft, or submit it at once.

    Caller checked `proposals.add_proposal`. Locks the author's row so that parallel
    submissions cannot pass the per-pool limit together.
    """
    User.objects.select_for_update().get(pk=author.pk)
    cleaned = _validate_fields(pool, fields)
    proposal = Proposal(pool=pool, author=author, status=Status.DRAFT, **cleaned)
    proposal.full_clean(exclude=["body_html"])
    proposal.save()
    if submit:
        return proposal_submit(proposal=proposal, actor=author)
    return proposal


@transaction.atomic
def proposal_update(*, proposal: Proposal, actor, **fields) -> Proposal:
    """The author edits a draft, a submitted proposal before review, or one sent back.

    Caller checked `proposals.change_proposal`. A submitted proposal's edit is logged.
    """
    proposal = _lock(proposal)
    if proposal.status not in EDITABLE_STATUSES:
        raise ValidationError(_("This proposal can no longer be edited."), code="status")
    cleaned = _validate_fields(proposal.pool, fields)
    for name, value in cleaned.items():
        setattr(proposal, name, value)
    proposal.full_clean(exclude=["body_html"])
    proposal.save()
    if proposal.status != Status.DRAFT:
        _record(
            proposal, actor=actor, action=Action.EDIT, from_status=proposal.status, notify=False
        )
    return proposal


@transaction.atomic
def proposal_submit(*, proposal: Proposal, actor) -> Proposal:
    """Submit a draft (or resubmit after requested changes) in the submission phase."""
    User.objects.select_for_update().get(pk=actor.pk)
    proposal = _lock(proposal)
    before = proposal.status
    if before not in (Status.DRAFT, Status.CHANGES_REQUESTED):
        raise ValidationError(_("Only a draft or a returned proposal can be submitted."))
    phase = proposal.pool.phase
    if before == Status.DRAFT and phase != Phase.SUBMISSION:
        raise ValidationError(_("Proposals can only be submitted while submission is open."))
    if before == Status.CHANGES_REQUESTED and phase not in (Phase.SUBMISSION, Phase.REVIEW):
        raise ValidationError(_("The review of this pool has ended."))
    if before == Status.DRAFT:
        _check_submission_limit(pool=proposal.pool, author=proposal.author)
        proposal.submitted_at = timezone.now()
    proposal.status = Status.SUBMITTED
    proposal.save(update_fields=["status", "submitted_at", "updated_at"])
    _record(proposal, actor=actor, action=Action.SUBMIT, from_status=before, notify=False)
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor, reason: str = "") -> Proposal:
    """The author withdraws the proposal before it reaches the ballot.

    A draft was never public: it is deleted with its image files (the returned instance
    then has no pk). Anything later becomes `withdrawn`, with a Review.
    """
    proposal = _lock(proposal)
    before = proposal.status
    if before not in WITHDRAWABLE_STATUSES:
        raise ValidationError(_("This proposal can no longer be withdrawn."), code="status")
    if before == Status.DRAFT:
        for image in proposal.images.all():
            proposal_image_remove(image=image)
        proposal.delete()
        return proposal
    proposal.status = Status.WITHDRAWN
    proposal.save(update_fields=["status", "updated_at"])
    # The author did this themselves: no e-mail about it.
    _record(
        proposal,
        actor=actor,
        action=Action.WITHDRAW,
        from_status=before,
        public_reason=reason,
        notify=False,
    )
    return proposal


@transaction.atomic
def proposal_review(
    *,
    proposal: Proposal,
    actor,
    action: str,
    public_reason: str = "",
    internal_note: str = "",
    staff_cost: Decimal | None = None,
    duplicate_of: Proposal | None = None,
) -> Proposal:
    """Apply a staff decision (see STAFF_TRANSITIONS) and record it.

    Caller checked `proposals.review_proposal`. Locks the proposal; a transition not
    allowed from the current status, or missing its reason, raises ValidationError and
    changes nothing. Feasible needs a staff cost within the pool; duplicate needs another
    proposal of the same pool.
    """
    transition = STAFF_TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("Unknown action."), code="action")
    proposal = _lock(proposal)
    before = proposal.status
    if proposal.pool.phase not in (Phase.SUBMISSION, Phase.REVIEW, Phase.SUPPORT):
        raise ValidationError(
            _("Proposals can only be reviewed before voting opens."), code="phase"
        )
    if before not in transition.sources:
        raise ValidationError(
            _("“%(action)s” is not possible for a proposal that is “%(status)s”.")
            % {"status": proposal.get_status_display(), "action": Action(action).label},
            code="status",
        )
    public_reason = clean_text(public_reason)
    internal_note = clean_text(internal_note)
    errors = {}
    if len(public_reason) > REASON_MAX:
        errors["public_reason"] = _too_long(public_reason, REASON_MAX)
    if len(internal_note) > REASON_MAX:
        errors["internal_note"] = _too_long(internal_note, REASON_MAX)
    if transition.reason_required and not public_reason and action != Action.MARK_DUPLICATE:
        errors["public_reason"] = _("Give a public reason for this decision.")
    if action == Action.MARK_FEASIBLE:
        if staff_cost is None or Decimal(staff_cost) <= 0:
            errors["staff_cost"] = _("Enter the district's cost estimate.")
        elif Decimal(staff_cost) != Decimal(staff_cost).to_integral_value():
            errors["staff_cost"] = _("Enter the cost in whole currency units.")
        elif Decimal(staff_cost) > proposal.pool.amount:
            errors["staff_cost"] = _("The cost cannot exceed the pool.")
    if action == Action.MARK_DUPLICATE:
        if (
            duplicate_of is None
            or duplicate_of.pk == proposal.pk
            or duplicate_of.pool_id != proposal.pool_id
            or duplicate_of.status == Status.DRAFT
            or duplicate_of.hidden_at is not None
        ):
            errors["duplicate_of"] = _("Choose another proposal of the same pool.")
        elif duplicate_of.duplicate_of_id is not None:
            # Pointing at the original keeps chains (and loops) of duplicates from forming.
            errors["duplicate_of"] = _("That proposal is itself a duplicate; choose the original.")
        elif not public_reason:
            public_reason = _("Duplicate of proposal #%(number)d, “%(title)s”.") % {
                "number": duplicate_of.pk,
                "title": duplicate_of.title,
            }
    if errors:
        raise ValidationError(errors)
    proposal.status = transition.target
    fields = ["status", "updated_at"]
    if action == Action.MARK_FEASIBLE:
        proposal.staff_cost = Decimal(staff_cost)
        fields.append("staff_cost")
    if action == Action.MARK_DUPLICATE:
        proposal.duplicate_of = duplicate_of
        fields.append("duplicate_of")
    proposal.save(update_fields=fields)
    _record(
        proposal,
        actor=actor,
        action=action,
        from_status=before,
        public_reason=public_reason,
        internal_note=internal_note,
    )
    return proposal


@transaction.atomic
def proposal_hide(*, proposal: Proposal, actor, reason: str) -> Proposal:
    """Staff hide an abusive proposal from the public, with a reason shown to its author."""
    reason = _hiding_reason(reason)
    proposal = _lock(proposal)
    if proposal.hidden_at is not None:
        return proposal
    proposal.hidden_at = timezone.now()
    proposal.hidden_reason = reason
    proposal.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    # The reason is shown to the author with the proposal, not in its public history.
    _record(
        proposal,
        actor=actor,
        action=Action.HIDE,
        from_status=proposal.status,
        internal_note=reason,
        notify=False,
    )
    return proposal


@transaction.atomic
def proposal_unhide(*, proposal: Proposal, actor, note: str = "") -> Proposal:
    """Staff show a hidden proposal again (e.g. after an appeal); the hiding stays on record."""
    proposal = _lock(proposal)
    if proposal.hidden_at is None:
        return proposal
    proposal.hidden_at = None
    proposal.hidden_reason = ""
    proposal.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    _record(
        proposal,
        actor=actor,
        action=Action.UNHIDE,
        from_status=proposal.status,
        internal_note=note,
        notify=False,
    )
    return proposal


def _next_image_position(proposal: Proposal) -> int:
    last = proposal.images.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def proposal_image_add(
    *, proposal: Proposal, upload: UploadedFile, alt_text: str = ""
) -> ProposalImage:
    """Attach an image (at most five), re-encoded without metadata, with a thumbnail."""
    proposal = _lock(proposal)
    if proposal.images.count() >= MAX_IMAGES:
        raise ValidationError(_("A proposal can have at most 5 images."), code="max_images")
    processed = images.process_upload(upload)
    name = get_random_string(16).lower()
    image = ProposalImage(
        proposal=proposal,
        width=processed.width,
        height=processed.height,
        alt_text=clean_text(alt_text)[:200],
        position=_next_image_position(proposal),
    )
    image.image.save(f"{name}.{processed.extension}", ContentFile(processed.image), save=False)
    image.thumbnail.save(
        f"{name}-thumb.{processed.extension}", ContentFile(processed.thumbnail), save=False
    )
    image.save()
    return image


@transaction.atomic
def proposal_image_remove(*, image: ProposalImage) -> None:
    """Delete an image and its files."""
    storage_names = [image.image.name, image.thumbnail.name]
    storage = image.image.storage
    image.delete()
    transaction.on_commit(lambda: [storage.delete(n) for n in storage_names if n])


@transaction.atomic
def proposal_drafts_delete(*, author) -> int:
    """Delete the author's drafts (never submitted, seen by nobody else) with their images'
    files after commit, as their account closes; return how many."""
    drafts = Proposal.objects.filter(author=author, status=Status.DRAFT)
    images = ProposalImage.objects.filter(proposal__in=drafts)
    names = [name for pair in images.values_list("image", "thumbnail") for name in pair if name]
    storage = ProposalImage._meta.get_field("image").storage
    deleted = drafts.delete()[1].get(Proposal._meta.label, 0)
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return deleted


@transaction.atomic
def comment_post(
    *, proposal: Proposal, author, body: str, parent: Comment | None = None
) -> Comment:
    """Post a comment (or a reply to a top-level comment), within the author's rate limit.

    Caller checked `proposals.comment_proposal`. Locks the author's row so that the
    limit holds under parallel posts.
    """
    User.objects.select_for_update().get(pk=author.pk)
    body = clean_text(body)
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError({"body": _too_long(body, COMMENT_MAX)})
    if parent is not None and (
        parent.proposal_id != proposal.pk
        or parent.parent_id is not None
        or parent.hidden_at is not None
    ):
        raise ValidationError({"parent": _("You can only reply to a comment on this proposal.")})
    window = timezone.now() - timedelta(minutes=settings.CIVIC_COMMENT_WINDOW_MINUTES)
    recent = Comment.objects.filter(author=author, created_at__gte=window).count()
    if recent >= settings.CIVIC_MAX_COMMENTS_PER_WINDOW:
        raise ValidationError(
            _("You have posted many comments in a short time. Please wait a few minutes."),
            code="rate",
        )
    comment = Comment(proposal=proposal, author=author, parent=parent, body=body)
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def comment_flag(*, comment: Comment, user, reason: str = "") -> Flag:
    """Report a comment to the district's moderators; a second flag by the same user is a no-op.

    Refuses hidden comments and one's own.
    """
    if comment.hidden_at is not None or comment.author_id == user.pk:
        raise ValidationError(_("This comment cannot be reported."), code="flag")
    flag, _created = Flag.objects.get_or_create(
        comment=comment, user=user, defaults={"reason": clean_text(reason)[:300]}
    )
    return flag


@transaction.atomic
def comment_hide(*, comment: Comment, actor, reason: str) -> Comment:
    """Staff hide a comment with a reason (shown to its author) and resolve its flags."""
    reason = _hiding_reason(reason)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    now = timezone.now()
    comment.hidden_at, comment.hidden_reason, comment.hidden_by = now, reason, actor
    comment.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    comment.flags.filter(resolved_at__isnull=True).update(resolved_at=now)
    return comment


@transaction.atomic
def comment_flags_dismiss(*, comment: Comment) -> int:
    """Staff keep a flagged comment: its open flags are resolved."""
    return comment.flags.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())


def support_add(*, proposal: Proposal, user) -> Support:
    """Support a proposal once; the unique constraint settles parallel clicks."""
    try:
        with transaction.atomic():
            return Support.objects.create(proposal=proposal, user=user)
    except IntegrityError:
        return Support.objects.get(proposal=proposal, user=user)


@transaction.atomic
def support_remove(*, proposal: Proposal, user) -> None:
    """Take one's support back (allowed while the support phase lasts)."""
    Support.objects.filter(proposal=proposal, user=user).delete()


@transaction.atomic
def pool_ballot_compose(*, pool: Pool) -> list[Proposal]:
    """Put the pool's feasible proposals on the ballot once voting is about to open.

    With a support phase, only those reaching the pool's threshold, or its top N by
    supports, go on; without one, every feasible proposal does. Locks the pool row, so
    two beat runs do the work once; a second run finds nothing left to move.
    """
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    if Proposal.objects.filter(pool=pool, status__in=BALLOT_STATUSES).exists():
        return []
    feasible = Proposal.objects.filter(pool=pool, status=Status.FEASIBLE, hidden_at__isnull=True)
    if pool.dates.support_starts is not None and (pool.support_threshold or pool.support_top_n):
        ranked = feasible.annotate(n_supports=Count("supports")).order_by("-n_supports", "id")
        if pool.support_threshold:
            ranked = ranked.filter(n_supports__gte=pool.support_threshold)
        if pool.support_top_n:
            ranked = ranked[: pool.support_top_n]
        chosen = list(ranked)
    else:
        chosen = list(feasible)
    for proposal in chosen:
        before = proposal.status
        proposal.status = Status.ON_BALLOT
        proposal.save(update_fields=["status", "updated_at"])
        _record(proposal, actor=None, action=Action.PUT_ON_BALLOT, from_status=before)
    return chosen


def pool_outcome_apply(*, pool: Pool, selected_ids: set[int], public_reason: str = "") -> int:
    """Mark the pool's ballot proposals selected or not selected from the official tally.

    Runs inside the caller's transaction (the tally service's); writes a Review per
    proposal and e-mails each author after commit. Returns how many proposals changed.
    """
    changed = 0
    proposals = Proposal.objects.select_for_update(of=("self",)).filter(
        pool=pool, status__in=(Status.ON_BALLOT, Status.SELECTED, Status.NOT_SELECTED)
    )
    for proposal in proposals.order_by("pk"):
        target = Status.SELECTED if proposal.pk in selected_ids else Status.NOT_SELECTED
        if proposal.status == target:
            continue
        before = proposal.status
        proposal.status = target
        proposal.save(update_fields=["status", "updated_at"])
        action = Action.SELECT if target == Status.SELECTED else Action.NOT_SELECT
        _record(
            proposal, actor=None, action=action, from_status=before, public_reason=public_reason
        )
        changed += 1
    return changed
