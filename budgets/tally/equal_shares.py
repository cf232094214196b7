"""Method of Equal Shares with cost satisfaction, as pabutools 1.2.3's method_of_equal_shares.

Voters with the same set of already-selected projects always hold the same money, so a run works
on classes of such voters instead of on single voters. Prices are computed in floats with an
explicit error bound; whenever two projects are too close to call (a real tie included), or a
project's affordability is in doubt, they are recomputed exactly with fractions. The float
arithmetic therefore never decides an order that exact arithmetic would decide differently.

This is the reference engine: Add1's loop runs in the compiled scan (`fast`), which hands over
only the steps its floats cannot settle, and the final run of every rule is made here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd, inf

import numpy as np

from .profile import Options, Profile, eligible, tie_ranks

# Twice the float64 unit roundoff: every error bound below is stated in multiples of it.
EPS = 2.0**-52


class Instance:
    """The arrays every MES run over one profile shares."""

    def __init__(self, profile: Profile, options: Options) -> None:
        self.profile = profile
        votes = profile.votes
        allowed = eligible(profile, options) & (votes > 0)
        costs = np.array(profile.costs, dtype=np.int64)
        self.cost = costs.astype(np.float64)
        self.votes = votes
        # pabutools' MES never returns projects that cost nothing (its completion may add them).
        self.free: list[int] = []
        self.active = allowed & (costs > 0)
        self.ranks = tie_ranks(profile, options)
        self.weighted = profile.approvals * profile.counts[:, None].astype(np.float64)
        self.supporters = [np.flatnonzero(col) for col in profile.approvals.T]
        shared = profile.approvals.T.astype(np.float32) @ profile.approvals.astype(np.float32)
        self.touches = shared > 0  # projects with a voter in common


@dataclass
class Run:
    """One MES run at a given per-voter budget (money units)."""

    voter_budget: Fraction
    winners: list[int] = field(default_factory=list)
    prices: list[Fraction | None] = field(default_factory=list)  # exact, when it was needed
    dropped: dict[int, int] = field(default_factory=dict)  # project -> round found unaffordable
    money_left: np.ndarray | None = None  # per project: its supporters' money at the end


class _ExactMoney:
    """Every class's money as an integer over one common denominator (fast exact compares)."""

    def __init__(self, start: Fraction, classes: int) -> None:
        self.scale = start.denominator
        self.amounts = [start.numerator] * classes

    def price(self, masses: np.ndarray, cost: int) -> Fraction | None:
        """Smallest price p with sum(mass * min(money, p)) == cost, or None if unaffordable."""
        amounts = self.amounts
        which = np.flatnonzero(masses)
        rows = sorted(
            zip(
                [max(amounts[t], 0) for t in which.tolist()],
                masses[which].astype(np.int64).tolist(),
                strict=True,
            )
        )
        rich = sum(mass for _, mass in rows)
        need = cost * self.scale  # still to raise, times scale
        for amount, mass in rows:
            if need <= rich * amount:  # need / rich <= this class's money: it pays the price
                return Fraction(need, rich * self.scale)
            need -= mass * amount
            rich -= mass
        return None

    def pay(self, paying: np.ndarray, price: Fraction) -> None:
        """Each paying class loses the price (going below zero means it paid all it had)."""
        factor = price.denominator // gcd(self.scale, price.denominator)
        if factor != 1:
            self.scale *= factor
            self.amounts = [amount * factor for amount in self.amounts]
        due = price.numerator * (self.scale // price.denominator)
        amounts = self.amounts
        for t in np.flatnonzero(paying).tolist():
            amounts[t] -= due

    def split(self, parents: np.ndarray) -> None:
        """New classes start with their parents' money."""
        self.amounts.extend(self.amounts[t] for t in parents.tolist())


class _Classes:
    """Voter classes (same selected projects, same money) with float and exact money."""

    def __init__(self, inst: Instance, voter_budget: Fraction, exact: bool) -> None:
        self.inst = inst
        self.start = voter_budget
        self.groups = np.zeros(inst.weighted.shape[0], dtype=np.int64)
        self.mass = inst.weighted.sum(axis=0, keepdims=True)  # (classes, projects)
        self.size = np.array([inst.profile.counts.sum()], dtype=np.float64)
        self.money = np.array([float(voter_budget)])  # before clamping at zero
        self.error = 4 * EPS * float(voter_budget)  # bound on |float money - exact money|
        self.exact = _ExactMoney(voter_budget, 1) if exact else None

    def ensure_exact(self, winners: list[int], prices: list[Fraction | None]) -> _ExactMoney:
        """Replay the run so far in exact arithmetic (fills every missing exact price)."""
        if self.exact is None:
            exact = _ExactMoney(self.start, len(self.money))
            for step, winner in enumerate(winners):
                column = self.mass[:, winner]
                if prices[step] is None:
                    prices[step] = exact.price(column, self.inst.profile.costs[winner])
                exact.pay(column > 0, prices[step])
            self.exact = exact
        return self.exact

    def exact_price(self, project: int) -> Fraction | None:
        """Exact price of a project with the classes' exact money (ensure_exact first)."""
        assert self.exact is not None
        return self.exact.price(self.mass[:, project], self.inst.profile.costs[project])

    def pay(self, winner: int, price: float, exact: Fraction | None) -> None:
        """The winner's supporters pay the price (all they have if they have less)."""
        inst = self.inst
        column = self.mass[:, winner]
        split = (column > 0) & (column < self.size - 0.5)
        if split.any():
            groups = inst.supporters[winner]
            groups = groups[split[self.groups[groups]]]
            parents, which = np.unique(self.groups[groups], return_inverse=True)
            order = np.argsort(which, kind="stable")
            starts = np.searchsorted(which[order], np.arange(len(parents)))
            new_mass = np.add.reduceat(inst.weighted[groups[order]], starts, axis=0)
            self.groups[groups] = len(self.size) + which
            self.mass[parents] -= new_mass
            self.size[parents] -= new_mass[:, winner]
            self.mass = np.vstack([self.mass, new_mass])
            self.size = np.concatenate([self.size, new_mass[:, winner]])
            self.money = np.concatenate([self.money, self.money[parents]])
            if self.exact is not None:
                self.exact.split(parents)
        paying = self.mass[:, winner] > 0
        self.money[paying] -= price
        if self.exact is not None:
            assert exact is not None
            self.exact.pay(paying, exact)


def run(inst: Instance, voter_budget: Fraction, *, exact: bool = False) -> Run:
    """One MES run; `exact` prices every winner exactly."""
    result = Run(voter_budget)
    classes = _Classes(inst, voter_budget, exact)
    alive = inst.active.copy()  # not selected yet
    dead = np.zeros_like(alive)  # proven unaffordable: money only shrinks during a run
    size = len(alive)
    # Per project: supporters' money, bound on its float error, price, bound on price error.
    # Only projects sharing a voter with the last winner see their supporters' money change,
    # so only they are priced again (the others' floats would come out bit for bit the same).
    total, error, price, price_error = (np.zeros(size) for _ in range(4))
    stale = np.ones(size, dtype=bool)
    for round_no in range(1, size + 2):
        money = np.maximum(classes.money, 0.0)
        open_ = np.flatnonzero(alive & ~dead)
        todo = open_[stale[open_]]
        if todo.size:
            total[todo], error[todo], price[todo], price_error[todo] = _prices(
                inst, classes, money, todo
            )
        doomed = open_[total[open_] < inst.cost[open_] - error[open_]]
        for p in doomed.tolist():
            result.dropped[p] = round_no
            dead[p] = True
        winner, paid, exact_price, paid_error = _choose(
            inst,
            classes,
            result,
            money,
            np.flatnonzero(alive & ~dead),
            (total, error, price, price_error),
            round_no,
            dead,
        )
        if winner is None:
            break
        if exact_price is None and (classes.exact is not None or paid_error > 1e-9 * paid):
            # A loose bound would spread to every later price: settle this one exactly.
            classes.ensure_exact(result.winners, result.prices)
            exact_price = classes.exact_price(winner)
        if exact_price is not None:
            paid, paid_error = float(exact_price), EPS * float(exact_price)
        result.winners.append(winner)
        result.prices.append(exact_price)
        alive[winner] = False
        stale = inst.touches[winner]
        classes.pay(winner, paid, exact_price)
        classes.error += paid_error + 4 * EPS * float(voter_budget)
    result.money_left = np.maximum(classes.money, 0.0) @ classes.mass
    return result


def replay(inst: Instance, voter_budget: Fraction, winners: list[int]) -> Run:
    """The run whose winners are known (from the compiled run), worked out exactly.

    The same as run(exact=True) without choosing: every winner's exact price, the round each
    other project was found unaffordable (its supporters' money below its cost, exactly) and
    its supporters' money at the end. Floats with their error bounds decide what they can;
    exact money is kept only from the first winner whose supporters are not all rich.
    """
    result = Run(voter_budget)
    classes = _Classes(inst, voter_budget, exact=False)
    open_ = inst.active.copy()  # not chosen, not found unaffordable
    rounding = 4 * EPS * float(voter_budget)
    for round_no, winner in enumerate([*winners, None], start=1):
        money = np.maximum(classes.money, 0.0)
        todo = np.flatnonzero(open_)
        mass = classes.mass[:, todo]
        total = money @ mass
        cost = inst.cost[todo]
        error = mass.sum(axis=0) * classes.error + 4 * EPS * len(money) * (cost + total)
        short = total < cost - error
        for i in np.flatnonzero(~short & (total <= cost + error)).tolist():
            if todo[i] != winner:
                classes.ensure_exact(result.winners, result.prices)
                short[i] = classes.exact_price(int(todo[i])) is None
        for p in todo[short].tolist():
            result.dropped[p] = round_no
        open_[todo[short]] = False
        if winner is None:
            break
        if not open_[winner]:
            raise ValueError(f"project {winner} cannot win round {round_no}")
        price = _all_rich_price(inst, classes, money, winner)
        if price is None:
            classes.ensure_exact(result.winners, result.prices)
            price = classes.exact_price(winner)
            if price is None:
                raise ValueError(f"project {winner} is unaffordable in round {round_no}")
        result.winners.append(winner)
        result.prices.append(price)
        open_[winner] = False
        classes.pay(winner, float(price), price)
        classes.error += EPS * float(price) + rounding
    result.money_left = np.maximum(classes.money, 0.0) @ classes.mass
    return result


def _prices(inst, classes, money, projects):
    """Supporters' money, price and error bounds for some projects, from the classes' money."""
    order = np.argsort(money, kind="stable")
    ranked = money[order]
    mass = classes.mass[order][:, projects]
    paid_below = np.cumsum(mass * ranked[:, None], axis=0)
    mass_below = np.cumsum(mass, axis=0)
    cost = inst.cost[projects]
    total = paid_below[-1]
    # Bound on |float f(p) - exact f(p)| for f(p) = sum(mass * min(money, p)).
    error = mass_below[-1] * classes.error + 4 * EPS * len(money) * (cost + total)
    # f at each class's money level; the price lies where f first reaches the cost.
    level = paid_below + ranked[:, None] * (mass_below[-1] - mass_below)
    reached = level >= cost
    k = np.where(reached.any(axis=0), reached.argmax(axis=0), len(ranked) - 1)
    cols = np.arange(projects.size)
    poor_paid = paid_below[k, cols] - mass[k, cols] * ranked[k]
    rich = mass_below[-1] - mass_below[k, cols] + mass[k, cols]
    with np.errstate(divide="ignore", invalid="ignore"):  # unaffordable ones: no rich class
        price = (cost - poor_paid) / rich
    # The exact price is within error of this one (f grows at least 1 per unit of price), and
    # f grows at least as fast as the mass of the classes richer than both: divide by that.
    richer = ranked[:, None] > price + 2 * error + classes.error
    price_error = error / np.maximum((mass * richer).sum(axis=0), 1.0) + 4 * EPS * price
    return total, error, price, price_error


def _choose(inst, classes, result, money, open_, cached, round_no, dead):
    """Pick the round's winner: least price per unit of cost, ties by the tie-break rank."""
    if open_.size == 0:
        return None, 0.0, None, 0.0
    total, error, price, price_error = (values[open_] for values in cached)
    cost = inst.cost[open_]
    ratio = price / cost
    slack = price_error / cost
    sure = total >= cost + error
    best = (ratio + slack)[sure].min() if sure.any() else inf
    # A project whose supporters' money equals its cost within the float error has no
    # float price (inf): only the exact check can tell whether it is affordable.
    borderline = ~np.isfinite(price) & (total + error >= cost)
    with np.errstate(invalid="ignore"):  # inf - inf for unaffordable projects: not close
        close = np.flatnonzero((ratio - slack <= best) | borderline)
    if close.size == 1 and sure[close[0]]:
        winner = int(open_[close[0]])
        exact = _all_rich_price(inst, classes, money, winner)
        return winner, float(price[close[0]]), exact, float(price_error[close[0]])
    candidates = []
    for i in close:
        project = int(open_[i])
        exact = _all_rich_price(inst, classes, money, project)
        if exact is None:
            classes.ensure_exact(result.winners, result.prices)
            exact = classes.exact_price(project)
        if exact is None:
            result.dropped[project] = round_no
            dead[project] = True
        else:
            candidates.append((exact / inst.profile.costs[project], inst.ranks[project], project))
    if not candidates:
        return None, 0.0, None, 0.0
    _, _, winner = min(candidates)
    exact = next(c[0] for c in candidates if c[2] == winner) * inst.profile.costs[winner]
    return winner, float(exact), exact, 0.0


def _all_rich_price(inst, classes, money, project):
    """Exact price when every supporter certainly has at least cost / supporters, else None."""
    votes = int(inst.votes[project])
    price = Fraction(inst.profile.costs[project], votes)
    poorest = money[classes.mass[:, project] > 0].min()
    if poorest - classes.error > float(price) * (1 + 4 * EPS):
        return price
    return None
