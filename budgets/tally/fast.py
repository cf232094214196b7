"""The Add1 loop of MES compiled with numba: MES runs in floats with error bounds.

pabutools' Add1 runs MES again after adding one currency unit to every voter's money, until the
outcome is exhaustive (or would overspend). Its answer is the first step that stops that loop;
finding it takes three things here:

- cheap runs: money is kept per distinct ballot, prices are found by a fixed-point iteration
  over the supporters (no sorting, no branches on who is poor), and a lazy priority queue
  reprices a project only when its old price, a lower bound because prices only rise during a
  run, could still win the round;
- skipped steps: an interval proof (`_holds`) shows that the outcome stays the same from one
  step up to a later one, so those steps cannot stop the loop; the scan gallops, doubling the
  stretch it tries to prove while proofs succeed and halving it when one fails;
- threads: a long scan is cut into stretches that run in parallel (`first_stop`).

Every float carries an error bound (as in `equal_shares`); a step whose decisions the bounds
cannot settle (two projects too close to call that are not both priced cost / supporters, a
project whose supporters hold its cost within the error, a loose price) is reported as DOUBT
and the caller settles that step with the exact engine in `equal_shares`. The scan therefore
never decides a step differently from exact arithmetic.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numba import njit

from .profile import Profile

EPS = 2.0**-52
FAR = 1e300  # more than any money

# What a scan stopped at (the step it returns is the one the code is about).
OVER = 1  # this step's outcome costs more than the budget
EXHAUSTIVE = 2  # this step's outcome is exhaustive
LAST = 3  # this step is the last one allowed ("overspend" stop)
DOUBT = 4  # the floats cannot settle this step: run it exactly
TOO_LONG = 5  # max_steps steps without stopping

# Steps one scan may take; MES funds every supported project long before (once each voter
# holds the whole budget), so reaching it means something is wrong.
MAX_STEPS = 2**62
# Below this many steps a scan is not worth splitting between threads.
SPLIT_FROM = 512
STRETCHES_PER_THREAD = 4
# Whole passes over a project's supporters before its price is declared in doubt.
PASSES = 200


@dataclass
class Arrays:
    """One profile as the compiled scan wants it."""

    weights: np.ndarray  # per distinct ballot: voters casting it
    ptr: np.ndarray  # supporters of project j: rows[ptr[j]:ptr[j + 1]]
    rows: np.ndarray
    entry_weights: np.ndarray  # weights[rows], read in order instead of at random
    touch_ptr: np.ndarray  # projects sharing a supporter with j: touch[touch_ptr[j]:...]
    touch: np.ndarray
    cost: np.ndarray  # float
    cost_int: np.ndarray
    votes: np.ndarray  # float: supporters per project
    ranks: np.ndarray
    twin: np.ndarray  # same cost and same supporters: same group number
    active: np.ndarray
    overlap: np.ndarray  # (projects, projects): weight of the voters supporting both


def arrays(profile: Profile, active: np.ndarray, ranks: np.ndarray) -> Arrays:
    """Compressed supporter lists and everything else the scan reads."""
    # Ballots with the same approvals next to each other: a project's supporters are then
    # read from few cache lines.
    approvals = profile.approvals
    permutation = np.lexsort(np.packbits(approvals, axis=1).T[::-1])
    approvals = approvals[permutation]
    weights = profile.counts[permutation].astype(np.float64)
    n = approvals.shape[1]
    by_project = np.ascontiguousarray(approvals.T)
    projects, rows = np.nonzero(by_project)  # project by project, ballots in order
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(projects, minlength=n))
    # Integer weights: the float sums are exact.
    overlap = (by_project * weights) @ approvals.astype(np.float64)
    near, touch = np.nonzero(overlap > 0)
    touch_ptr = np.zeros(n + 1, dtype=np.int64)
    touch_ptr[1:] = np.cumsum(np.bincount(near, minlength=n))
    # Twins: the same cost and the same supporters (any numbering of the groups will do).
    costs = np.array(profile.costs, dtype=np.int64)
    keys = np.concatenate([costs[:, None].view(np.uint8), np.packbits(by_project, axis=1)], axis=1)
    twin = np.unique(keys, axis=0, return_inverse=True)[1].reshape(-1) if n else costs
    return Arrays(
        weights=weights,
        ptr=ptr,
        rows=rows.astype(np.int64),
        entry_weights=weights[rows],
        touch_ptr=touch_ptr,
        touch=touch.astype(np.int64),
        cost=costs.astype(np.float64),
        cost_int=costs,
        votes=profile.votes.astype(np.float64),
        ranks=np.asarray(ranks, dtype=np.int64),
        twin=twin.astype(np.int64),
        active=np.asarray(active, dtype=np.bool_),
        overlap=overlap,
    )


def scan(
    data: Arrays,
    start: Fraction,
    unit: int,
    budget: int,
    first: int,
    last: int | None,
    exhaustive: bool,
    max_steps: int,
) -> tuple[int, int, int]:
    """Run steps first, first + 1, ... until one stops the loop.

    Returns what stopped it, at which step, and how many MES runs and interval proofs it took.
    """
    return _scan(
        _inst(data),
        float(start),
        int(unit),
        int(budget),
        int(first),
        -1 if last is None else int(last),
        bool(exhaustive),
        int(max_steps),
    )


def winners(data: Arrays, voter_budget: Fraction) -> list[int] | None:
    """The winners of one MES run at this per-voter budget, in order; None if in doubt.

    The same compiled run as the scan's, with the same error bounds: when it answers, exact
    arithmetic gives the same winners in the same order.
    """
    rounds, order = _winners(_inst(data), float(voter_budget))
    return None if rounds < 0 else order[:rounds].tolist()


def _inst(data: Arrays) -> tuple:
    return (
        data.entry_weights,
        data.ptr,
        data.rows,
        data.touch_ptr,
        data.touch,
        data.cost,
        data.cost_int,
        data.votes,
        data.ranks,
        data.twin,
        data.active,
        data.overlap,
    )


def first_stop(
    data: Arrays,
    start: Fraction,
    unit: int,
    budget: int,
    last: int | None,
    exhaustive: bool,
    settle: Callable[[int], int | None],
    threads: int | None = None,
) -> tuple[int, int]:
    """The first step that stops the loop, and what stops it (OVER, EXHAUSTIVE or LAST).

    `settle(step)` decides a step the floats could not (OVER, EXHAUSTIVE or None). A long scan
    is shared between threads (the compiled scan releases the GIL): a few single steps find
    one that stops the loop, the steps up to it are cut into stretches that the threads take
    in order, and the first stretch with a stop in it holds the answer. Which steps are run
    does not change the answer, only how soon it comes.
    """
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    args = (data, start, unit, budget, last, exhaustive, settle)
    if threads > 1:
        # Most elections stop within the first steps: only a longer scan is split.
        found = _stretch(*args, 0, SPLIT_FROM)
        if found is not None:
            return found
        end = _some_stop(*args)
        if end is None:
            found = _stretch(*args, SPLIT_FROM + 1, None)
        else:
            found = _split(args, SPLIT_FROM + 1, end, threads)
    else:
        found = _stretch(*args, 0, None)
    assert found is not None  # the loop always stops (TOO_LONG raises)
    return found


def _split(args, first, end, threads):
    """The first stop at steps first..end (end stops the loop), from stretches in threads."""
    # Some stretches take longer than others: a few per thread keep every thread busy.
    pieces = STRETCHES_PER_THREAD * threads
    bounds = [first - 1 + (end - first + 1) * k // pieces for k in range(pieces + 1)]
    with ThreadPoolExecutor(threads) as pool:
        stretches = [
            pool.submit(_stretch, *args, bounds[k] + 1, bounds[k + 1]) for k in range(pieces)
        ]
        for stretch in stretches:
            found = stretch.result()
            if found is not None:
                for later in stretches:
                    later.cancel()
                return found
    raise AssertionError("the last stretch ends at a step that stops the loop")


def _stretch(data, start, unit, budget, last, exhaustive, settle, first, end):
    """The first stop at steps first..end (end None: no end), or None."""
    cap = end if last is None else last if end is None else min(end, last)
    step = first
    while True:
        code, step, _ = scan(data, start, unit, budget, step, cap, exhaustive, MAX_STEPS)
        if code == TOO_LONG:
            raise RuntimeError("MES outcome is still not exhaustive after the budget")
        if code == DOUBT:
            code = settle(step)
            if code is None:
                if cap is None or step < cap:
                    step += 1
                    continue
                code = LAST
        if code == LAST and (last is None or step < last):
            return None  # the end of the stretch, and no stop in it
        return code, step


def _some_stop(data, start, unit, budget, last, exhaustive, settle):
    """A step (not always the first) that stops the loop, from a few single steps; or None."""

    def stops(step):
        if last is not None and step >= last:
            return True
        code, _, _ = scan(data, start, unit, budget, step, step, exhaustive, MAX_STEPS)
        if code == DOUBT:
            return settle(step) is not None
        return code != LAST

    below, above = SPLIT_FROM, 2 * SPLIT_FROM
    while not stops(above):
        below, above = above, 2 * above
        if above > 2**40:
            return None
    while above - below > SPLIT_FROM // 8:
        middle = (below + above) // 2
        if stops(middle):
            above = middle
        else:
            below = middle
    return above


def warm_up() -> None:
    """Compile the scan and the single run now (numba caches them on disk), not in a tally."""
    from .profile import make_profile

    profile = make_profile(["a", "b", "c"], [3, 2, 2], 4, [[0], [0, 1], [1, 2], [2]])
    data = arrays(profile, np.ones(3, dtype=bool), np.arange(3))
    start = Fraction(profile.budget, profile.num_voters)
    scan(data, start, 1, profile.budget, 0, None, True, 99)
    winners(data, start)


@njit(cache=True, nogil=True)
def _scan(inst, start, unit, budget, first, last, exhaustive, max_steps):
    cost_int, active = inst[6], inst[10]
    n = cost_int.shape[0]
    work = _work(inst)
    order = np.empty(n, dtype=np.int64)  # the base run's winners, in order
    bound = np.empty(n)  # upper bound of each one's price / cost in its round
    proven = np.empty(n)
    chosen = np.zeros(n, dtype=np.bool_)
    runs = 1
    step = first
    rounds = _run(inst, work, start + float(step) * float(unit), order, bound)
    stride = 2  # the next interval to try to prove, in steps
    wait = 0  # plain runs to make before trying again (backs off while proofs fail)
    backoff = 1
    while True:
        if rounds < 0:
            return DOUBT, step, runs
        chosen[:] = False
        spent = 0
        for r in range(rounds):
            chosen[order[r]] = True
            spent += cost_int[order[r]]
        if spent > budget:
            return OVER, step, runs
        if exhaustive:
            left = budget - spent
            done = True
            for j in range(n):
                if active[j] and not chosen[j] and cost_int[j] <= left:
                    done = False
                    break
            if done:
                return EXHAUSTIVE, step, runs
        if last >= 0 and step >= last:
            return LAST, step, runs
        # Skip ahead while the outcome is proven to stay this one (it stops nothing).
        while wait == 0 and stride >= 2:
            target = step + stride
            if last >= 0 and target > last:
                target = last
            if target - first >= max_steps:
                return TOO_LONG, step, runs
            runs += 1
            if _holds(
                inst, work, start + float(target) * float(unit), order, bound, rounds, proven
            ):
                bound[:rounds] = proven[:rounds]
                step = target
                stride *= 2
                backoff = 1
                if last >= 0 and step >= last:
                    return LAST, step, runs
            else:
                stride //= 2
                if stride < 2:
                    wait = backoff
                    backoff = min(2 * backoff, 64)
        step += 1
        if step - first >= max_steps:
            return TOO_LONG, step, runs
        runs += 1
        rounds = _run(inst, work, start + float(step) * float(unit), order, bound)
        if wait > 0:
            wait -= 1
            if wait == 0:
                stride = 2


@njit(cache=True)
def _work(inst):
    """The scratch arrays of one run."""
    rows, cost, ptr = inst[2], inst[5], inst[1]
    n = cost.shape[0]
    ballots = rows.max() + 1 if rows.shape[0] else 0
    longest = np.max(ptr[1:] - ptr[:-1]) if n else 0
    return (
        # per distinct ballot: money, and slack (a bound on |float money - exact money|)
        np.empty((ballots, 2)),
        np.empty(n),  # ceiling: bound above on the money of each project's supporters
        np.empty(n),  # lower bound on price / cost
        np.empty(n),  # upper bound on price / cost
        np.empty(n),  # price
        np.empty(n),  # bound on the price's error
        np.zeros(n, dtype=np.bool_),  # all_rich: price exactly cost / sharing
        np.zeros(n),  # sharing: weight of the supporters with money left
        np.zeros(n, dtype=np.bool_),  # fresh: priced since its supporters last paid
        np.zeros(n, dtype=np.bool_),  # open: not chosen, not proven unaffordable
        np.empty(n, dtype=np.int64),  # scratch
        # scratch: a project's supporters kept aside while pricing it
        np.empty(longest, dtype=np.int64),
    )


@njit(cache=True, nogil=True)
def _winners(inst, voter_budget):
    n = inst[5].shape[0]
    order = np.empty(n, dtype=np.int64)
    bound = np.empty(n)
    rounds = _run(inst, _work(inst), voter_budget, order, bound)
    return rounds, order


@njit(cache=True)
def _start(inst, work, voter_budget):
    """Everyone holds the voter budget; every project's price per unit of cost is unknown."""
    votes, active = inst[7], inst[10]
    purse, ceiling, lower, price, error, fresh, open_ = (
        work[0], work[1], work[2], work[4], work[5], work[8], work[9],
    )  # fmt: skip
    ceiling[:] = votes * voter_budget
    purse[:, 0] = voter_budget
    # The start is rounded twice.
    purse[:, 1] = 4.0 * EPS * voter_budget
    price[:] = 0.0
    error[:] = 0.0
    for j in range(votes.shape[0]):
        open_[j] = active[j]
        fresh[j] = False
        # Before anyone pays, the price per unit of cost is at least 1 / supporters.
        lower[j] = (1.0 / votes[j]) * (1.0 - 8.0 * EPS) if votes[j] > 0 else np.inf


