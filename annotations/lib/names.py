"""Names compared as an analyst reads them, for batch screening (``selectors/screening.py``).

Three forms of a name:

* ``name_key``: the name as written, case-folded with its spaces collapsed; two names with the
  same key are the same string to a reader ("Kim Jong Un" and "kim  jong un").
* ``name_fold``: also without accents and punctuation ("Kim Jong-un" -> "kim jong un",
  "Zelenskyy" -> "zelenskyy"), the form that fuzzy scores compare.
* ``block_keys``: cheap keys of the folded words (first and last three letters), so that only
  the names sharing one are scored (the prefilter where no trigram index exists).

Scores are rapidfuzz's ``token_sort_ratio`` on the folded forms, from 0 to 1: the words are
sorted first, so "Putin Vladimir" scores 1 against "Vladimir Putin", and a one-letter typo in a
name of ten letters scores about 0.95.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def name_fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", bare)).strip()


def name_score(folded: str, other_folded: str) -> float:
    """How alike two folded names are, 0 to 1 (word order ignored)."""
    if not folded or not other_folded:
        return 0.0
    return float(fuzz.token_sort_ratio(folded, other_folded)) / 100.0


def block_keys(folded: str) -> set[str]:
    """The blocking keys of a folded name: its whole form, and each word's first and last
    three letters (a short word is its own key)."""
    keys = {"=" + folded.replace(" ", "")} if folded else set()
    for word in folded.split():
        if len(word) <= 3:
            keys.add("w" + word)
        else:
            keys.add("p" + word[:3])
            keys.add("s" + word[-3:])
    return keys
