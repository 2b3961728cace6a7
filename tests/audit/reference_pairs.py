#!/usr/bin/env python3
"""reference_pairs.py — independent recomputation (pure Python, exact
fractions where possible) of the figures asserted in tests/audit/test_pairs.c
and tests/audit/test_bt.c."""
from fractions import Fraction as F
import math

import contextlib
import io

with contextlib.redirect_stdout(io.StringIO()):  # reference.py prints its own figures
    from reference import wilson, cohen, fleiss, kripp_nominal


def binom_two_sided_half(k, n):
    """Exact two-sided binomial test against 1/2, as R's binom.test."""
    m = min(k, n - k)
    if 2 * m == n:
        return F(1)
    tail = sum(math.comb(n, i) for i in range(m + 1))
    return min(F(1), F(2 * tail, 2 ** n))


def bisect(f, lo, hi, steps=200):
    for _ in range(steps):
        mid = (lo + hi) / 2
        if (f(lo) < 0) == (f(mid) < 0):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


if __name__ == "__main__":
    print("win rates: model 0 wins 3 of 5 decisive:", wilson(3, 5))
    print("           model 0 ties 2 of 7:", wilson(2, 7))
    print("           model 1 wins 1 of 4:", wilson(1, 4))
    print("binom.test(7, 10):", float(binom_two_sided_half(7, 10)))
    print("binom.test(6, 10):", float(binom_two_sided_half(6, 10)))
    print("binom.test(0, 5):", float(binom_two_sided_half(0, 5)))
    print("binom.test(5300, 10000):", float(binom_two_sided_half(5300, 10000)))
    print("binom.test(4950, 10000):", float(binom_two_sided_half(4950, 10000)))
    print("position 60 left of 100:", wilson(60, 100),
          float(binom_two_sided_half(60, 100)))
    # Agreement: the two annotators of test_pairs.c (3-way: a=0, b=1, neither=2)
    t3 = [[2, 1, 0], [1, 1, 0], [0, 0, 2]]
    t2 = [[2, 1], [1, 1]]
    print("cohen 3-way:", cohen(t3), "2-way:", cohen(t2))
    units3 = [[0, 0], [0, 1], [1, 1], [2, 2], [2, 2], [0, 0], [1, 0], [1]]
    units2 = [[0, 0], [0, 1], [1, 1], [], [], [0, 0], [1, 0], [1]]
    print("alpha 3-way:", kripp_nominal(units3), "2-way:", kripp_nominal(units2))
    f3 = [[2, 0, 0], [1, 1, 0], [0, 2, 0], [0, 0, 2], [0, 0, 2], [2, 0, 0], [1, 1, 0]]
    f2 = [[2, 0], [1, 1], [0, 2], [2, 0], [1, 1]]
    print("fleiss 3-way:", fleiss(f3), "2-way:", fleiss(f2))
    # Bradley-Terry, two players, 3 wins, 1 loss, 2 ties, no prior:
    # gamma1 / gamma2 = (3 + 1) / (1 + 1) = 2
    d = 400 * math.log10(2)
    print("two players 3-1-2:", 1000 + d / 2, 1000 - d / 2)
    # Two players, 5-0, prior 2 (one virtual win and loss each against a
    # reference of strength 1): by symmetry gamma2 = 1 / gamma1, and gamma1
    # solves 5 + 1 = 5 g^2 / (g^2 + 1) + 2 g / (g + 1).
    g = bisect(lambda g: 5 * g * g / (g * g + 1) + 2 * g / (g + 1) - 6, 1.0, 1e6)
    print("two players 5-0, prior 2: gamma", g, "scores",
          1000 + 400 * math.log10(g), 1000 - 400 * math.log10(g))