@njit(cache=True)
def _run(inst, work, voter_budget, order, bound):
    """One MES run: its winners and their price bounds in order; how many, or -1 in doubt."""
    ranks, twin = inst[8], inst[9]
    lower, upper, all_rich, sharing, fresh, open_, close = (
        work[2], work[3], work[6], work[7], work[8], work[9], work[10],
    )  # fmt: skip
    n = lower.shape[0]
    _start(inst, work, voter_budget)
    rounds = 0
    while True:
        # The least lower bound; a stale one is repriced until the best is fresh.
        best = -1
        best_key = np.inf
        for j in range(n):
            if open_[j] and lower[j] < best_key:
                best_key = lower[j]
                best = j
        if best < 0:
            return rounds
        if not fresh[best]:
            if _reprice(inst, work, best, voter_budget) < 0:
                return -1
            continue
        # Every project whose bound overlaps the best's could win: price them all afresh.
        stale = False
        for j in range(n):
            if open_[j] and not fresh[j] and lower[j] <= upper[best]:
                if _reprice(inst, work, j, voter_budget) < 0:
                    return -1
                stale = True
        if stale or not open_[best]:
            continue
        count = 0
        for j in range(n):
            if open_[j] and lower[j] <= upper[best]:
                close[count] = j
                count += 1
        winner = best
        if count > 1:
            # Too close for the floats unless each costs exactly cost / its supporters with
            # money left (price per unit of cost 1 / their weight: more win), or they are twins
            # (same cost, same supporters: the same price, always), settled by the tie-break.
            winner = -1
            for a in range(count):
                _share(inst, work, close[a])
            for a in range(count):
                j = close[a]
                beaten = False
                for b in range(count):
                    k = close[b]
                    if k == j:
                        continue
                    if twin[k] == twin[j]:
                        if ranks[k] < ranks[j] or (ranks[k] == ranks[j] and k < j):
                            beaten = True
                            break
                    elif all_rich[j] and all_rich[k]:
                        if sharing[k] > sharing[j] or (
                            sharing[k] == sharing[j]
                            and (ranks[k] < ranks[j] or (ranks[k] == ranks[j] and k < j))
                        ):
                            beaten = True
                            break
                    else:
                        return -1
                if not beaten:
                    winner = j
            if winner < 0:
                return -1
        order[rounds] = winner
        bound[rounds] = upper[winner]
        rounds += 1
        _pay(inst, work, winner, voter_budget)


