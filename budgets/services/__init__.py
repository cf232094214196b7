"""Every write in the budgets app: budgets and pools, ballots, paper ballots, closing."""

from budgets.services.paper import paper_conflict_resolve, paper_entry_record
from budgets.services.pools import (
    PHASE_OVERRIDE_FIELDS,
    district_budget_set,
    pool_amount,
    pool_create,
    pool_dates_check,
    pool_set_phase_dates,
    pool_update,
)
from budgets.services.reports import (
    report_approve,
    report_fail,
    report_render,
    report_render_again,
    report_request,
    report_return,
    retally_request,
)
from budgets.services.tallies import pool_tally_options, tally_fail, tally_request, tally_run
from budgets.services.voting import (
    age_band,
    ballot_cast,
    ballots_freeze,
    ballots_pb_text,
    receipt_mark_sent,
    receipt_new,
    receipt_normalise,
    reminder_due,
    voter_problem,
    voting_reminder_recipients,
    voting_reminder_start,
)

__all__ = [
    "PHASE_OVERRIDE_FIELDS",
    "age_band",
    "ballot_cast",
    "ballots_freeze",
    "ballots_pb_text",
    "district_budget_set",
    "paper_conflict_resolve",
    "paper_entry_record",
    "pool_amount",
    "pool_create",
    "pool_dates_check",
    "pool_set_phase_dates",
    "pool_tally_options",
    "pool_update",
    "receipt_mark_sent",
    "receipt_new",
    "report_approve",
    "report_fail",
    "report_render",
    "report_render_again",
    "report_request",
    "report_return",
    "retally_request",
    "tally_fail",
    "tally_request",
    "tally_run",
    "receipt_normalise",
    "reminder_due",
    "voter_problem",
    "voting_reminder_recipients",
    "voting_reminder_start",
]
