"""Record pabutools 1.2.3's selected sets for the shared pabulib files in a JSON file.

The test suite compares the engine against this file for the pairs that pabutools needs minutes
or hours for. Each file x rule runs in its own process under a time cap; results are merged into
the existing JSON as they come, so an interrupted run keeps what it finished.

    python bench/pabutools_expected.py [--files SUBSTR ...] [--rules RULE ...] [--timeout S]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgets.tally import reference  # noqa: E402

PABULIB = ROOT.parent / "shared" / "pabulib"
EXPECTED = ROOT / "tests" / "tally" / "data" / "pabutools_expected.json"
MEMORY_CAP = 6 * 2**30
VARIANTS = (*reference.RULES, "mes-add1:overspend", "mes-add1-greedy:overspend")


def _run(path: str, variant: str, queue: multiprocessing.Queue) -> None:
    # pabutools' MES caches grow with every budget step; cap memory so the machine survives.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    rule, _, stop = variant.partition(":")
    # The multiprofile (distinct ballots with multiplicities) is pabutools' own faster input;
    # every rule here gives the same outcome on it as on the one-ballot-per-voter profile.
    instance, profile = reference.load_file(path, multiprofile=True)
    started = time.perf_counter()
    selected = reference.select(instance, profile, rule, add1_stop=stop or "exhaustive")
    queue.put((selected, time.perf_counter() - started))


def run_capped(path: Path, variant: str, timeout: float) -> tuple[list[str], float] | None:
    """Run one pabutools rule in a child process; None when it hit the time cap."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_run, args=(str(path), variant, queue))
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
    args = parser.parse_args()

    expected = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
    paths = sorted(PABULIB.glob("*.pb"), key=lambda p: p.stat().st_size)
    paths = [p for p in paths if not args.files or any(s in p.name for s in args.files)]
    for variant in args.rules:
        for path in paths:
            if variant in expected.get(path.name, {}):
                continue
            outcome = run_capped(path, variant, args.timeout)
            if outcome is None:
                print(f"{path.name} {variant}: over {args.timeout:.0f} s", flush=True)
                continue
            selected, seconds = outcome
            print(f"{path.name} {variant}: {len(selected)} selected in {seconds:.1f} s", flush=True)
            expected = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
            expected.setdefault(path.name, {})[variant] = {
                "selected": selected,
                "seconds": round(seconds, 1),
            }
            EXPECTED.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