@njit(cache=True)
def _holds(inst, work, voter_budget, order, bound, rounds, proven):
    """Whether the base run's winners stay the outcome for every budget up to voter_budget.

    Why it is exact: while the winners of the rounds before r are the same for every budget in
    the interval, each ballot's money at round r never falls as the budget grows (it keeps
    max(money - price, 0), and a price falls when money rises), so every price per unit of
    cost at round r never rises. If at voter_budget (the top) every other open project's price
    per unit of cost is above the winner's at the base (the bottom), the winner wins round r
    over the whole interval; twins of the winner tie with it everywhere and lose by rank as at
    the base. If at the top, after the same winners, nothing else is affordable, nothing is in
    between either. Induction over the rounds gives the base's winners at every step between.
    `proven` gets the winners' bounds at the top (the next interval's base).
    """
    twin = inst[9]
    lower, upper, fresh, open_ = work[2], work[3], work[8], work[9]
    n = lower.shape[0]
    _start(inst, work, voter_budget)
    for r in range(rounds):
        winner = order[r]
        bar = bound[r]
        for j in range(n):
            if open_[j] and j != winner and twin[j] != twin[winner] and lower[j] <= bar:
                if fresh[j]:
                    return False
                if _reprice(inst, work, j, voter_budget) < 0:
                    return False
                if open_[j] and lower[j] <= bar:
                    return False
        if not fresh[winner] and _reprice(inst, work, winner, voter_budget) < 0:
            return False
        if not open_[winner]:
            return False
        proven[r] = upper[winner]
        _pay(inst, work, winner, voter_budget)
    for j in range(n):
        if open_[j] and (fresh[j] or _reprice(inst, work, j, voter_budget) != 0):
            return False
    return True


