"""Figures: quantities with what they count ("at least 8,000 North Korean troops").

Pure: text and the article's entity mentions in, ``FigureData`` out; offsets are code points.
The words are data (``data/figure_units.json``): what each kind of figure is called, the
bounds ("more than", "up to") and the connectors over which a figure without a noun takes the
kind of the one before it ("at least 8,000 troops ... out of roughly 10,000").

A number is digits with their separators (``315,000``, ``1.5``), a number in words ("three
thousand", "a dozen", "twenty-five"), either with a scale ("1.5 million"). A number whose
separators an English text would not write (``315,00``, ``3.000 troops``, ``31,5000``) is
extracted even without a noun, ``flagged``, with the values it may have meant as
``readings`` and no value until an analyst picks one. docs/nlp.md has the rules and why
quantulum3 was not kept.
"""

from __future__ import annotations

import functools
import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_PATH = Path(__file__).resolve().parent / "data" / "figure_units.json"

#: Kinds whose values are counts of things: a decimal reading of "3.000" makes no sense there.
COUNT_KINDS = frozenset(
    {"troops", "casualties", "killed", "wounded", "missiles", "shells", "drones"}
)
#: The kind of a malformed number that counts nothing the lexicon knows.
OTHER = "other"
#: How many code points a subject may stand before its figure, and a connector between two.
_NEAR = 60
_MAX_FIGURES = 2_000


@dataclass(frozen=True, slots=True)
class MentionRef:
    """An entity mention of the text: its span, the entity (any id) and its span label."""

    start: int
    end: int
    entity: int
    label: str


@dataclass(frozen=True, slots=True)
class FigureData:
    start: int
    end: int
    text: str
    kind: str
    unit: str
    #: None while ``flagged`` (the analyst picks one of ``readings``).
    low: float | None
    high: float | None
    #: "exact", "about", "more_than", "at_least", "at_most", "less_than" or "range".
    bound: str
    subject: int | None = None
    flagged: bool = False
    readings: tuple[float, ...] = ()
    #: Why it is flagged: "separator" (misplaced group separator) or "decimal" ("3.000").
    problem: str = ""
    number_start: int = 0
    number_end: int = 0


@dataclass(frozen=True, slots=True)
class _Lexicon:
    nouns: dict[tuple[str, ...], tuple[str, str]]  # words -> (kind, unit)
    after: dict[tuple[str, ...], str]
    before: dict[tuple[str, ...], str]
    bounds: dict[tuple[str, ...], str]
    symbols: dict[str, str]
    inherit: tuple[tuple[str, ...], ...]
    labels: dict[str, str] = field(default_factory=dict)
    rates_before: dict[str, str] = field(default_factory=dict)
    rates_after: dict[tuple[str, ...], str] = field(default_factory=dict)
    longest: int = 4


