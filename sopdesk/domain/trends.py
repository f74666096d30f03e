"""Trend callouts: which categories spike now against their trailing baseline, and the words
that explain the spike. Pure: counts and texts in, findings out.

The test: each category's count in the current window (an hour or a day) against the counts of
its trailing windows. Under a Poisson model with the baseline mean (a negative binomial when the
baseline is over-dispersed, variance > mean), the upper tail P(X >= count) is the p-value; a
category is called out when it has at least `min_count` cases, at least `min_ratio` times its
usual volume, and a p-value under alpha / m (Bonferroni over the m categories tested).

The explanation compares document frequencies: the terms (words and two-word phrases) that most
of the spike's messages use and the baseline's messages rarely do.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_STOPWORDS = """a about after again all also am an and any are as at be because been before
    being but by
    can could did do does doing dont for from get got had has have having hello hi how i im if in
    into is it its just me my no not of on or our please so still than thank thanks that the
    their them then there these they this to too up us very was we were what when where which
    who why will with would yes you your"""
STOPWORDS = frozenset(_STOPWORDS.split())
TOKEN = re.compile(r"[a-z0-9][a-z0-9_-]*[a-z0-9]|[a-z0-9]")


@dataclass(frozen=True)
class TrendPolicy:
    min_count: int = 5  # fewer cases than this are never a trend
    min_ratio: float = 2.0  # the count must be at least this many times the usual volume
    alpha: float = 0.01  # family-wise error rate, split over the categories tested
    prior: float = 0.5  # cases added to an empty baseline, so a first case is not infinite


@dataclass(frozen=True)
class Spike:
    category: str
    count: int
    mean: float
    sd: float
    p_value: float

    @property
    def ratio(self) -> float:
        return self.count / self.mean if self.mean else math.inf


def _poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    term = math.exp(-lam)
    below = term
    for i in range(1, k):
        term *= lam / i
        below += term
    return max(0.0, 1.0 - below)


def _negbin_tail(k: int, mean: float, var: float) -> float:
    """P(X >= k) for a negative binomial with this mean and variance (var > mean)."""
    r = mean * mean / (var - mean)
    p = r / (r + mean)
    log_p, log_q = math.log(p), math.log1p(-p)
    below = 0.0
    for i in range(k):
        below += math.exp(
            math.lgamma(i + r) - math.lgamma(r) - math.lgamma(i + 1) + r * log_p + i * log_q
        )
    return max(0.0, 1.0 - below)


def tail_probability(count: int, baseline: Sequence[int], prior: float = 0.5) -> float:
    """How surprising `count` is after `baseline` (counts of the same-length windows before)."""
    n = len(baseline)
    mean = (sum(baseline) + prior) / (n + 1) if n else prior
    var = sum((b - mean) ** 2 for b in baseline) / (n - 1) if n > 1 else mean
    if var > mean * 1.05:
        return _negbin_tail(count, mean, var)
    return _poisson_tail(count, mean)


def find_spikes(
    current: Mapping[str, int],
    baselines: Mapping[str, Sequence[int]],
    policy: TrendPolicy = TrendPolicy(),
) -> list[Spike]:
    """The categories of `current` that spike, most surprising first. Every category with a
    baseline or a current count is tested (and counts towards the correction)."""
    tested = sorted(set(current) | set(baselines))
    if not tested:
        return []
    threshold = policy.alpha / len(tested)
    found = []
    for category in tested:
        count = current.get(category, 0)
        baseline = list(baselines.get(category, ()))
        if count < policy.min_count:
            continue
        mean = sum(baseline) / len(baseline) if baseline else 0.0
        sd = (
            math.sqrt(sum((b - mean) ** 2 for b in baseline) / (len(baseline) - 1))
            if len(baseline) > 1
            else 0.0
        )
        if count < policy.min_ratio * max(mean, policy.prior):
            continue
        p_value = tail_probability(count, baseline, policy.prior)
        if p_value < threshold:
            found.append(Spike(category, count, mean, sd, p_value))
    return sorted(found, key=lambda s: (s.p_value, -s.count, s.category))


# --- what explains a spike ------------------------------------------------------------------


def terms_of(text: str) -> set[str]:
    """The words (not stopwords) and two-word phrases of a message, lower-cased."""
    words = [w for w in TOKEN.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]
    return set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}


@dataclass(frozen=True)
class Term:
    term: str
    spike_docs: int  # how many of the spike's messages use it
    baseline_share: float  # the share of baseline messages that use it


def explaining_terms(
    spike: Iterable[str],
    baseline: Iterable[str],
    limit: int = 3,
    min_share: float = 0.3,
    min_lift: float = 3.0,
) -> list[Term]:
    """Terms used by at least `min_share` of the spike's messages and at least `min_lift` times
    as often (as a share of messages) as in the baseline; by how many spike messages use them.
    A phrase is left out when one of its words is used as often."""
    spike_docs = [terms_of(t) for t in spike]
    base_docs = [terms_of(t) for t in baseline]
    if not spike_docs:
        return []
    in_spike = Counter(t for doc in spike_docs for t in doc)
    in_base = Counter(t for doc in base_docs for t in doc)
    n, m = len(spike_docs), len(base_docs)
    found: list[Term] = []
    for term, k in in_spike.items():
        share = k / n
        # No baseline messages at all (a new desk): nothing to contrast, the share decides.
        base_share = (in_base[term] + 0.5) / (m + 1) if m else 0.0
        if share >= min_share and k >= 2 and share >= min_lift * base_share:
            found.append(Term(term, k, in_base[term] / m if m else 0.0))
    found.sort(key=lambda t: (-t.spike_docs, len(t.term.split()), t.term))
    kept: list[Term] = []
    for t in found:  # a phrase adds nothing over a word of it used as often
        if any(k.term in t.term.split() and k.spike_docs >= t.spike_docs for k in kept):
            continue
        kept.append(t)
    return kept[:limit]


def callout_text(
    title: str, spike: Spike, window: str, terms: Sequence[Term], spike_cases: int
) -> str:
    """E.g. "Promo not working: 41 cases today vs 6 ± 3 usual; 30 of them mention WELCOME10"."""
    text = f"{title}: {spike.count} cases {window} vs {spike.mean:.0f} ± {spike.sd:.0f} usual"
    if terms:
        best = terms[0]
        text += f"; {best.spike_docs} of {spike_cases} mention {best.term!r}"
        if len(terms) > 1:
            text += " (also: " + ", ".join(repr(t.term) for t in terms[1:]) + ")"
    return text
