import rules

from budgets.phases import Phase
from districts.predicates import is_district_staff, is_resident_of, is_verified_resident
from proposals.models import Comment, Proposal, Status
from proposals.services import EDITABLE_STATUSES, WITHDRAWABLE_STATUSES


@rules.predicate
def pool_accepts_proposals(user, pool) -> bool:
    """The pool is in its submission phase."""
    return pool is not None and pool.phase == Phase.SUBMISSION


@rules.predicate
def is_resident_of_pool_district(user, pool) -> bool:
    """The user is a verified resident of the pool's district."""
    return pool is not None and is_resident_of(user, pool.district)


@rules.predicate
def is_proposal_author(user, proposal: Proposal) -> bool:
    """The user wrote the proposal."""
    return bool(user.is_authenticated and proposal is not None and proposal.author_id == user.pk)


@rules.predicate
def is_staff_of_proposal_district(user, proposal: Proposal) -> bool:
    """The user is staff of the district the proposal's pool belongs to."""
    return proposal is not None and is_district_staff(user, proposal.pool.district)


@rules.predicate
def proposal_is_editable(user, proposal: Proposal) -> bool:
    """A draft or submitted proposal in the submission phase, or one sent back before voting."""
    if proposal is None or proposal.status not in EDITABLE_STATUSES:
        return False
    phase = proposal.pool.phase
    if proposal.status == Status.CHANGES_REQUESTED:
        return phase in (Phase.SUBMISSION, Phase.REVIEW)
    return phase == Phase.SUBMISSION


@rules.predicate
def proposal_is_withdrawable(user, proposal: Proposal) -> bool:
    """Not yet on the ballot."""
    return proposal is not None and proposal.status in WITHDRAWABLE_STATUSES


@rules.predicate
def proposal_is_public(user, proposal: Proposal) -> bool:
    """Submitted and not hidden by moderators."""
    return proposal is not None and proposal.status != Status.DRAFT and proposal.hidden_at is None


@rules.predicate
def proposal_in_support_phase(user, proposal: Proposal) -> bool:
    """The pool's support phase is on and the proposal was found feasible."""
    return (
        proposal is not None
        and proposal.status == Status.FEASIBLE
        and proposal.pool.phase == Phase.SUPPORT
    )


@rules.predicate
def is_resident_of_proposal_district(user, proposal: Proposal) -> bool:
    return proposal is not None and is_resident_of(user, proposal.pool.district)


@rules.predicate
def is_staff_of_comment_district(user, comment: Comment) -> bool:
    return comment is not None and is_district_staff(user, comment.proposal.pool.district)


@rules.predicate
def is_comment_author(user, comment: Comment) -> bool:
    """The user wrote the comment."""
    return bool(user.is_authenticated and comment is not None and comment.author_id == user.pk)


@rules.predicate
def comment_is_visible(user, comment: Comment) -> bool:
    return comment is not None and comment.hidden_at is None


can_comment = is_verified_resident
