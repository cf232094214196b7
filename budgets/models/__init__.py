"""The budgets app's models: cycles, budgets and pools; ballots and their freeze."""

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
    "AgeBand",
    "Ballot",
    "BallotFreeze",
    "BallotLine",
    "BallotMethod",
    "BudgetLine",
    "Channel",
    "Currency",
    "Cycle",
    "DistrictBudget",
    "PaperBallot",
    "PaperEntry",
    "Pool",
    "Tally",
    "TallyRule",
    "TieBreak",
    "VotingReminder",
]
