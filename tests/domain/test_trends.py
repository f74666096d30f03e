"""The trend detector calls out a category whose count is far above its trailing baseline, not
one at its usual volume, not a tiny one, and corrects for the number of categories tested; the
terms that explain a spike are those its messages share and the baseline's do not.
"""

from __future__ import annotations

import math

from sopdesk.domain.trends import (
    Spike,
    Term,
    TrendPolicy,
    callout_text,
    explaining_terms,
    find_spikes,
    tail_probability,
    terms_of,
)

QUIET = [6, 5, 7, 6, 4, 8, 6, 5, 7, 6, 5, 9, 3, 6]


def test_a_spike_is_called_out_and_usual_volume_is_not() -> None:
    current = {"promo": 41, "shipping": 7, "refunds": 5}
    baselines = {"promo": QUIET, "shipping": QUIET, "refunds": QUIET}
    spikes = find_spikes(current, baselines)
    assert [s.category for s in spikes] == ["promo"]
    spike = spikes[0]
    assert spike.count == 41
    assert math.isclose(spike.mean, sum(QUIET) / len(QUIET))
    assert spike.p_value < 1e-10
    assert spike.ratio > 6


def test_a_small_count_is_never_a_trend_even_against_nothing() -> None:
    assert find_spikes({"new-thing": 4}, {"new-thing": [0] * 14}) == []
    assert [s.category for s in find_spikes({"new-thing": 6}, {"new-thing": [0] * 14})] == [
        "new-thing"
    ]


def test_the_correction_for_many_categories_raises_the_bar() -> None:
    baseline = [10] * 28
    p = tail_probability(19, baseline)
    assert 1e-4 < p < 0.01  # significant alone at 1%...
    one = find_spikes({"a": 19}, {"a": baseline}, TrendPolicy(min_ratio=1.5))
    assert [s.category for s in one] == ["a"]
    many = {f"c{i}": baseline for i in range(100)}
    assert find_spikes({"c0": 19}, many, TrendPolicy(min_ratio=1.5)) == []  # ...not among 100


def test_an_overdispersed_baseline_makes_a_jump_less_surprising() -> None:
    steady = [10] * 28
    noisy = [2, 18, 5, 15, 3, 17, 10, 4, 16, 10] * 3
    assert tail_probability(22, noisy) > 50 * tail_probability(22, steady)


def test_terms_explain_the_spike() -> None:
    texts = ["Code WELCOME10 fails at checkout", "Promo WELCOME10 rejected", "WELCOME10 no good"]
    spike = texts * 10 + ["Where is my parcel?"] * 11
    baseline = ["Where is my parcel?", "Discount code expired", "Change my address"] * 20
    terms = explaining_terms(spike, baseline)
    assert terms[0] == Term("welcome10", 30, 0.0)
    assert all("welcome10" not in t.term.split() or t.term == "welcome10" for t in terms)
    assert all(t.term not in ("parcel", "where", "code") for t in terms)
    assert explaining_terms([], baseline) == []
    assert "is" not in terms_of("Code is not working")


def test_callout_text_reads_like_the_issue_example() -> None:
    spike = Spike("promo", 41, 6.2, 2.8, 1e-12)
    text = callout_text("Promo not working", spike, "today", [Term("welcome10", 30, 0.0)], 41)
    assert text == "Promo not working: 41 cases today vs 6 ± 3 usual; 30 of 41 mention 'welcome10'"
    assert callout_text("Promo", spike, "in the last hour", [], 41).endswith("vs 6 ± 3 usual")
