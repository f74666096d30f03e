"""Triager.assess on real text: what it says, why, and that no input makes it fail."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np

from sopdesk.domain.desk import Desk
from sopdesk.triage import Triager
from sopdesk.triage.evaluate import read_eval_file
from sopdesk.triage.model import CategoryModel
from sopdesk.triage.text import MAX_CHARS, read_text
from sopdesk.triage.triager import model_path
from tests.triage.conftest import EVAL


def test_a_chargeback_names_its_words_and_raises_priority(triager: Triager) -> None:
    decision = triager.assess(
        "Chargeback notice", "I filed a chargeback with my bank and disputed the charge."
    )
    (hit,) = [h for h in decision.signals if h.slug == "chargeback"]
    assert hit.source == "rule" and "chargeback" in hit.words
    assert decision.categories[0].slug == "chargebacks"
    assert decision.priority == "high"
    assert decision.explanation.startswith("words: chargeback, disputed the charge")
    assert "confidence" in decision.explanation
    assert decision.language == "en"


def test_top_three_are_calibrated_probabilities_best_first(triager: Triager) -> None:
    decision = triager.assess("Where is my parcel", "Can you tell me the status of my order?")
    scores = [g.score for g in decision.categories]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert 0 < sum(scores) <= 1.0001
    assert decision.confident and decision.category == "order-status"
    assert not decision.needs_triage
    data = decision.as_event_data()
    assert data["category"] == "order-status" and data["categories"][0]["slug"] == "order-status"


def test_spam_goes_to_the_spam_queue_not_a_category(triager: Triager) -> None:
    decision = triager.assess(
        "You have won!",
        "Congratulations, you have won a prize! Click here to claim it. Cheap SEO backlinks and "
        "crypto investment opportunity, double your money.",
    )
    assert decision.spam and decision.spam_score >= 0.9
    assert decision.category is None and not decision.needs_triage
    assert decision.priority == "low"


def test_a_denied_signal_does_not_fire(triager: Triager) -> None:
    decision = triager.assess("", "Nobody was hurt and I will not sue, the box was just dented.")
    assert {h.slug for h in decision.signals} == set()


def test_hostile_input_is_sent_to_needs_triage(triager: Triager) -> None:
    garbage = bytes(range(256)).decode("latin-1") * 50
    for subject, body in [("", ""), ("   ", "\n\n"), ("", garbage), ("\x00", "\x00" * 10_000)]:
        decision = triager.assess(subject, body)
        assert decision.needs_triage and decision.categories == ()
        assert decision.explanation == "needs triage: no readable text"
    huge = triager.assess("big", "where is my order " * 60_000)  # ~1 MB
    assert huge.categories[0].slug  # triaged on its opening, not choked on
    mixed = triager.assess("", "Hallo, wo ist meine Bestellung? Je voudrais annuler ma commande.")
    assert mixed.language in (None, "de", "fr")
    french = triager.assess("", "Bonjour, je voudrais annuler ma commande s'il vous plaît.")
    assert french.language == "fr" and french.needs_triage
    assert "not a desk language" in french.explanation


def test_text_is_bounded_and_noise_is_unreadable() -> None:
    assert len(read_text("s", "x " * 10**6).value) == MAX_CHARS
    assert not read_text("", "12345 !!! ???").readable
    assert read_text("Hi", "Where is my order?").readable


def test_the_fast_scorer_equals_the_fitted_pipeline(triager: Triager) -> None:
    texts = [m.text for m in read_eval_file(EVAL / "categories.yaml")]
    fast = np.array([triager.model.scorer.scores(t) for t in texts])
    slow = triager.model.pipeline.decision_function(texts)
    assert np.abs(fast - slow).max() < 1e-4


def test_the_model_is_saved_per_desk_version_and_loaded_back(
    triager: Triager, starter_desk: Desk, tmp_path: Path
) -> None:
    path = triager.save(tmp_path)
    assert path == model_path(tmp_path, starter_desk)
    assert starter_desk.version[:16] in path.name
    loaded = Triager.load(starter_desk, tmp_path)
    assert loaded is not None
    text = "My tracking number is not recognised by the carrier"
    assert loaded.assess("", text) == triager.assess("", text)
    other = starter_desk.model_copy(update={"version": "0" * 64})
    assert Triager.load(other, tmp_path) is None  # another desk version is not this model


def test_a_broken_or_foreign_model_file_is_retrained(starter_desk: Desk, tmp_path: Path) -> None:
    path = model_path(tmp_path, starter_desk)
    path.write_bytes(b"not a model")
    assert Triager.load(starter_desk, tmp_path) is None
    joblib.dump({"format": 0, "model": CategoryModel()}, path)
    assert Triager.load(starter_desk, tmp_path) is None


def test_for_desk_loads_once_per_process(
    triager: Triager, starter_desk: Desk, model_dir: Path
) -> None:
    assert Triager.for_desk(starter_desk, model_dir) is triager
    assert model_path(model_dir, starter_desk).is_file()  # trained once, saved for next time


def test_a_desk_folder_it_cannot_write_to_keeps_the_model_in_memory(
    starter_desk: Desk, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the model folder would go", encoding="utf-8")
    triager = Triager.for_desk(starter_desk, blocked)
    assert triager.assess("", "Please cancel my order").categories[0].slug == "cancel-order"


def test_urgency_words_and_outages_raise_the_priority(triager: Triager) -> None:
    assert triager.assess("", "Total outage, nothing works in the dashboard").priority == "critical"
    assert triager.assess("", "I need my address changed urgently").priority == "high"
    assert triager.assess("", "What sizes does the jacket come in?").priority == "normal"
