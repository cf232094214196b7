"""Benchmark the tally engine against pabutools 1.2.3 on the shared pabulib files.

    python bench/tally.py [--files SUBSTR ...] [--rules RULE ...] [--no-pabutools] [--cap S]

For every file and rule it prints voters, projects, parse time, the time to build our profile
(distinct ballots with multiplicities, once per file and shared by every rule), our time for
the rule, pabutools' time for the rule (in a child process, capped) and the speed-up, and checks
that both select the same projects. Both sides are timed the same way: building the profile
(ours) or the instance and profile (pabutools' load) is left out of the rule's time. numba's
one-off compilation of the Add1 scan is timed apart, first.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgets.tally import RULES, load, profile_from_election, tally  # noqa: E402
from budgets.tally import reference as pabutools  # noqa: E402
from budgets.tally.fast import warm_up  # noqa: E402

PABULIB = ROOT.parent / "shared" / "pabulib"
MEMORY_CAP = 6 * 2**30


def _pabutools(path: str, rule: str, queue: multiprocessing.Queue) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    instance, profile = pabutools.load_file(path)
    started = time.perf_counter()
    selected = pabutools.select(instance, profile, rule)
    queue.put((selected, time.perf_counter() - started))


def run_pabutools(path: Path, rule: str, cap: float) -> tuple[list[str] | None, float | None]:
    """pabutools' selection and seconds, or (None, None) past the cap or out of memory."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_pabutools, args=(str(path), rule, queue))
    child.start()
    child.join(cap)
    if child.is_alive():
        child.kill()
        child.join()
    return queue.get() if not queue.empty() else (None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="*", default=[], help="substrings of file names")
    parser.add_argument("--rules", nargs="*", default=list(RULES), choices=list(RULES))
    parser.add_argument("--no-pabutools", action="store_true", help="time only our engine")
    parser.add_argument("--cap", type=float, default=600.0, help="pabutools seconds per pair")
    args = parser.parse_args()

    # numba compiles the Add1 scan once and caches it on disk; time that apart from the rules.
    started = time.perf_counter()
    warm_up()
    compiled = time.perf_counter() - started
    print(f"Add1 scan compiled or loaded from numba's cache in {compiled:.2f} s")
    print(f"threads for Add1 scans: {len(os.sched_getaffinity(0))}")
    paths = sorted(PABULIB.glob("*.pb"), key=lambda p: p.stat().st_size)
    paths = [p for p in paths if not args.files or any(s in p.name for s in args.files)]
    print(
        f"{'file':44} {'rule':16} {'voters':>7} {'proj':>4} {'parse s':>7} {'profile s':>9} "
        f"{'ours s':>8} "
        f"{'pabutools s':>11} {'speed-up':>8}  same"
    )
    for path in paths:
        started = time.perf_counter()
        election = load(path)
        parse = time.perf_counter() - started
        started = time.perf_counter()
        profile = profile_from_election(election)
        building = time.perf_counter() - started
        for rule in args.rules:
            started = time.perf_counter()
            result = tally(profile, rule)
            ours = time.perf_counter() - started
            theirs_text, speed, same = "-", "-", "-"
            if not args.no_pabutools:
                selected, theirs = run_pabutools(path, rule, args.cap)
                if theirs is None:
                    theirs_text, speed = f">{args.cap:.0f} s", f">{args.cap / ours:.0f}x"
                else:
                    theirs_text, speed = f"{theirs:.3f}", f"{theirs / ours:.0f}x"
                    same = "yes" if sorted(result.selected) == selected else "NO"
            print(
                f"{path.name[:44]:44} {rule:16} {len(election.votes):7} "
                f"{len(election.projects):4} {parse:7.2f} {building:9.3f} {ours:8.3f} "
                f"{theirs_text:>11} {speed:>8}  {same}",
                flush=True,
            )


if __name__ == "__main__":
    main()
