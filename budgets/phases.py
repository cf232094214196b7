"""The phases of a cycle, derived from its dates and the clock — never stored by hand."""

from dataclasses import dataclass, fields
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    DRAFT = "draft", _("In preparation")
    SUBMISSION = "submission", _("Proposals open")
    REVIEW = "review", _("Review")
    SUPPORT = "support", _("Support")
    VOTING = "voting", _("Voting")
    TALLYING = "tallying", _("Counting")
    RESULTS = "results", _("Results")
    IMPLEMENTATION = "implementation", _("Implementation")


# The PhaseDates field holding each phase's start.
START_FIELDS = {
    Phase.SUBMISSION: "submission_starts",
    Phase.REVIEW: "review_starts",
    Phase.SUPPORT: "support_starts",
    Phase.VOTING: "voting_starts",
    Phase.TALLYING: "voting_ends",
    Phase.RESULTS: "results_starts",
    Phase.IMPLEMENTATION: "implementation_starts",
}


@dataclass(frozen=True)
class PhaseDates:
    """When each phase starts; `support_starts` and `implementation_starts` are optional."""

    submission_starts: datetime
    review_starts: datetime
    support_starts: datetime | None
    voting_starts: datetime
    voting_ends: datetime
    results_starts: datetime
    implementation_starts: datetime | None

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def starts(self) -> list[tuple[Phase, datetime]]:
        """Each phase that takes place, with its start, in order."""
        steps = [
            (Phase.SUBMISSION, self.submission_starts),
            (Phase.REVIEW, self.review_starts),
            (Phase.SUPPORT, self.support_starts),
            (Phase.VOTING, self.voting_starts),
            (Phase.TALLYING, self.voting_ends),
            (Phase.RESULTS, self.results_starts),
            (Phase.IMPLEMENTATION, self.implementation_starts),
        ]
        return [(phase, start) for phase, start in steps if start is not None]


def phase_at(dates: PhaseDates, now: datetime) -> Phase:
    """The phase in force at `now`: each phase starts at its instant, inclusive."""
    current = Phase.DRAFT
    for phase, start in dates.starts():
        if now >= start:
            current = phase
    return current


@dataclass(frozen=True)
class TimelineStep:
    phase: Phase
    starts: datetime
    ends: datetime | None
    state: str  # "past", "current" or "future"


def timeline(dates: PhaseDates, now: datetime) -> list[TimelineStep]:
    """The phases with their spans and whether each is past, current or still to come."""
    starts = dates.starts()
    current = phase_at(dates, now)
    steps = []
    seen_current = False
    for index, (phase, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else None
        if phase == current:
            state, seen_current = "current", True
        else:
            state = "future" if seen_current or current == Phase.DRAFT else "past"
        steps.append(TimelineStep(phase=phase, starts=start, ends=end, state=state))
    return steps
