"""Running a piece of work in many threads at once, each on its own database connection."""

import threading
from collections.abc import Callable

from django.db import connection


def in_parallel(
    n: int, work: Callable[[int], object], *, timeout: float = 120
) -> tuple[list, list[BaseException]]:
    """Run `work(i)` for i in range(n) in n threads released together; results and errors.

    Each thread closes its connection at the end, so the test database can be dropped.
    """
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as error:  # noqa: BLE001 — reported to the test, not swallowed
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results, errors
