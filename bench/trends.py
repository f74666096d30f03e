"""Trend detector benchmark on synthetic series (sopdesk.domain.trends.find_spikes).

20 categories with usual daily volumes of 8 to 40 cases (negative-binomial noise: variance
1.5 x the mean), 28 trailing days as the baseline. For each of R rounds every category-day is
either quiet (drawn from its usual volume) or, for one planted category, a spike of 3x its mean.
Prints recall (planted spikes found) and false alarms per 100 category-days, next to a baseline
detector in the same run: "count > mean + 3 sd" without a minimum or a correction.
Targets: recall >= 90% at <= 1 false alarm per 100 category-days.

Usage: python -m bench.trends [--rounds 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics

from sopdesk.domain.trends import find_spikes

CATEGORIES = 20
DAYS = 28
DISPERSION = 1.5  # variance / mean of quiet days


def draw(rnd: random.Random, mean: float) -> int:
    """A negative-binomial day: Poisson with a gamma-distributed rate."""
    shape = mean / (DISPERSION - 1)
    rate = rnd.gammavariate(shape, mean / shape)
    # Knuth's Poisson for small rates, normal approximation above 60
    if rate > 60:
        return max(0, round(rnd.gauss(rate, math.sqrt(rate))))
    limit, k, product = math.exp(-rate), 0, rnd.random()
    while product > limit:
        k += 1
        product *= rnd.random()
    return k


def naive(current: dict[str, int], baselines: dict[str, list[int]]) -> set[str]:
    return {
        c
        for c, n in current.items()
        if n > statistics.mean(baselines[c]) + 3 * statistics.stdev(baselines[c])
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    means = {f"cat-{i}": rnd.uniform(8, 40) for i in range(CATEGORIES)}
    found = naive_found = false = naive_false = 0
    for _ in range(args.rounds):
        baselines = {c: [draw(rnd, m) for _ in range(DAYS)] for c, m in means.items()}
        planted = rnd.choice(list(means))
        current = {c: draw(rnd, 3 * m if c == planted else m) for c, m in means.items()}
        called = {s.category for s in find_spikes(current, baselines)}
        found += planted in called
        false += len(called - {planted})
        naive_called = naive(current, baselines)
        naive_found += planted in naive_called
        naive_false += len(naive_called - {planted})
    days = args.rounds * CATEGORIES
    print(f"{args.rounds} rounds x {CATEGORIES} categories = {days} category-days")
    print(
        f"find_spikes: recall {100 * found / args.rounds:.1f}% of 3x spikes, "
        f"{100 * false / days:.2f} false alarms per 100 category-days"
    )
    print(
        f"baseline (mean + 3 sd): recall {100 * naive_found / args.rounds:.1f}%, "
        f"{100 * naive_false / days:.2f} false alarms per 100 category-days"
    )
    ok = found / args.rounds >= 0.9 and 100 * false / days <= 1.0
    print("meets the target" if ok else "MISSES the target (>= 90% recall, <= 1 per 100)")


if __name__ == "__main__":
    main()
