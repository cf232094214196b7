import rules

from civic.accounts.predicates import is_city_admin
from proposals.predicates import (
    can_comment,
    comment_is_visible,
    is_comment_author,
    is_proposal_author,
    is_resident_of_pool_district,
    is_resident_of_proposal_district,
    is_staff_of_comment_district,
    is_staff_of_proposal_district,
    pool_accepts_proposals,
    proposal_in_support_phase,
    proposal_is_editable,
    proposal_is_public,
    proposal_is_withdrawable,
)

is_reviewer = is_staff_of_proposal_district | is_city_admin

rules.add_perm("proposals.add_proposal", is_resident_of_pool_district & pool_accepts_proposals)
rules.add_perm("proposals.view_proposal", proposal_is_public | is_proposal_author | is_reviewer)
rules.add_perm("proposals.change_proposal", is_proposal_author & proposal_is_editable)
rules.add_perm("proposals.withdraw_proposal", is_proposal_author & proposal_is_withdrawable)
rules.add_perm("proposals.review_proposal", is_reviewer)
rules.add_perm("proposals.view_internal_notes", is_reviewer)
rules.add_perm("proposals.comment_proposal", can_comment & proposal_is_public)
rules.add_perm(
    "proposals.support_proposal",
    is_resident_of_proposal_district & proposal_in_support_phase & proposal_is_public,
)
rules.add_perm(
    "proposals.flag_comment", rules.is_authenticated & comment_is_visible & ~is_comment_author
)
rules.add_perm("proposals.moderate_comment", is_staff_of_comment_district | is_city_admin)
