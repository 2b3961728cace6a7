#!/usr/bin/env python3
"""reference.py — independent, textbook-formula recomputation (pure Python,
exact fractions where possible) of the figures asserted in tests/audit/."""
from fractions import Fraction as F
import math

def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h

def fleiss(table):
    N = len(table); n = sum(table[0])
    P = [F(sum(x * x for x in row) - n, n * (n - 1)) for row in table]
    Pbar = sum(P) / N
    p = [F(sum(r[j] for r in table), N * n) for j in range(len(table[0]))]
    Pe = sum(x * x for x in p)
    return Pbar, Pe, (Pbar - Pe) / (1 - Pe)

def cohen(tab):
    n = sum(map(sum, tab)); k = len(tab)
    po = F(sum(tab[i][i] for i in range(k)), n)
    pe = sum(F(sum(tab[i]), n) * F(sum(tab[r][i] for r in range(k)), n) for i in range(k))
    return po, pe, (po - pe) / (1 - pe)

def kripp_nominal(units):
    # units: list of lists of values (missing removed); pairwise definition.
    cats = sorted({v for u in units for v in u})
    o = {(c, k): F(0) for c in cats for k in cats}
    for u in units:
        m = len(u)
        if m < 2:
            continue
        for i in range(m):
            for j in range(m):
                if i != j:
                    o[(u[i], u[j])] += F(1, m - 1)
    nc = {c: sum(o[(c, k)] for k in cats) for c in cats}
    n = sum(nc.values())
    Do = sum(o[(c, k)] for c in cats for k in cats if c != k)
    De = sum(nc[c] * nc[k] for c in cats for k in cats if c != k)
    return n, 1 - (n - 1) * Do / De

def auc_pairs(bad, good):
    s = F(0)
    for x in bad:
        for y in good:
            s += 1 if x < y else (F(1, 2) if x == y else 0)
    return s / (len(bad) * len(good))

def auc_midranks(bad, good):
    allv = sorted(bad + good)
    def midrank(v):
        lo = allv.index(v) + 1
        hi = len(allv) - allv[::-1].index(v)
        return F(lo + hi, 2)
    # rank by descending score so that low score (bad) ranks high
    m, n = len(bad), len(good)
    R = sum((m + n + 1) - midrank(x) for x in bad)
    U = R - F(m * (m + 1), 2)
    return U / (m * n)

def delong(bad, good):
    m, n = len(bad), len(good)
    psi = lambda x, y: 1.0 if x < y else (0.5 if x == y else 0.0)
    v10 = [sum(psi(x, y) for y in good) / n for x in bad]
    v01 = [sum(psi(x, y) for x in bad) / m for y in good]
    a = sum(v10) / m
    s10 = sum((v - a) ** 2 for v in v10) / (m - 1)
    s01 = sum((v - a) ** 2 for v in v01) / (n - 1)
    return a, s10 / m + s01 / n

print("wilson 0/10", wilson(0, 10))
print("wilson 10/10", wilson(10, 10))
print("wilson 7/20", wilson(7, 20))
print("wilson 1/1", wilson(1, 1))

fl = [[0,0,0,0,14],[0,2,6,4,2],[0,0,3,5,6],[0,3,9,2,0],[2,2,8,1,1],
      [7,7,0,0,0],[3,2,6,3,0],[2,5,3,2,2],[6,5,2,1,0],[0,2,2,3,7]]
Pbar, Pe, k = fleiss(fl)
print("fleiss Pbar", float(Pbar), "Pe", float(Pe), "kappa", float(k))

po, pe, k = cohen([[20, 5], [10, 15]])
print("cohen po", float(po), "pe", float(pe), "kappa", float(k))

M = None
A = [1,2,3,3,2,1,4,1,2,M,M,M]
B = [1,2,3,3,2,2,4,1,2,5,M,3]
C = [M,3,3,3,2,3,4,2,2,5,1,M]
D = [1,2,3,3,2,4,4,1,2,5,1,M]
units = [[r[i] for r in (A, B, C, D) if r[i] is not None] for i in range(12)]
n, a = kripp_nominal(units)
print("kripp n", n, "alpha", float(a), a)

bad = [0.2, 0.5, 0.5]; good = [0.5, 0.8]
print("auc ties pairs", auc_pairs(bad, good), "midranks", auc_midranks(bad, good))
bad = [0.1, 0.3, 0.3, 0.6, 0.9]; good = [0.3, 0.5, 0.6, 0.7, 0.8, 0.9]
print("auc2 pairs", auc_pairs(bad, good), float(auc_pairs(bad, good)),
      "midranks", auc_midranks(bad, good))
a, v = delong(bad, good)
print("delong auc", a, "var", repr(v), "se", math.sqrt(v))

# Krippendorff's coincidence matrix of the 2011 example (categories 1..5).
cats = [1, 2, 3, 4, 5]
o = {(c, k): F(0) for c in cats for k in cats}
for u in units:
    m = len(u)
    if m < 2:
        continue
    for i in range(m):
        for j in range(m):
            if i != j:
                o[(u[i], u[j])] += F(1, m - 1)
for c in cats:
    print("coinc", c, [str(o[(c, k)]) for k in cats])
# Fleiss-to-alpha relation on complete data: alpha = 1 - (N-1)/N (1 - kappa)
Pbar, Pe, k = fleiss(fl)
N = 140
print("alpha of the Fleiss table", float(1 - F(N - 1, N) * (1 - k)),
      float(kripp_nominal([[j for j in range(5) for _ in range(r[j])] for r in fl])[1]))
