"""Record pabutools 1.2.3's selected sets for the shared pabulib files in a JSON file.

The test suite compares the engine against this file for the pairs that pabutools needs minutes
or hours for. Each file x rule runs in its own process under a time cap; results are merged into
the existing JSON as they come, so an interrupted run keeps what it finished.

    python bench/pabutools_expected.py [--files SUBSTR ...] [--rules RULE ...] [--timeout S]
                                       [--memory GIB] [--stepwise]

mes-add1-greedy is pabutools' completion_by_rule_combination: the mes-add1 outcome, returned as
it is when exhaustive, else completed by greedy_utilitarian_welfare from it. Where pabutools'
mes-add1 outcome is already recorded, the script runs only that completion step (with pabutools)
from the recorded outcome, and marks the entry `"from": "mes-add1"`. With --stepwise, mes-add1
runs pabutools' method_of_equal_shares once per step (`reference.mes_add1_stepwise`, the loop of
voter_budget_increment=1 written out), for the files whose tens of thousands of steps take
pabutools' own loop past any memory cap; such entries are marked `"stepwise": true`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgets.tally import reference  # noqa: E402

PABULIB = ROOT.parent / "shared" / "pabulib"
EXPECTED = ROOT / "tests" / "tally" / "data" / "pabutools_expected.json"
VARIANTS = (*reference.RULES, "mes-add1:overspend", "mes-add1-greedy:overspend")


def _run(
    path: str,
    variant: str,
    start: list[str] | None,
    memory: int,
    stepwise: bool,
    queue: multiprocessing.Queue,
) -> None:
    # pabutools' MES caches grow with every budget step; cap memory so the machine survives.
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    rule, _, stop = variant.partition(":")
    # The multiprofile (distinct ballots with multiplicities) is pabutools' own faster input;
    # every rule here gives the same outcome on it as on the one-ballot-per-voter profile.
    instance, profile = reference.load_file(path, multiprofile=True)
    started = time.perf_counter()
    if stepwise:
        progress = partial(print, f"{Path(path).name} {variant}: step", flush=True)
        selected = reference.mes_add1_stepwise(instance, profile, progress)
    elif start is None:
        selected = reference.select(instance, profile, rule, add1_stop=stop or "exhaustive")
    else:
        selected = reference.complete(instance, profile, start)
    queue.put((selected, time.perf_counter() - started))


def run_capped(
    path: Path,
    variant: str,
    timeout: float,
    start: list[str] | None = None,
    memory: float = 6,
    stepwise: bool = False,
) -> tuple[list[str], float] | None:
    """Run one pabutools rule in a child process; None when it hit the time cap."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    limit = int(memory * 2**30)
    child = multiprocessing.Process(
        target=_run, args=(str(path), variant, start, limit, stepwise, queue)
    )
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return queue.get() if not queue.empty() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="*", default=[], help="substrings of file names")
    parser.add_argument("--rules", nargs="*", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per pair")
    parser.add_argument("--memory", type=float, default=6.0, help="GiB per pabutools process")
    parser.add_argument(
        "--stepwise", action="store_true", help="mes-add1 as pabutools' MES once per step"
    )
    args = parser.parse_args()

    expected = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
    paths = sorted(PABULIB.glob("*.pb"), key=lambda p: p.stat().st_size)
    paths = [p for p in paths if not args.files or any(s in p.name for s in args.files)]
    for variant in args.rules:
        for path in paths:
            recorded = expected.get(path.name, {})
            if variant in recorded:
                continue
            base = variant.replace("mes-add1-greedy", "mes-add1")
            start = recorded[base]["selected"] if base != variant and base in recorded else None
            stepwise = args.stepwise and variant == "mes-add1"
            outcome = run_capped(path, variant, args.timeout, start, args.memory, stepwise)
            if outcome is None:
                print(f"{path.name} {variant}: over {args.timeout:.0f} s", flush=True)
                continue
            selected, seconds = outcome
            print(f"{path.name} {variant}: {len(selected)} selected in {seconds:.1f} s", flush=True)
            expected = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
            entry = {"selected": selected, "seconds": round(seconds, 1)}
            if start is not None:
                entry["from"] = base
            if stepwise:
                entry["stepwise"] = True
            expected.setdefault(path.name, {})[variant] = entry
            EXPECTED.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
