"""gunicorn configuration for bench/ballots.py: each worker leaves its measurements on exit."""


def worker_exit(server, worker):
    from bench.ballots_app import stats_dump

    stats_dump()
