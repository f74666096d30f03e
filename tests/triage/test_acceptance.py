"""The acceptance checks of issue 14 on the starter desk's held-out eval files: categories at
85% or better, level-4 signals caught in 95% of the messages that state them, at most 2% false
alarms on the rest (the signal file's quiet messages plus every non-level-4 category message)."""

from __future__ import annotations

from sopdesk.domain.desk import Desk
from sopdesk.triage import Triager
from sopdesk.triage.evaluate import EvalMessage, evaluate, read_eval_file
from sopdesk.triage.triager import desk_examples
from tests.triage.conftest import EVAL


def test_held_out_categories_reach_85_percent(triager: Triager) -> None:
    result = evaluate(triager, read_eval_file(EVAL / "categories.yaml"))
    assert result.accuracy >= 0.85, result.misses
    # The calibrated threshold is worth trusting: what it lets through is nearly all right.
    assert result.confident_correct >= 0.95 * result.confident


def test_every_categorised_message_has_three_and_each_category_is_evaluated(
    starter_desk: Desk,
) -> None:
    messages = read_eval_file(EVAL / "categories.yaml")
    counts: dict[str, int] = {}
    for message in messages:
        assert message.category in starter_desk.categories, message.category
        counts[message.category] = counts.get(message.category, 0) + 1
    trained = {e.category for e in desk_examples(starter_desk)}
    assert set(counts) == trained
    assert min(counts.values()) >= 3


def test_the_eval_files_are_not_training_data(starter_desk: Desk) -> None:
    training = {e.text.strip().lower() for e in desk_examples(starter_desk)}
    for name in ("categories.yaml", "signals.yaml"):
        for message in read_eval_file(EVAL / name):
            assert message.text.strip().lower() not in training, message.text


def test_signals_are_caught_with_few_false_alarms(starter_desk: Desk, triager: Triager) -> None:
    level4 = {s for c in starter_desk.categories.values() for s in c.signals}
    quiet = [
        EvalMessage(text=m.text, signals=[])
        for m in read_eval_file(EVAL / "categories.yaml")
        if not starter_desk.categories[str(m.category)].signals
    ]
    messages = read_eval_file(EVAL / "signals.yaml")
    stated = {s for m in messages for s in m.signals or []}
    assert stated == level4  # every level-4 signal is in the held-out set
    result = evaluate(triager, messages + quiet)
    assert result.signal_stated >= 40 and result.signal_quiet >= 150
    assert result.signal_recall >= 0.95, result.misses
    assert result.false_alarm_rate <= 0.02, result.misses


def test_contacts_no_category_fits_are_mostly_left_to_a_person(triager: Triager) -> None:
    result = evaluate(triager, read_eval_file(EVAL / "small-talk.yaml"))
    assert result.unfit == 30 and result.total == 0  # none of them counts as a category's
    assert result.unfit_rate >= 0.85, result.misses
    assert len(result.misses) == result.unfit - result.unfit_held
