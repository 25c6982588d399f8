"""NewsNotes NLP: the only package that imports spaCy. Text in, plain dataclasses out.

    from annotations.nlp import analyze, analyze_many, model_info
    analysis = analyze(article.text)   # ArticleAnalysis(mentions=[...], attributions=[...])

The pipeline functions are imported lazily, so ``annotations.nlp.types`` (the dataclasses) can be
used by models, services and serializers without loading spaCy. docs/nlp.md describes the rules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from annotations.nlp.types import ArticleAnalysis, AttributionData, MentionData

if TYPE_CHECKING:
    from annotations.nlp.pipeline import (
        ModelNotAvailableError,
        analyze,
        analyze_many,
        get_nlp,
        model_info,
    )

__all__ = [
    "ArticleAnalysis",
    "AttributionData",
    "MentionData",
    "ModelNotAvailableError",
    "analyze",
    "analyze_many",
    "get_nlp",
    "model_info",
]

_LAZY = {"ModelNotAvailableError", "analyze", "analyze_many", "get_nlp", "model_info"}


def __getattr__(name: str) -> Any:
    # Importing spaCy takes about a second; pay it only when the pipeline is used.
    if name in _LAZY:
        return getattr(import_module("annotations.nlp.pipeline"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