def _split(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(phrase.lower().split())


@functools.cache
def lexicon(path: Path = DATA_PATH) -> _Lexicon:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    nouns: dict[tuple[str, ...], tuple[str, str]] = {}
    before: dict[tuple[str, ...], str] = {}
    symbols: dict[str, str] = {}
    labels: dict[str, str] = {}
    for kind, spec in data["kinds"].items():
        labels[kind] = spec["label"]
        units = spec.get("units", {})
        for noun in spec["nouns"]:
            nouns.setdefault(_words(noun), (kind, units.get(noun, spec.get("unit", ""))))
        for noun in spec.get("before", []):
            before[_words(noun)] = kind
        symbols.update(spec.get("symbols", {}))
    after = {_words(p): kind for kind, phrases in data["after"].items() for p in phrases}
    bounds: dict[tuple[str, ...], str] = {}
    for bound, phrases in data["bounds"].items():
        for phrase in phrases:
            bounds.setdefault(_words(phrase), bound)
    inherit = tuple(sorted((_words(p) for p in data["inherit_after"]), key=len, reverse=True))
    rates = data.get("rates", {})
    return _Lexicon(
        nouns,
        after,
        before,
        bounds,
        symbols,
        inherit,
        labels,
        rates_before=dict(rates.get("before", {})),
        rates_after={_words(p): per for p, per in rates.get("after", {}).items()},
    )


def kind_labels() -> dict[str, str]:
    """Each kind with its label, in the data file's order, and "other"."""
    return {**lexicon().labels, OTHER: "Other (unrecognised)"}


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SHORT_SCALES = {"bn": 1_000_000_000, "m": 1_000_000, "k": 1_000}

_TOKEN = re.compile(
    r"US\$|[$€£₽%]|\d+(?:[.,]\d+)*(?![\w])|[A-Za-z]+(?:[-'\u2019][A-Za-z]+)*|[\u2013\u2014-]|[^\s\w]"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])([\"\u201d\u2019)]*)\s+(?=[\"\u201c(]?[A-Z0-9])|\n+")
#: A sentence without a digit or a number word has no figure.
_MAY_COUNT = re.compile(
    r"\d|\b(?:" + "|".join([*_UNITS, *_SCALES, "dozen"]) + r")\b", re.IGNORECASE
)
_CLAUSE_BREAK = frozenset({",", ";", ":", "(", ")", "\u2014", "\u2013"})
_PREPOSITIONS = _split(
    "in at to from of on near into onto by with for toward towards across inside"
)
#: What may follow an entity that is the subject of a figure after it ("Russia has lost",
#: "Ukrainian forces had lost", "Russian daily casualties").
_SUBJECT_FOLLOWERS = _split(
    "forces troops army military side navy daily casualties losses soldiers has have had is "
    "was were lost loses suffered suffers sent sends deployed deploys fired launched killed "
    "will would could may might"
)
#: Words that may stand between a number and its noun ("8,000 more elite troops").
_MODIFIERS = _split(
    "more additional other elite active regular foreign enemy military combat new extra its "
    "their his her of own armed ground special allied trained regular daily"
)
_AUX = _split("had have has been were was are being who reportedly")


@dataclass(slots=True)
class _Tok:
    text: str
    start: int
    end: int
    low: str = ""

    def __post_init__(self) -> None:
        self.low = self.text.lower()


def sentences(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence: split after . ! ? before a capital, and at lines."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group(1) or "")
        if end > start:
            spans.append((start, end))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def read_number(text: str, *, english: bool = True) -> tuple[float | None, tuple[float, ...], str]:
    """The value of a digit string, or (None, readings, problem) when it is malformed.

    In English ``,`` groups thousands and ``.`` is the decimal point; elsewhere the reverse.
    A group of other than three digits ("315,00", "31,5000") is a misplaced separator: its
    readings are the short group padded with zeros (315,000) and the digits as written
    (31,500). "3.000" in English reads 3,000 or 3 (the caller flags it only for counts).
    """
    group, decimal = (",", ".") if english else (".", ",")
    if group in text and decimal in text:
        whole, _, frac = text.rpartition(decimal)
        if group in frac:
            return None, _distinct([float(re.sub(r"\D", "", text))]), "separator"
        value, readings, problem = read_number(whole, english=english)
        if value is None:
            return None, readings, problem
        return value + float("0." + frac), (), ""
    if group in text:
        parts = text.split(group)
        if 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]):
            return float("".join(parts)), (), ""
        options: list[float] = []
        if len(parts[-1]) < 3 and all(len(p) == 3 for p in parts[1:-1]):
            options.append(float("".join(parts[:-1]) + parts[-1].ljust(3, "0")))
        options.append(float("".join(parts)))
        return None, _distinct(options), "separator"
    if decimal in text:
        parts = text.split(decimal)
        if len(parts) > 2:  # 1.200.000: thousands grouped the other way
            return None, _distinct([float("".join(parts))]), "separator"
        whole, frac = parts
        value = float(f"{whole}.{frac}")
        if english and len(frac) == 3 and 1 <= len(whole) <= 3:
            # "3.000": a decimal, or thousands grouped with a dot; decided by the kind
            return value, _distinct([float(whole + frac), value]), "decimal"
        return value, (), ""
    return float(text), (), ""


