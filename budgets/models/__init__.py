"""The budgets app's models: cycles, budgets and pools; ballots, tallies and reports."""

from budgets.models.pools import (
    LOCKED_POOL_FIELDS,
    Add1Stop,
    BallotMethod,
    BudgetLine,
    Currency,
    Cycle,
    DistrictBudget,
    Pool,
    TallyRule,
    TieBreak,
)
from budgets.models.reports import AuditEvent, CycleSummary, Report, ReportFile
from budgets.models.tallies import Tally
from budgets.models.voting import (
    AgeBand,
    Ballot,
    BallotFreeze,
    BallotLine,
    Channel,
    PaperBallot,
    PaperEntry,
    VotingReminder,
)

__all__ = [
    "LOCKED_POOL_FIELDS",
    "Add1Stop",
    "AuditEvent",
    "AgeBand",
    "Ballot",
    "BallotFreeze",
    "BallotLine",
    "BallotMethod",
    "BudgetLine",
    "Channel",
    "Currency",
    "Cycle",
    "CycleSummary",
    "DistrictBudget",
    "PaperBallot",
    "PaperEntry",
    "Pool",
    "Report",
    "ReportFile",
    "Tally",
    "TallyRule",
    "TieBreak",
    "VotingReminder",
]
