"""An article's language, detected with Lingua (``lingua-language-detector``).

Lingua is chosen over langdetect/langid because it is maintained, ships its n-gram models in
the wheel (nothing downloaded at run time), is accurate on short news texts and reports a
confidence per language, which lets an uncertain text say so (``und``) instead of guessing.
The detector knows the languages geopolitical news mostly comes in (below); its models load
on first use, once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

UNDETERMINED = "und"
#: Below this confidence of the best language the text is ``und``.
MIN_CONFIDENCE = 0.5
#: Texts with fewer letters than this are too short to tell.
MIN_LETTERS = 20
#: The detector reads this many characters from the start of the text: enough for certainty
#: on news prose (about 50 words), and about 2 ms an article, so that a bulk import of
#: thousands stays fast next to the NER (about 60 ms an article); a long article costs no
#: more than a short one.
SAMPLE_CHARS = 300
LANGUAGES = [
    "ARABIC",
    "CHINESE",
    "DUTCH",
    "ENGLISH",
    "FRENCH",
    "GERMAN",
    "HEBREW",
    "HINDI",
    "INDONESIAN",
    "ITALIAN",
    "JAPANESE",
    "KOREAN",
    "PERSIAN",
    "POLISH",
    "PORTUGUESE",
    "RUSSIAN",
    "SPANISH",
    "TURKISH",
    "UKRAINIAN",
    "VIETNAMESE",
]

_lock = threading.Lock()
_detector: list[LanguageDetector] = []


def _get_detector() -> LanguageDetector:
    if not _detector:
        with _lock:
            if not _detector:
                from lingua import Language, LanguageDetectorBuilder

                languages = [getattr(Language, name) for name in LANGUAGES]
                _detector.append(LanguageDetectorBuilder.from_languages(*languages).build())
    return _detector[0]


def detect_language(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language ("en", "fr" ...), or ``und``."""
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[str]:
    """detect_language() for many texts, on every core (Lingua's own threads)."""
    samples = [text[:SAMPLE_CHARS] for text in texts]
    wanted = [i for i, s in enumerate(samples) if sum(c.isalpha() for c in s) >= MIN_LETTERS]
    codes = [UNDETERMINED] * len(samples)
    if not wanted:
        return codes
    detector = _get_detector()
    if len(wanted) == 1:
        results = [detector.compute_language_confidence_values(samples[wanted[0]])]
    else:
        results = detector.compute_language_confidence_values_in_parallel(
            [samples[i] for i in wanted]
        )
    for i, values in zip(wanted, results, strict=True):
        if values and values[0].value >= MIN_CONFIDENCE:
            codes[i] = values[0].language.iso_code_639_1.name.lower()
    return codes