def _distinct(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(dict.fromkeys(values))


@dataclass(slots=True)
class _Number:
    start: int
    end: int
    value: float | None
    readings: tuple[float, ...]
    problem: str
    next: int  # index of the first token after it


def _word_number(toks: Sequence[_Tok], i: int) -> _Number | None:
    """ "three thousand", "twenty-five", "a dozen", "a hundred and twenty"."""
    total, current, j, used = 0, 0, i, False
    if toks[i].low in ("a", "an") and i + 1 < len(toks):
        if toks[i + 1].low == "dozen":
            return _Number(toks[i].start, toks[i + 1].end, 12.0, (), "", i + 2)
        if toks[i + 1].low not in _SCALES:
            return None
        current, j = 1, i + 1
    while j < len(toks):
        word = toks[j].low
        parts = word.split("-")
        if all(p in _UNITS for p in parts):
            current += sum(_UNITS[p] for p in parts)
        elif word == "dozen" and used:
            current *= 12
        elif word in _SCALES and (used or current):
            scale = _SCALES[word]
            if scale == 100:
                current *= 100
            else:
                total, current = total + current * scale, 0
        elif word == "and" and used and j + 1 < len(toks) and toks[j + 1].low in _UNITS:
            j += 1
            continue
        else:
            break
        used = True
        j += 1
    if not used:
        return None
    return _Number(toks[i].start, toks[j - 1].end, float(total + current), (), "", j)


def _number(toks: Sequence[_Tok], i: int, english: bool) -> _Number | None:
    tok = toks[i]
    if not tok.text[0].isdigit():
        return _word_number(toks, i)
    value, readings, problem = read_number(tok.text, english=english)
    number = _Number(tok.start, tok.end, value, readings, problem, i + 1)
    j = i + 1
    if j < len(toks) and (toks[j].low in _SCALES or toks[j].text in _SHORT_SCALES):
        scale = _SCALES.get(toks[j].low) or _SHORT_SCALES[toks[j].text]
        number.end, number.next = toks[j].end, j + 1
        number.value = None if value is None else value * scale
        # "1.500 million" is 1.5 million: the dot is a decimal point before a scale
        number.readings = () if problem == "decimal" else tuple(r * scale for r in readings)
        number.problem = "" if problem == "decimal" else problem
    return number


def _match(toks: Sequence[_Tok], i: int, table: dict[tuple[str, ...], Any], longest: int = 4):  # type: ignore[no-untyped-def]
    """The longest phrase of ``table`` starting at token i: (value, index after) or None."""
    for size in range(min(longest, len(toks) - i), 0, -1):
        key = tuple(t.low for t in toks[i : i + size])
        if key in table:
            return table[key], i + size
    return None


def _match_ending(toks: Sequence[_Tok], end: int, table: dict[tuple[str, ...], Any]):  # type: ignore[no-untyped-def]
    """The longest phrase of ``table`` ending just before token ``end``: (value, start)."""
    for size in range(min(4, end), 0, -1):
        key = tuple(t.low for t in toks[end - size : end])
        if key in table:
            return table[key], end - size
    return None


def extract_figures(
    text: str, mentions: Sequence[MentionRef] = (), *, language: str = "en"
) -> list[FigureData]:
    """Every figure of the text, in order."""
    english = language in ("en", "und", "")
    ordered = sorted(mentions, key=lambda m: m.start)
    starts = [m.start for m in ordered]
    found: list[FigureData] = []
    for s_start, s_end in sentences(text):
        if not _MAY_COUNT.search(text, s_start, s_end):
            continue  # no digit and no number word: most sentences
        toks = [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, s_start, s_end)]
        near = ordered[bisect_left(starts, s_start) : bisect_left(starts, s_end)]
        found.extend(_sentence_figures(text, toks, near, english))
        if len(found) >= _MAX_FIGURES:
            return found[:_MAX_FIGURES]
    return found


def _may_start(toks: Sequence[_Tok], i: int, lex: _Lexicon) -> bool:
    """Whether a number (or a currency sign before one) may start at token i."""
    tok = toks[i]
    if tok.text[0].isdigit() or tok.text in lex.symbols:
        return True
    if tok.low in ("a", "an"):
        return i + 1 < len(toks) and (toks[i + 1].low in _SCALES or toks[i + 1].low == "dozen")
    if tok.low in _UNITS:
        return True
    return "-" in tok.low and all(part in _UNITS for part in tok.low.split("-"))


def _sentence_figures(
    text: str, toks: list[_Tok], mentions: Sequence[MentionRef], english: bool
) -> list[FigureData]:
    lex = lexicon()
    out: list[FigureData] = []
    i = 0
    while i < len(toks):
        if not _may_start(toks, i, lex):
            i += 1
            continue
        figure, i = _figure_at(text, toks, i, lex, mentions, out, english)
        if figure is not None:
            out.append(figure)
    return out