@njit(cache=True)
def _pay(inst, work, winner, voter_budget):
    """The winner's supporters pay its price (all they have if they have less).

    Every other project's `ceiling` falls by what its supporters surely paid: the price times
    the weight supporting both, less what the poor among them could not pay (`short`).
    """
    weights, ptr, rows, touch_ptr, touch, overlap = (
        inst[0],
        inst[1],
        inst[2],
        inst[3],
        inst[4],
        inst[11],
    )
    purse, ceiling, price, error, fresh, open_ = (
        work[0], work[1], work[4], work[5], work[8], work[9],
    )  # fmt: skip
    paid = price[winner]
    paid_error = error[winner]
    step_error = 4.0 * EPS * voter_budget
    short = 0.0  # bound above on the price less the money of those who hold less than it
    for a in range(ptr[winner], ptr[winner + 1]):
        i = rows[a]
        short += weights[a] * max(paid + paid_error - purse[i, 0] + purse[i, 1], 0.0)
        if purse[i, 0] + purse[i, 1] < paid - paid_error:
            purse[i, 0] = 0.0  # surely pays all it has: exactly nothing left
            purse[i, 1] = 0.0
        else:
            left = purse[i, 0] - paid
            purse[i, 0] = left if left > 0.0 else 0.0
            purse[i, 1] += paid_error + step_error
    open_[winner] = False
    for a in range(touch_ptr[winner], touch_ptr[winner + 1]):
        j = touch[a]
        fresh[j] = False
        ceiling[j] -= max(overlap[winner, j] * (paid - paid_error) - short, 0.0)


