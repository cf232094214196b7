"""Benchmark the district results report (PDF) of a large pool (issue #6).

    python bench/report.py [--projects 100] [--ballots 20000] [--repeat 3] [--database NAME]

Run by hand or with `make bench`; not part of the test suite. It creates (and afterwards
drops) its own PostgreSQL database, migrates it, and in a child process builds a closed
pool: a district with Bulgarian and Turkish names and 12 neighbourhoods, the census of its
residents, N projects with their review decisions, and B ballots (10% on paper) — the
ballots are inserted in bulk, then the project's services freeze them (`ballots_freeze`)
and count them (`tally_request`, `tally_run`). A second, fresh child process then renders
the report as a worker would (`budgets.report_pdf.render_pool_report`) in en, bg and tr:

- time: importing WeasyPrint (once per worker process), the first render (templates and
  fonts loaded cold), then the median of --repeat renders per language;
- memory: the peak of Python allocations during one render (tracemalloc, in a pass of its
  own since tracing slows rendering down) and the peak resident set of the whole rendering
  process (ru_maxrss: Django, WeasyPrint, Pango and the PDF).

Targets: every render < 5 s; peak resident set < 300 MB. Exits 1 if one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
LANGUAGES = ("en", "bg", "tr")
TARGET_SECONDS = 5.0
TARGET_MB = 300.0


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(statement)


# The child processes ---------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # Tasks go to the in-memory broker and stay there: the benchmark calls the services.
    from civic.celery import app

    app.conf.task_always_eager = False


def setup(projects: int, ballots: int) -> dict:
    """A closed, frozen and counted pool as the report sees it. Returns ids and timings."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from budgets.models import Ballot, BallotLine, Channel, Cycle, Pool, Report, Tally
    from budgets.services import (
        ballots_freeze,
        district_budget_set,
        pool_create,
        tally_request,
        tally_run,
    )
    from budgets.services.voting import age_band, receipt_new
    from districts.models import CensusRecord, District, Neighbourhood
    from districts.services import national_id_hmac
    from proposals.models import Category, Proposal, Review, Status

    started = time.perf_counter()
    rng = random.Random(6)
    now = timezone.now()
    day = timedelta(days=1)
    cycle = Cycle.objects.create(
        year=now.year,
        title_en=f"Participatory budget {now.year}",
        title_bg=f"Бюджет с участие {now.year}",
        title_tr=f"Katılımcı bütçe {now.year}",
        submission_starts=now - 40 * day,
        review_starts=now - 30 * day,
        voting_starts=now - 20 * day,
        voting_ends=now + 10 * day,
        results_starts=now + 20 * day,
    )
    district = District.objects.create(
        slug="bench-report",
        name_en="Lozenets — Işıklı",
        name_bg="Район Лозенец — Жълт Щит Ъгъл Юг",
        name_tr="Işıklı İlçesi — Şişli Çağlayan Göztepe Üsküdar",
        population=120_000,
    )
    places = Neighbourhood.objects.bulk_create(
        Neighbourhood(
            district=district,
            slug=f"n{index}",
            name_en=f"Quarter {index} Ğüşİöç",
            name_bg=f"Квартал {index} Жщъю",
            name_tr=f"Mahalle {index} Ğüşİöç",
        )
        for index in range(1, 13)
    )
    district_budget_set(
        district=district, year=cycle.year, amount=Decimal(250_000_000), currency="EUR"
    )
    pool = pool_create(
        cycle=cycle, district=district, method="approval", max_choices=8, tally_rule="mes-add1"
    )
    category = Category.objects.order_by("pk").first()
    words = ["Парк", "Площадка", "Çocuk parkı", "Bisiklet yolu", "Библиотека", "Işıklandırma"]
    items = Proposal.objects.bulk_create(
        Proposal(
            pool=pool,
            title=f"{rng.choice(words)} {index}: Жилищен Щит — Şişli Üsküdar Göztepe",
            summary="s",
            body="b",
            body_html="<p>b</p>",
            category=category,
            author_cost=Decimal(rng.randrange(5_000, 400_000, 500)),
            status=Status.ON_BALLOT,
            submitted_at=now - 35 * day,
        )
        for index in range(1, projects + 1)
    )
    rejected = Proposal.objects.bulk_create(
        Proposal(
            pool=pool,
            title=f"Rejected {index}: Ъгъл İğne",
            summary="s",
            body="b",
            body_html="<p>b</p>",
            category=category,
            author_cost=Decimal(10_000),
            status=Status.INFEASIBLE,
            submitted_at=now - 35 * day,
        )
        for index in range(1, projects // 5 + 1)
    )
    steps = [
        (Review.Action.SUBMIT, Status.DRAFT, Status.SUBMITTED, ""),
        (Review.Action.START_REVIEW, Status.SUBMITTED, Status.UNDER_REVIEW, ""),
        (
            Review.Action.MARK_FEASIBLE,
            Status.UNDER_REVIEW,
            Status.FEASIBLE,
            "Общината може да го изпълни; belediye arazisi, maliyet doğrulandı.",
        ),
        (Review.Action.PUT_ON_BALLOT, Status.FEASIBLE, Status.ON_BALLOT, ""),
    ]
    refusal = (
        Review.Action.MARK_INFEASIBLE,
        Status.UNDER_REVIEW,
        Status.INFEASIBLE,
        "Теренът е държавен; arazi devlete ait, ilçe burada yapamaz.",
    )
    Review.objects.bulk_create(
        Review(
            proposal=proposal,
            action=action,
            from_status=before,
            to_status=after,
            public_reason=reason,
            internal_note="internal",
        )
        for proposal, path in [(item, steps) for item in items]
        + [(item, [*steps[:2], refusal]) for item in rejected]
        for action, before, after, reason in path
    )
    # Residents: a census larger than the turnout, ages 16 to 85.
    year = now.year
    records = CensusRecord.objects.bulk_create(
        (
            CensusRecord(
                id_hmac=national_id_hmac(f"66{index:08d}"),
                birth_year=year - rng.randint(16, 85),
                district=district,
                neighbourhood=rng.choice(places),
            )
            for index in range(int(ballots * 1.6))
        ),
        batch_size=5000,
    )
    # Popularity: a few projects draw many votes, most draw some.
    weights = [rng.paretovariate(1.2) for _ in items]
    voters = rng.sample(records, ballots)
    made = Ballot.objects.bulk_create(
        (
            Ballot(
                pool=pool,
                census_record=record,
                channel=Channel.PAPER if index % 10 == 0 else Channel.ONLINE,
                receipt=receipt_new(),
                neighbourhood_id=record.neighbourhood_id,
                age_band=age_band(birth_year=record.birth_year, year=year),
            )
            for index, record in enumerate(voters)
        ),
        batch_size=5000,
    )
    lines = []
    for ballot in made:
        chosen = {rng.choices(items, weights)[0].pk for _ in range(rng.randint(1, 8))}
        lines.extend(BallotLine(ballot=ballot, proposal_id=pk) for pk in chosen)
    BallotLine.objects.bulk_create(lines, batch_size=10000)
    built = time.perf_counter() - started

    Pool.objects.filter(pk=pool.pk).update(voting_ends=now - timedelta(minutes=1))
    pool.refresh_from_db()
    started = time.perf_counter()
    freeze = ballots_freeze(pool=pool)
    frozen = time.perf_counter() - started
    started = time.perf_counter()
    tally = tally_run(tally=tally_request(pool=pool))
    counted = time.perf_counter() - started
    report = Report.objects.filter(tally=tally).first()
    return {
        "pool": pool.pk,
        "tally": tally.pk,
        "report": report.pk if report else None,
        "state": tally.state,
        "official": Tally.objects.filter(pk=tally.pk, official=True).exists(),
        "ballots": freeze.ballots,
        "lines": len(lines),
        "selected": len(tally.selected),
        "build_s": built,
        "freeze_s": frozen,
        "tally_s": counted,
    }


def render(ids: dict, repeat: int, trace: bool) -> dict:
    """Render the report in every language; timings, or (trace) tracemalloc peaks."""
    import resource
    import tracemalloc

    from budgets.models import Pool, Report, Tally
    from budgets.report_pdf import render_pool_report

    pool = Pool.objects.select_related("cycle", "district").get(pk=ids["pool"])
    tally = Tally.objects.get(pk=ids["tally"])
    report = Report.objects.filter(pk=ids["report"]).first() if ids["report"] else None
    figures: dict = {"languages": {}}
    if trace:
        for language in LANGUAGES:
            tracemalloc.start()
            data = render_pool_report(pool=pool, tally=tally, report=report, language=language)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            figures["languages"][language] = {"traced_peak_mb": peak / 2**20, "bytes": len(data)}
    else:
        # A worker imports WeasyPrint once; its first render still loads templates and fonts.
        started = time.perf_counter()
        import weasyprint  # noqa: F401

        figures["import_s"] = time.perf_counter() - started
        started = time.perf_counter()
        data = render_pool_report(pool=pool, tally=tally, report=report, language=LANGUAGES[0])
        figures["cold_s"] = time.perf_counter() - started
        for language in LANGUAGES:
            seconds = []
            for _ in range(repeat):
                started = time.perf_counter()
                data = render_pool_report(pool=pool, tally=tally, report=report, language=language)
                seconds.append(time.perf_counter() - started)
            figures["languages"][language] = {
                "median_s": statistics.median(seconds),
                "max_s": max(seconds),
                "bytes": len(data),
                "pages": _pages(data),
            }
            if "BENCH_REPORT_KEEP" in os.environ:
                Path(os.environ["BENCH_REPORT_KEEP"], f"report-{language}.pdf").write_bytes(data)
    # ru_maxrss is in KiB on Linux.
    figures["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _pages(data: bytes) -> str:
    """The page count by poppler's pdfinfo, when it is installed."""
    import shutil
    import tempfile

    if not shutil.which("pdfinfo"):
        return "?"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")


def child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["setup", "render", "trace"])
    parser.add_argument("--projects", type=int)
    parser.add_argument("--ballots", type=int)
    parser.add_argument("--ids", default="{}")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args(argv)
    _django()
    if options.step == "setup":
        result = setup(options.projects, options.ballots)
    else:
        result = render(json.loads(options.ids), options.repeat, options.step == "trace")
    print("BENCH-RESULT " + json.dumps(result))


# The parent process ----------------------------------------------------------------------


def run_child(env: dict, *args: str) -> dict:
    done = subprocess.run(
        [PY, str(Path(__file__).resolve()), "--child", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    raise SystemExit(f"child printed no result:\n{done.stdout}\n{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--ballots", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="renders per language")
    parser.add_argument(
        "--database",
        default=f"civic_bench_report_{os.getpid()}",
        help="the PostgreSQL database to create and drop (default: civic_bench_report_<pid>)",
    )
    parser.add_argument("--keep", metavar="DIR", help="write the rendered PDFs into DIR")
    options = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", options.database):
        parser.error("--database: lower-case letters, digits and _ only")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civic.settings.base",
        "DATABASE_URL": f"{PG}/{options.database}",
        "REDIS_URL": "",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "PYTHONWARNINGS": "ignore",
    }
    if options.keep:
        Path(options.keep).mkdir(parents=True, exist_ok=True)
        env["BENCH_REPORT_KEEP"] = str(Path(options.keep).resolve())
    admin_sql(f"DROP DATABASE IF EXISTS {options.database} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {options.database}")
    try:
        subprocess.run(
            [PY, "manage.py", "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        size = ["--projects", str(options.projects), "--ballots", str(options.ballots)]
        ids = run_child(env, "setup", *size)
        print(
            f"pool: {options.projects} projects, {ids['ballots']:,} ballots "
            f"({ids['lines']:,} choices), {ids['selected']} selected by mes-add1; "
            f"built in {ids['build_s']:.1f} s, frozen in {ids['freeze_s']:.1f} s, "
            f"counted in {ids['tally_s']:.1f} s"
        )
        timing = run_child(env, "render", "--ids", json.dumps(ids), "--repeat", str(options.repeat))
        traced = run_child(env, "trace", "--ids", json.dumps(ids))
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {options.database} WITH (FORCE)")

    print(f"import weasyprint (once per worker process): {timing['import_s']:.2f} s")
    print(f"first render (cold: templates, fonts, queries): {timing['cold_s']:.2f} s")
    print(f"{'lang':<5} {'median s':>9} {'max s':>7} {'pages':>6} {'PDF KiB':>8} {'traced MB':>10}")
    slowest = timing["cold_s"]
    for language in LANGUAGES:
        figures = timing["languages"][language]
        slowest = max(slowest, figures["max_s"])
        print(
            f"{language:<5} {figures['median_s']:>9.2f} {figures['max_s']:>7.2f} "
            f"{figures['pages']:>6} {figures['bytes'] / 1024:>8.0f} "
            f"{traced['languages'][language]['traced_peak_mb']:>10.1f}"
        )
    print(
        f"peak resident set of the rendering process: {timing['maxrss_mb']:.0f} MB "
        f"(with tracemalloc on: {traced['maxrss_mb']:.0f} MB)"
    )
    missed = []
    if slowest >= TARGET_SECONDS:
        missed.append(f"slowest render {slowest:.2f} s ≥ {TARGET_SECONDS} s")
    if timing["maxrss_mb"] >= TARGET_MB:
        missed.append(f"peak memory {timing['maxrss_mb']:.0f} MB ≥ {TARGET_MB:.0f} MB")
    print(
        f"targets: every render < {TARGET_SECONDS:.0f} s, peak < {TARGET_MB:.0f} MB: "
        + ("missed: " + "; ".join(missed) if missed else "met")
    )
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
