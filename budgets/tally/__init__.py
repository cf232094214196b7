"""Pure tally engine: pabulib `.pb` files in and out, and the rules greedy, mes, mes-add1 and
mes-add1-greedy (exactly as pabutools 1.2.3 computes them). No Django here."""

from .pb import (
    Election,
    PBFormatError,
    Project,
    Vote,
    dump,
    dumps,
    load,
    loads,
    sha256_election,
    sha256_file,
)
from .profile import Options, Profile, make_profile, profile_from_election
from .result import ProjectResult, TallyResult
from .rules import RULES, greedy, mes, mes_add1, mes_add1_greedy, tally

__all__ = [
    "RULES",
    "Election",
    "Options",
    "PBFormatError",
    "Profile",
    "Project",
    "ProjectResult",
    "TallyResult",
    "Vote",
    "dump",
    "dumps",
    "greedy",
    "load",
    "loads",
    "make_profile",
    "mes",
    "mes_add1",
    "mes_add1_greedy",
    "profile_from_election",
    "sha256_election",
    "sha256_file",
    "tally",
]
