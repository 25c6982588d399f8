"""Whether two claims say the same thing: MinHash LSH for candidates, a score to decide.

* ``normalise``: lower case, hedge markers dropped (a hedge dropped on repetition is still the
  same claim), numbers without group separators, stop words and punctuation dropped;
* ``signature`` / ``band_keys``: a MinHash (datasketch, ``NUM_PERM`` permutations) of the
  words, cut into LSH bands whose parameters datasketch's ``MinHashLSH``
  chooses for ``LSH_THRESHOLD``. Two claims that share a band key are candidates; the keys are
  stored (``ClaimBand``), so the index is in the database and shared by every worker;
* ``score``: rapidfuzz text similarity of the normalised words (0.6), overlap of the entities
  named in the claims (0.15), of their numbers (0.15), and the same speaker (0.1). A claim
  joins the candidate cluster it scores best with at ``JOIN_THRESHOLD`` or more.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from hashlib import blake2b

from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz

from annotations.nlp.hedges import Marker

NUM_PERM = 64
#: The Jaccard similarity of word sets at which two claims become candidates.
LSH_THRESHOLD = 0.4
#: The score at which a claim joins a cluster.
JOIN_THRESHOLD = 0.72
WEIGHTS = {"text": 0.6, "entities": 0.15, "figures": 0.15, "speaker": 0.1}
_STOP = frozenset(
    """a an the of to in on at by for from with and or but that this these those is are was
    were be been being has have had it its as than then there their they he she his her
    said says say told tells s""".split()  # noqa: SIM905
)
_WORD = re.compile(r"\d[\d,.\u00a0\u202f' ]*\d|\d|\w+", re.UNICODE)
_SEPARATORS = re.compile(r"[,\u00a0\u202f' ]")
_NUMBER_START = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class ClaimFeatures:
    normalised: str
    figures: tuple[str, ...]
    band_keys: tuple[int, ...]


def normalise(text: str, markers: Sequence[Marker] = ()) -> tuple[str, tuple[str, ...]]:
    """The claim's words for comparison, and its numbers (``"10,000"`` -> ``"10000"``)."""
    if markers:
        parts, last = [], 0
        for marker in markers:
            parts.append(text[last : marker.start])
            last = marker.end
        parts.append(text[last:])
        text = " ".join(parts)
    words: list[str] = []
    figures: list[str] = []
    for match in _WORD.finditer(text.casefold()):
        word = match.group(0)
        if _NUMBER_START.match(word):
            word = _SEPARATORS.sub("", word).rstrip(".")
            figures.append(word)
        elif word in _STOP:
            continue
        words.append(word)
    return " ".join(words), tuple(dict.fromkeys(figures))


@cache
def _template() -> MinHash:
    """A MinHash whose permutations every signature shares (datasketch draws them anew for
    each MinHash otherwise, which costs more than hashing a claim)."""
    return MinHash(num_perm=NUM_PERM)


@cache
def _bands() -> list[tuple[int, int]]:
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return list(lsh.hashranges)


def band_keys(normalised: str) -> tuple[int, ...]:
    """The LSH band keys of the claim's MinHash over its words."""
    words = normalised.split()
    if not words:
        return ()
    # Words, not word pairs: claims are short, and a repetition often reorders them.
    shingles = {w.encode() for w in words}
    minhash = _template().copy()
    minhash.update_batch(list(shingles))
    values = minhash.hashvalues
    keys = []
    for band, (start, end) in enumerate(_bands()):
        digest = blake2b(values[start:end].tobytes(), digest_size=8, person=b"band%d" % band)
        keys.append(int.from_bytes(digest.digest(), "big", signed=True))
    return tuple(keys)


def features(text: str, markers: Sequence[Marker] = ()) -> ClaimFeatures:
    normalised, figures = normalise(text, markers)
    return ClaimFeatures(normalised, figures, band_keys(normalised))


def _overlap(a: Collection[object], b: Collection[object]) -> float:
    """Jaccard overlap; 0.5 (no evidence) when either side has none."""
    if not a or not b:
        return 0.5 if not a and not b else 0.25
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb)


def score(
    a_text: str,
    b_text: str,
    *,
    a_entities: Collection[int] = (),
    b_entities: Collection[int] = (),
    a_figures: Collection[str] = (),
    b_figures: Collection[str] = (),
    a_speaker: int | None = None,
    b_speaker: int | None = None,
) -> float:
    """How surely two claims (normalised words) say the same thing, 0 to 1."""
    text = (fuzz.token_sort_ratio(a_text, b_text) + fuzz.token_set_ratio(a_text, b_text)) / 200
    speaker = 0.5 if a_speaker is None or b_speaker is None else float(a_speaker == b_speaker)
    entities = 0.5 if not a_entities and not b_entities else _overlap(a_entities, b_entities)
    return round(
        WEIGHTS["text"] * text
        + WEIGHTS["entities"] * entities
        + WEIGHTS["figures"] * _overlap(a_figures, b_figures)
        + WEIGHTS["speaker"] * speaker,
        4,
    )