@njit(cache=True)
def _reprice(inst, work, j, voter_budget):
    """Price project j from the current money: 1 done, 0 unaffordable (closed), -1 in doubt."""
    weights, ptr, rows, cost, votes = inst[0], inst[1], inst[2], inst[5], inst[7]
    purse, lower, upper, price, error, fresh, open_, near = (
        work[0], work[2], work[3], work[4], work[5], work[8], work[9], work[11],
    )  # fmt: skip
    start, end = ptr[j], ptr[j + 1]
    c = cost[j]
    mass = votes[j]
    # Most projects are priced only to find them unaffordable: the ceiling often shows it
    # (its float errors are far below the margin).
    if work[1][j] + 1e-9 * mass * voter_budget < c:
        open_[j] = False
        return 0
    # The price is the fixed point of p = (cost - money of those poorer than p) / weight of the
    # others. A first guess from below: cost / supporters, or the price found earlier in this
    # run (money only shrinks, so prices only rise) less its error. One pass adds up the money
    # (is j affordable at all?) and the ballots poorer than the guess, and keeps aside those
    # between the guess and twice it: while the price stays below that, only they can turn
    # poor, and the fixed point is found among them without another pass.
    guess = max(c / mass, (price[j] - 2.0 * error[j]) * (1.0 - 4.0 * EPS))
    top = 2.0 * guess
    total = 0.0
    total_slack = 0.0
    poor_money = 0.0
    poor_mass = 0.0
    poor_slack = 0.0
    count = 0.0
    kept = 0
    # Arithmetic, not branches: which ballots are poor is not predictable.
    for a in range(start, end):
        i = rows[a]
        m = purse[i, 0]
        e = purse[i, 1]
        w = weights[a]
        total += w * m
        total_slack += w * e
        is_poor = np.float64(m < guess)
        poor_money += w * is_poor * m
        poor_mass += w * is_poor
        poor_slack += w * is_poor * e
        count += is_poor
        near[kept] = a
        kept += np.int64((m >= guess) & (m < top))
    # Bound on |float total - exact total|.
    f_error = total_slack + 4.0 * EPS * (end - start + 2) * (c + total)
    if total < c - f_error:
        open_[j] = False  # money only shrinks during a run: it stays unaffordable
        return 0
    if total <= c + f_error:
        return -1
    found = False
    poor = int(count)
    restart = c / mass  # where whole passes start if the ballots kept aside do not settle it
    while mass - poor_mass > 0.5:
        p = (c - poor_money) / (mass - poor_mass)
        if p < guess:
            break  # rounded below the guess
        restart = p  # at most the price: it comes from ballots surely poorer than the price
        margin = p * (1.0 + 1e-9)
        if p >= top or margin >= top - total_slack:
            break  # some not kept aside might be poorer or unsure (no slack exceeds total_slack)
        more_money = 0.0
        more_mass = 0.0
        more_slack = 0.0
        more = 0.0
        unsure = poor_mass
        for b in range(kept):
            a = near[b]
            i = rows[a]
            m = purse[i, 0]
            e = purse[i, 1]
            w = weights[a]
            turns = np.float64(m < p)
            more_money += w * turns * m
            more_mass += w * turns
            more_slack += w * turns * e
            more += turns
            unsure += w * np.float64(m - e <= margin)
        if more == 0.0:
            found = True
            break
        # Some kept aside are poorer than p: they join the poor, for good (p only rises).
        poor_money += more_money
        poor_mass += more_mass
        poor_slack += more_slack
        poor += int(more)
        still = kept
        kept = 0
        for b in range(still):
            a = near[b]
            near[kept] = a
            kept += np.int64(purse[rows[a], 0] >= p)
    if not found:
        p, poor, poor_money, poor_mass, poor_slack, unsure = _fixed_point(inst, work, j, restart)
        if poor < 0:
            return -1
    # With the floats as exact money, f(p) = poor_money + rich mass * p is c up to `rounding`.
    # Within `tolerance` (1e-9 p) of p, a ballot surely richer than every such price adds p to
    # f whatever its rounding; any other adds at most its slack of error (all of them together
    # at most total_slack). f's slope there is at least the weight of the surely richer ones,
    # so the exact price is within delta of p.
    rounding = 2.0 * EPS * (poor + 3) * (c + poor_money)
    richer = mass - unsure
    if richer < 0.5:
        return -1
    delta = (total_slack + rounding) / richer + 4.0 * EPS * p
    if poor_money == 0.0 and poor_slack == 0.0 and unsure == poor_mass:
        # The poor have exactly nothing left and everyone else surely pays p: p is the cost
        # over the weight of those (integers, added exactly), rounded once.
        delta = 2.0 * EPS * p
    if delta > 1e-9 * p:
        return -1
    price[j] = p
    error[j] = delta
    lower[j] = (p - delta) / c * (1.0 - 4.0 * EPS)
    upper[j] = (p + delta) / c * (1.0 + 4.0 * EPS)
    fresh[j] = True
    return 1