def _figure_at(
    text: str,
    toks: list[_Tok],
    i: int,
    lex: _Lexicon,
    mentions: Sequence[MentionRef],
    previous: list[FigureData],
    english: bool,
) -> tuple[FigureData | None, int]:
    start_i = i
    unit, kind = "", ""
    if toks[i].text in lex.symbols and i + 1 < len(toks):
        unit, kind = lex.symbols[toks[i].text], "money"
        i += 1
    number = _number(toks, i, english)
    if number is None or (kind and not toks[i].text[0].isdigit() and number.value is None):
        return None, start_i + 1
    low = high = number.value
    bound = "exact"
    j = number.next
    second = None
    if j + 1 < len(toks) and toks[j].low in ("to", "-", "\u2013", "and"):
        k = j + 1 + (1 if toks[j + 1].text in lex.symbols else 0)
        if k < len(toks) and (toks[k].text[0].isdigit() or toks[k].low in _UNITS):
            second = _number(toks, k, english)
    found_bound = _match_ending(toks, start_i, lex.bounds)
    first = start_i
    if second is not None and second.value is not None and number.value is not None:
        joiner = toks[j].low
        before = toks[start_i - 1].low if start_i else ""
        if joiner != "and" or before == "between":
            # "10,000 to 12,000", "between 10,000 and 12,000"; "1.5 to 2 million" scales both
            low, high, bound = number.value, second.value, "range"
            if low < 1000 and high >= 1_000_000 and toks[second.next - 1].low in _SCALES:
                low *= _SCALES[toks[second.next - 1].low]
            j = second.next
            if before in ("between", "from"):
                first = start_i - 1
                found_bound = None
    if found_bound is not None and bound != "range":
        bound, first = found_bound
    end = toks[j - 1].end
    noun = _match(toks, j, lex.nouns, lex.longest) if j < len(toks) else None
    skipped = j
    while noun is None and skipped < len(toks) and skipped - j < 4:
        tok = toks[skipped]
        if not (tok.text[0].isupper() or tok.low in _MODIFIERS or _in_mention(tok, mentions)):
            break
        skipped += 1
        noun = _match(toks, skipped, lex.nouns, lex.longest) if skipped < len(toks) else None
    modifiers = (toks[j].start, toks[skipped].start) if noun is not None and skipped > j else None
    after_i = j
    if noun is not None:
        (noun_kind, noun_unit), after_i = noun
        if kind != "money":
            kind, unit = noun_kind, noun_unit or " ".join(t.low for t in toks[skipped:after_i])
        end = toks[after_i - 1].end
        if kind == "troops":  # "75,000 Russian soldiers killed", "had been killed or wounded"
            k = after_i
            while k < len(toks) and toks[k].low in _AUX and k - after_i < 3:
                k += 1
            changed = _match(toks, k, lex.after)
            if changed is not None:
                kind = changed[0]
    if not kind and toks[j - 1].text == "%":
        kind, unit = "percent", "%"
    subject = None
    if not kind:
        kind = _kind_before(toks, first, lex)
    if kind:
        subject = _subject(text, toks, first, modifiers, mentions)
    elif previous:
        inherited = _inherit(text, toks[first].start, previous[-1], lex)
        if inherited is not None:
            kind, unit, subject = inherited.kind, inherited.unit, inherited.subject
    if kind:
        per, after_i = _rate(toks, first, max(after_i, j), lex)
        if per:
            unit = f"{unit} {per}".strip()
            end = max(end, toks[after_i - 1].end)
    flagged = number.value is None or (
        number.problem == "decimal" and (kind in COUNT_KINDS or not kind)
    )
    if not kind and not flagged:
        return None, max(j, start_i + 1)
    if flagged:
        low = high = None
    elif number.problem == "decimal":
        low = high = number.value if bound != "range" else low
    return FigureData(
        start=toks[first].start,
        end=end,
        text=text[toks[first].start : end],
        kind=kind or OTHER,
        unit=unit,
        low=low,
        high=high,
        bound=bound,
        subject=subject,
        flagged=flagged,
        readings=number.readings if flagged else (),
        problem=number.problem if flagged else "",
        number_start=number.start,
        number_end=number.end,
    ), max(after_i, j)


