"""The search box's grammar, parsed once and rendered for each engine.

Web-search syntax, as Google, Hypothesis and PostgreSQL's ``websearch_to_tsquery`` read it:

* words are ANDed: ``kursk troops``;
* ``"north korean troops"`` is a phrase;
* ``or`` (any case) between two items makes them alternatives: ``kirby or peskov``;
* ``-word`` and ``-"a phrase"`` exclude;
* while typing (``prefix=True``), the last bare word also matches as a prefix: ``zelen``.

One parser serves both engines so that a query means the same on PostgreSQL
(``to_tsquery``) and on SQLite (FTS5 ``MATCH``): ``websearch_to_tsquery`` has no prefix
operator, and FTS5's own syntax differs (``NOT`` is binary, ``-`` is a column filter). The
parser never fails on odd input: quotes left open close at the end, stray operators are text.
Limits (length, terms) are checked here, so a bad query is a 400 that names the field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MAX_TERM_CHARS = 100

# Word characters as both engines tokenise them: letters, digits and marks of any script.
APOSTROPHE = "\u2019"  # the typographic one: "Russia\u2019s" is "Russia's"
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?", re.UNICODE)


class QueryError(ValueError):
    """A query the search cannot run: too long, too many terms, or nothing to search for."""


@dataclass(frozen=True)
class Term:
    """One word or phrase: ``words`` in order; ``prefix`` for the word being typed."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Clause:
    """Alternatives (OR) of terms; ``negated`` for an exclusion."""

    terms: tuple[Term, ...]
    negated: bool = False


@dataclass
class Query:
    """Clauses ANDed together; at least one of them is not an exclusion."""

    clauses: list[Clause] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        """Every word the query looks for (not the excluded ones), for fuzzy name matching."""
        return [w for c in self.clauses if not c.negated for t in c.terms for w in t.words]

    @property
    def text(self) -> str:
        """The positive words as plain text ("kim jong un"), for name similarity."""
        return " ".join(self.words)


def words_of(text: str) -> list[str]:
    """The words of ``text``, case-folded (a hyphen or other punctuation separates words)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [m.group(0).replace(APOSTROPHE, "'") for m in _WORD.finditer(folded)]


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, value) pairs: ("phrase", text), ("word", text), ("or", ""), ("not", "")."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            if negated:
                out.append(("not", ""))
            out.append(("phrase", text[i + 1 : end]))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != '"':
            j += 1
        word = text[i:j]
        i = j
        if not negated and word.casefold() == "or":
            out.append(("or", ""))
            continue
        if negated:
            out.append(("not", ""))
        out.append(("word", word))
    return out


def parse(text: str, *, prefix: bool = False) -> Query:
    """The query in ``text``; raises QueryError when it is too long or has nothing to find."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"At most {MAX_QUERY_CHARS} characters.")
    tokens = _tokens(text)
    clauses: list[Clause] = []
    pending_or = False
    negate_next = False
    count = 0
    for index, (kind, value) in enumerate(tokens):
        if kind == "or":
            pending_or = bool(clauses) and not clauses[-1].negated
            continue
        if kind == "not":
            negate_next = True
            continue
        words = tuple(words_of(value))
        if not words:
            negate_next = False
            continue
        if any(len(w) > MAX_TERM_CHARS for w in words):
            raise QueryError(f"A word has at most {MAX_TERM_CHARS} characters.")
        count += len(words)
        if count > MAX_TERMS:
            raise QueryError(f"At most {MAX_TERMS} words.")
        last = index == len(tokens) - 1
        is_prefix = prefix and last and kind == "word" and not negate_next and len(words) == 1
        term = Term(words, prefix=is_prefix)
        if pending_or and not negate_next:
            previous = clauses[-1]
            clauses[-1] = Clause((*previous.terms, term))
        else:
            clauses.append(Clause((term,), negated=negate_next))
        pending_or = False
        negate_next = False
    if not any(not c.negated for c in clauses):
        raise QueryError("Give at least one word to look for (exclusions alone find nothing).")
    return Query(clauses)


# --- PostgreSQL: to_tsquery text ---------------------------------------------------------------


def _ts_word(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _ts_term(term: Term) -> str:
    if len(term.words) == 1:
        return _ts_word(term.words[0]) + (":*" if term.prefix else "")
    return "(" + " <-> ".join(_ts_word(w) for w in term.words) + ")"


def to_tsquery(query: Query) -> str:
    """Text for PostgreSQL's ``to_tsquery(config, ...)``: the config then stems each word."""
    parts = []
    for clause in query.clauses:
        body = " | ".join(_ts_term(t) for t in clause.terms)
        body = f"({body})" if len(clause.terms) > 1 else body
        parts.append(f"!{body}" if clause.negated else body)
    return " & ".join(parts)


# --- SQLite: FTS5 MATCH text -------------------------------------------------------------------


def _fts_term(term: Term) -> str:
    quoted = '"' + " ".join(w.replace('"', '""') for w in term.words) + '"'
    return quoted + ("*" if term.prefix else "")


def to_fts5(query: Query) -> str:
    """An FTS5 MATCH expression: positives ANDed, then ``NOT`` each exclusion."""
    positives: list[str] = []
    negatives: list[str] = []
    for clause in query.clauses:
        body = " OR ".join(_fts_term(t) for t in clause.terms)
        body = f"({body})" if len(clause.terms) > 1 else body
        (negatives if clause.negated else positives).append(body)
    expression = " AND ".join(positives)
    for negative in negatives:
        expression = f"({expression}) NOT {negative}"
    return expression


# --- Text search configurations ---------------------------------------------------------------

# PostgreSQL's built-in configurations (13 and later), by ISO 639-1 code; other languages, and
# names, use "simple" (lower-cased words, no stemming).
TEXT_SEARCH_CONFIGS = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hu": "hungarian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}


def text_search_config(language: str) -> str:
    """The configuration for an article in ``language`` ("en", "fr-CA", "" ...)."""
    return TEXT_SEARCH_CONFIGS.get((language or "").split("-")[0].lower(), "simple")


# --- Trigram similarity, as pg_trgm computes it ----------------------------------------------


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: lower-cased, two spaces before and one after."""
    padded = f"  {word.casefold()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity`` of two single words: shared trigrams over all trigrams."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0