@njit(cache=True)
def _fixed_point(inst, work, j, p):
    """The fixed point from the guess p (at most the price) by whole passes over j's
    supporters: price, poor count (-1 in doubt), their money, weight and slack, and the weight
    of the supporters not surely richer than every price near it."""
    weights, ptr, rows, cost, votes, purse = inst[0], inst[1], inst[2], inst[5], inst[7], work[0]
    start, end = ptr[j], ptr[j + 1]
    c = cost[j]
    mass = votes[j]
    poor = -1
    for _ in range(PASSES):
        before = poor
        margin = p * (1.0 + 1e-9)
        poor_money = 0.0
        poor_mass = 0.0
        poor_slack = 0.0
        count = 0.0
        unsure = 0.0
        least = np.inf  # least money less slack of the others
        for a in range(start, end):
            i = rows[a]
            m = purse[i, 0]
            e = purse[i, 1]
            w = weights[a]
            is_poor = np.float64(m < p)
            poor_money += w * is_poor * m
            poor_mass += w * is_poor
            poor_slack += w * is_poor * e
            count += is_poor
            unsure += w * np.float64(m - e <= margin)
            least = np.fmin(least, m - e + FAR * is_poor)
        poor = int(count)
        if poor == before or (poor == 0 and p == c / mass):
            return p, poor, poor_money, poor_mass, poor_slack, unsure
        if poor == 0:
            p = c / mass  # the guess was rounded above the price: start again
            continue
        if mass - poor_mass <= 0.5:
            break
        p = (c - poor_money) / (mass - poor_mass)
        if p * (1.0 + 1e-9) < least:
            # Everyone else is surely richer than every price near the new guess: the same
            # ballots are poorer than it, so it is the fixed point; no pass needed to see it.
            return p, poor, poor_money, poor_mass, poor_slack, poor_mass
    # From below the poorer ballots only grow, so this takes few passes; a guess rounded a
    # hair above the price could make a ballot at the price flip back and forth: in doubt.
    return p, -1, 0.0, 0.0, 0.0, 0.0


@njit(cache=True)
def _share(inst, work, j):
    """Whether every supporter of j with money left is surely richer than j's cost shared
    among them: then j's price is exactly that share, its price per unit of cost 1 / their
    weight (`sharing`). Only near ties need it."""
    weights, ptr, rows, cost = inst[0], inst[1], inst[2], inst[5]
    purse, all_rich, sharing = work[0], work[6], work[7]
    holding = 0.0
    poorest = np.inf
    for a in range(ptr[j], ptr[j + 1]):
        i = rows[a]
        if purse[i, 0] > 0.0 or purse[i, 1] > 0.0:
            holding += weights[a]
            poorest = min(poorest, purse[i, 0] - purse[i, 1])
    all_rich[j] = holding > 0.0 and poorest > (cost[j] / holding) * (1.0 + 4.0 * EPS)
    sharing[j] = holding