def _rate(toks: list[_Tok], first: int, after: int, lex: _Lexicon) -> tuple[str, int]:
    """ "per day" for "daily casualties averaged 1,200" or "50 drones a day", with the index
    after the figure (past "a day" when that made it a rate)."""
    if after < len(toks):
        hit = _match(toks, after, lex.rates_after, 2)
        if hit is not None:
            return str(hit[0]), hit[1]
    for k in range(first - 1, max(-1, first - 5), -1):
        if toks[k].text in _CLAUSE_BREAK:
            break
        if toks[k].low in lex.rates_before:
            return lex.rates_before[toks[k].low], after
    return "", after


def _in_mention(tok: _Tok, mentions: Sequence[MentionRef]) -> bool:
    return any(m.start <= tok.start and tok.end <= m.end for m in mentions)


def _kind_before(toks: list[_Tok], first: int, lex: _Lexicon) -> str:
    """ "casualties averaged more than 1,200", "the toll above 300,000": a noun shortly before."""
    for k in range(first - 1, max(-1, first - 6), -1):
        if toks[k].text in _CLAUSE_BREAK or toks[k].text[0].isdigit():
            return ""
        hit = _match(toks, k, lex.before, 2)
        if hit is not None and hit[1] <= first:
            return str(hit[0])
    return ""


def _subject(
    text: str,
    toks: list[_Tok],
    first: int,
    modifiers: tuple[int, int] | None,
    mentions: Sequence[MentionRef],
) -> int | None:
    """The entity the figure is about: one named between the number and its noun ("8,000
    North Korean troops"), else one shortly before in the same clause that the next word
    shows to be the subject ("Russia has lost", "Ukrainian forces had lost")."""
    if modifiers is not None:
        for mention in mentions:
            if modifiers[0] <= mention.start and mention.end <= modifiers[1]:
                return mention.entity
    begin = toks[first].start
    clause = toks[0].start
    for k in range(first - 1, -1, -1):
        if toks[k].text in _CLAUSE_BREAK:
            clause = toks[k].end
            break
    for mention in reversed(mentions):
        if mention.end > begin:
            continue
        if mention.start < clause or begin - mention.end > _NEAR:
            break
        if mention.label not in ("NORP", "GPE", "ORG"):
            continue
        before = text[clause : mention.start].split()
        if before and before[-1].lower() in _PREPOSITIONS:
            continue
        after = text[mention.end : begin].replace("'s", " ").replace("\u2019s", " ").split()
        if after and after[0].lower() in _SUBJECT_FOLLOWERS:
            return mention.entity
    return None


def _inherit(text: str, begin: int, previous: FigureData, lex: _Lexicon) -> FigureData | None:
    """The figure before, when this one continues it ("8,000 troops ... out of roughly 10,000",
    "up from an estimate of 1,500"): close, with a connector between and no noun of its own."""
    between = text[previous.end : begin]
    if len(between) > _NEAR or previous.kind == OTHER:
        return None
    words = tuple(re.findall(r"[a-z]+", between.lower()))
    for phrase in lex.inherit:
        for k in range(len(words) - len(phrase) + 1):
            if words[k : k + len(phrase)] == phrase:
                return previous
    return None


def format_number(value: float | None) -> str:
    """315000.0 -> "315,000"; 1.5 -> "1.5"; None -> "?"."""
    if value is None:
        return "?"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


#: How a bound reads before its value.
BOUND_WORDS = {
    "about": "about ",
    "more_than": "more than ",
    "at_least": "at least ",
    "at_most": "up to ",
    "less_than": "less than ",
}


def value_words(
    low: float | None, high: float | None, bound: str, readings: Sequence[float] = ()
) -> str:
    """ "at least 8,000", "10,000 to 12,000"; "315,000 or 31,500?" while unresolved."""
    if low is None or high is None:
        return " or ".join(format_number(r) for r in readings) + "?"
    if bound == "range":
        return f"{format_number(low)} to {format_number(high)}"
    return BOUND_WORDS.get(bound, "") + format_number(low)


def same_value(left: float, right: float) -> bool:
    """Two readings are the same value (they went through JSON and float arithmetic)."""
    return abs(left - right) <= 1e-9 * max(1.0, abs(left), abs(right))
