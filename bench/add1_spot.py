"""Spot-check mes-add1 against pabutools where pabutools' whole loop is out of reach.

    python bench/add1_spot.py FILE_SUBSTR [--samples 20]

pabutools' mes-add1 runs MES with budget / voters + k per voter for k = 0, 1, ... until the
outcome is exhaustive or overspends. On Budapest 2024 that is 22,001 steps of about 15 s each
(some 90 hours), so the suite cannot compare the whole loop. This runs pabutools' own MES at
our stop step S, at S - 1 and S + 1, and at `samples` steps spread over 0 .. S - 1, and compares
each with our exact engine's run at the same budget: the same selection, and the same verdict
(overspends, exhaustive or neither), which the loop's answer depends on. It is evidence, not
proof: the steps it does not sample are checked only by our own plain-loop tests.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgets.tally import Options, load, profile_from_election, reference, tally  # noqa: E402
from budgets.tally import equal_shares as mes_engine  # noqa: E402
from budgets.tally.rules import _exhaustive  # noqa: E402

PABULIB = ROOT.parent / "shared" / "pabulib"


def ours(profile, inst, step: int) -> tuple[list[str], bool, bool]:
    """Our exact MES run at step k: selection (sorted ids), overspends, exhaustive."""
    start = Fraction(profile.budget, profile.num_voters)
    run = mes_engine.run(inst, start + step * profile.unit, exact=True)
    chosen = inst.free + run.winners
    spent = sum(profile.costs[p] for p in chosen)
    exhaustive = _exhaustive(profile, inst, chosen, spent)
    return sorted(profile.ids[p] for p in chosen), spent > profile.budget, exhaustive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="substring of a shared file's name")
    parser.add_argument("--samples", type=int, default=20, help="steps spread below the stop")
    args = parser.parse_args()
    (path,) = [p for p in PABULIB.glob("*.pb") if args.file in p.name]
    profile = profile_from_election(load(path))
    inst = mes_engine.Instance(profile, Options())
    stop = tally(profile, "mes-add1").increments
    instance, pb_profile = reference.load_file(str(path), multiprofile=True)
    ends = {max(stop - 1, 0), stop, stop + 1}
    steps = sorted({stop * k // args.samples for k in range(args.samples)} | ends)
    print(f"{path.name}: our mes-add1 stops at step {stop}; {len(steps)} steps checked")
    print("   step selected overspends exhaustive pabutools s  same")
    agree = True
    for step in steps:
        started = time.perf_counter()
        theirs = reference.mes_step(instance, pb_profile, step)
        seconds = time.perf_counter() - started
        mine = ours(profile, inst, step)
        same = theirs == mine
        agree &= same
        selected, over, exhaustive = theirs
        print(
            f"{step:>7} {len(selected):>8} {over!s:>10} {exhaustive!s:>10} {seconds:>11.1f}  "
            f"{'yes' if same else 'NO'}",
            flush=True,
        )
    # The loop's answer: nothing sampled below S stops it; S is exhaustive or S + 1 overspends.
    print("all steps agree" if agree else "DISAGREEMENT")
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
