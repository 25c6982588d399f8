"""Within-article entity resolution: spaCy entities -> MentionData with linking keys.

Rules, in order, for each entity spaCy found (gazetteer EntityRuler spans and model spans):

1. Trim the span to the name itself: leading punctuation and (model spans) "the", trailing
   possessives ("Seoul's" -> "Seoul"), and for PERSON spans every token up to the last title
   word ("United States Defense Secretary Lloyd Austin" -> "Lloyd Austin").
2. Resolve against the gazetteer: the EntityRuler's id, else the trimmed text as a name or
   alias, else (NORP) as a demonym of a state.
3. A span the gazetteer does not know and that repeats the first or last words of an earlier
   full PERSON name ("Kirby" after "John Kirby", "Kim" after "Kim Jong Un", "Cho" after
   "Cho Koo-rae") takes that person's key and kind, whatever label the model gave it; with
   several candidates the most recent wins.
4. Short forms of earlier full names that the model missed altogether are recalled with one
   regular expression over the text (see _recall_short_forms).

The work is proportional to the number of entities, not tokens: everything below looks only at
the tokens of each entity span.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Span, Token

from annotations.nlp.gazetteer import Gazetteer, GazetteerEntry, normalise
from annotations.nlp.patterns import PATTERN_ID, STATE_ORG_PREFIX
from annotations.nlp.types import KEPT_LABELS, MentionData

#: spaCy's small model has no per-entity scores, so confidences are fixed by how a mention
#: was found. Single tokens are the model's most frequent mistakes ("AI" as GPE).
GAZETTEER_CONFIDENCE = 1.0
MODEL_CONFIDENCE = 0.75
MODEL_SINGLE_TOKEN_CONFIDENCE = 0.6
SHORT_FORM_CONFIDENCE = 0.85
RECALLED_CONFIDENCE = 0.6
#: An organisation of a state found by its shape ("Azerbaijani Foreign Ministry").
STATE_ORG_CONFIDENCE = 0.8
#: Gazetteer entries found only through a span the model calls a place (subdivisions).
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that precede a person's name as a title or role, compared lower-case without the
#: final period. Everything up to the last of them is stripped from a PERSON span.
TITLE_WORDS = _words(
    """
    president vice prime premier minister secretary chancellor spokesman spokeswoman
    spokesperson deputy undersecretary under-secretary ambassador envoy chief head director
    commander leader chairman chairwoman chair governor mayor senator sen rep representative
    congressman congresswoman lawmaker gen general lt col colonel maj major capt captain adm
    admiral marshal sgt sergeant mr mrs ms miss dr prof professor king queen prince princess
    emir sheikh sultan ayatollah pope cardinal archbishop bishop judge justice state defense
    defence foreign interior finance security national intelligence official officer adviser
    advisor aide analyst correspondent reporter
    """
)
_LEADING_WORDS = frozenset({"the", "a", "an"})
#: Model labels that are never names, not even mislabelled ones.
_NUMERIC_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
_POSSESSIVES = frozenset({"'s", "\u2019s", "'", "\u2019"})
#: Single words the model sometimes takes for a name on their own: "AI" as a GPE, "Will".
_COMMON_WORDS = frozenset(STOP_WORDS)


@dataclass(slots=True)
class _Candidate:
    """A trimmed entity span before it becomes a MentionData (token offsets)."""

    start: int
    end: int
    label: str
    ruler_id: str


def extract_mentions(
    doc: Doc,
    gazetteer: Gazetteer,
    *,
    not_same: frozenset[frozenset[str]] = frozenset(),
    text: str | None = None,
) -> tuple[list[MentionData], dict[int, MentionData]]:
    """Mentions sorted by start, and a token index -> mention map for attribution.

    ``not_same`` holds pairs of keys whose entities the team judged not the same: a short
    form is never tied to an antecedent of such a pair (rules 3 and 4). ``text`` is doc.text
    when the caller has it (spaCy builds doc.text from the tokens on every access).
    """
    if text is None:
        text = doc.text
    mentions: list[MentionData] = []
    by_token: dict[int, MentionData] = {}
    # (normalised name words, mention) of every full PERSON name so far, for short forms.
    persons: list[tuple[list[str], MentionData]] = []
    for ent in doc.ents:
        candidate = _trim(doc, ent)
        if candidate is None:
            continue
        mention = _resolve(doc, text, candidate, gazetteer, persons, not_same)
        if mention is None:
            continue
        mentions.append(mention)
        for i in range(candidate.start, candidate.end):
            by_token[i] = mention
        if mention.kind == "PERSON":
            words = normalise(mention.text).split()
            if len(words) >= 2:
                persons.append((words, mention))
    if persons:
        _recall_short_forms(doc, text, mentions, by_token, persons, not_same)
    return mentions, by_token


def _trim(doc: Doc, ent: Span) -> _Candidate | None:
    """The entity without what is not part of the name; None if nothing is left."""
    start, end, label, ruler_id = ent.start, ent.end, ent.label_, ent.ent_id_
    if ruler_id == PATTERN_ID:
        ruler_id = ""  # found by its shape (patterns.py): treated as the model's spans are
    from_model = not ruler_id
    if from_model and label in _NUMERIC_LABELS:
        return None
    # A lower-case "the" is never part of a name ("the Guardian"; "The Hague" keeps its own).
    while start < end and (
        _is_filler(doc[start])
        or doc[start].text == "the"
        or (from_model and doc[start].lower_ in _LEADING_WORDS)
    ):
        start += 1
    # Model spans sometimes run on into lower-case words ("the Pacific early this month");
    # a lower-case word glued to a hyphen belongs to the name ("Cho Koo-rae").
    while (
        from_model
        and end - start > 1
        and doc[end - 1].is_lower
        and doc[end - 1].is_alpha
        and doc[end - 2].whitespace_
    ):
        end -= 1
    while end > start and (_is_filler(doc[end - 1]) or doc[end - 1].lower_ in _POSSESSIVES):
        end -= 1
    if label == "PERSON":
        start = _after_titles(doc, start, end)
    if start >= end:
        return None
    if from_model and all(doc[i].lower_.rstrip(".") in TITLE_WORDS for i in range(start, end)):
        return None  # "Defense" (ORG) out of "Defense Secretary": a role, not a name
    return _Candidate(start=start, end=end, label=label, ruler_id=ruler_id)


def _is_code_or_word(token: Token) -> bool:
    text = token.text
    return (len(text) <= 2 and text.isalpha()) or token.lower_ in _COMMON_WORDS


def _is_filler(token: Token) -> bool:
    return token.is_punct or token.is_space


def _after_titles(doc: Doc, start: int, end: int) -> int:
    """First token after the last title word, keeping at least one token."""
    name_start = start
    for i in range(start, end - 1):
        if doc[i].lower_.rstrip(".") in TITLE_WORDS:
            name_start = i + 1
    while name_start < end - 1 and _is_filler(doc[name_start]):
        name_start += 1
    return name_start


def _resolve(
    doc: Doc,
    doc_text: str,
    candidate: _Candidate,
    gazetteer: Gazetteer,
    persons: list[tuple[list[str], MentionData]],
    not_same: frozenset[frozenset[str]] = frozenset(),
) -> MentionData | None:
    start_char = doc[candidate.start].idx
    end_char = doc[candidate.end - 1].idx + len(doc[candidate.end - 1])
    text = doc_text[start_char:end_char]
    label = candidate.label

    if candidate.ruler_id.startswith(STATE_ORG_PREFIX):
        return _state_org_mention(start_char, end_char, text, candidate.ruler_id, gazetteer)
    entry = gazetteer.get(candidate.ruler_id) if candidate.ruler_id else None
    if entry is None:
        entry = gazetteer.lookup(text)
        if entry is not None and entry.lookup_only and label not in _PLACE_LABELS:
            entry = None  # "Guerrero" the surname, not the Mexican state
        if entry is not None:
            label = entry.kind
        elif label == "NORP":
            entry = gazetteer.state_for_demonym(text)
    if entry is not None:
        return _gazetteer_mention(start_char, end_char, text, label, entry)
    single = candidate.end - candidate.start == 1
    if single and not candidate.ruler_id and _is_code_or_word(doc[candidate.start]):
        return None  # "AI facial recognition": a two-letter code or a common word alone

    antecedent = _antecedent(normalise(text).split(), persons)
    if antecedent is not None and _blocked(not_same, antecedent, text):
        antecedent = None
    if antecedent is not None:
        return MentionData(
            start=start_char,
            end=end_char,
            text=text,
            label=antecedent.kind,
            origin="model",
            confidence=min(SHORT_FORM_CONFIDENCE, antecedent.confidence),
            key=antecedent.key,
            canonical_name=antecedent.canonical_name,
            kind=antecedent.kind,
            gazetteer_id=antecedent.gazetteer_id,
            wikidata=antecedent.wikidata,
        )
    if label not in KEPT_LABELS:
        return None
    return MentionData(
        start=start_char,
        end=end_char,
        text=text,
        label=label,
        origin="model",
        confidence=MODEL_SINGLE_TOKEN_CONFIDENCE if single else MODEL_CONFIDENCE,
        key=name_key(label, text),
        canonical_name=text,
        kind=label,
        gazetteer_id=None,
        wikidata=None,
    )


def _gazetteer_mention(
    start: int, end: int, text: str, label: str, entry: GazetteerEntry
) -> MentionData:
    return MentionData(
        start=start,
        end=end,
        text=text,
        label=label,
        origin="gazetteer",
        confidence=GAZETTEER_CONFIDENCE,
        key=f"gaz:{entry.id}",
        canonical_name=entry.name,
        kind=entry.kind,
        gazetteer_id=entry.id,
        wikidata=entry.wikidata,
    )


def _state_org_mention(
    start: int, end: int, text: str, span_id: str, gazetteer: Gazetteer
) -> MentionData:
    """ "Azerbaijan's foreign ministry" -> the key of "Ministry of Foreign Affairs
    (Azerbaijan)", the same for every wording; the gazetteer's entry if it has that name."""
    _, _, canonical = span_id[len(STATE_ORG_PREFIX) :].partition(":")
    entry = gazetteer.lookup(canonical)
    if entry is not None and entry.kind == "ORG":
        return _gazetteer_mention(start, end, text, "ORG", entry)
    return MentionData(
        start=start,
        end=end,
        text=text,
        label="ORG",
        origin="model",
        confidence=STATE_ORG_CONFIDENCE,
        key=name_key("ORG", canonical),
        canonical_name=canonical,
        kind="ORG",
        gazetteer_id=None,
        wikidata=None,
    )


def name_key(kind: str, name: str) -> str:
    """The linking key of an entity the gazetteer does not know: ``name:PERSON:john kirby``."""
    return f"name:{kind}:{normalise(name)}"


def _blocked(not_same: frozenset[frozenset[str]], antecedent: MentionData, text: str) -> bool:
    """The team judged the short form's own entity not the same as the antecedent's."""
    return bool(not_same) and frozenset((name_key(antecedent.kind, text), antecedent.key)) in (
        not_same
    )


def _antecedent(
    words: list[str], persons: list[tuple[list[str], MentionData]]
) -> MentionData | None:
    """The most recent earlier full name that starts or ends with ``words``."""
    if not words:
        return None
    size = len(words)
    for full, mention in reversed(persons):
        if size < len(full) and (full[:size] == words or full[-size:] == words):
            return mention
    return None


def _recall_short_forms(
    doc: Doc,
    text: str,
    mentions: list[MentionData],
    by_token: dict[int, MentionData],
    persons: list[tuple[list[str], MentionData]],
    not_same: frozenset[frozenset[str]] = frozenset(),
) -> None:
    """Add later bare first/last names of full PERSON names that the model did not tag.

    One regular expression over the text finds them; each hit must be a whole token that is not
    part of a longer capitalised name ("Austin Powers") and must not overlap a mention.
    """
    forms: dict[str, int] = {}  # written form -> start of the first full name using it
    for _, person in persons:
        words = person.text.split()
        for form in (words[0], words[-1]):
            if len(form) >= 3 and form[:1].isupper() and form.lower() not in TITLE_WORDS:
                forms.setdefault(form, person.start)
    if not forms:
        return
    pattern = re.compile(
        r"(?<![\w\-])(?:"
        + "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
        + r")(?![\w\-])"
    )
    starts = [m.start for m in mentions]
    added = False
    for match in pattern.finditer(text, min(forms.values())):
        if match.start() < forms[match.group()] or _overlaps(mentions, starts, match.span()):
            continue
        span = doc.char_span(*match.span())
        if span is None or len(span) != 1 or not _stands_alone(doc, span.start):
            continue
        antecedent = _antecedent(
            [normalise(match.group())],
            [(w, m) for w, m in persons if m.end <= match.start()],
        )
        if antecedent is None or _blocked(not_same, antecedent, match.group()):
            continue
        mention = MentionData(
            start=match.start(),
            end=match.end(),
            text=match.group(),
            label=antecedent.kind,
            origin="model",
            confidence=min(RECALLED_CONFIDENCE, antecedent.confidence),
            key=antecedent.key,
            canonical_name=antecedent.canonical_name,
            kind=antecedent.kind,
            gazetteer_id=antecedent.gazetteer_id,
            wikidata=antecedent.wikidata,
        )
        mentions.append(mention)
        by_token[span.start] = mention
        added = True
    if added:
        mentions.sort(key=lambda m: m.start)


def _overlaps(mentions: list[MentionData], starts: list[int], span: tuple[int, int]) -> bool:
    start, end = span
    i = bisect_left(starts, end)  # mentions starting before the hit ends ...
    return i > 0 and mentions[i - 1].end > start  # ... the last of which reaches into it


def _stands_alone(doc: Doc, i: int) -> bool:
    """The token is not glued to neighbouring capitalised words (a different, longer name):
    "Austin Powers" is not Lloyd Austin; "Mr. Kirby" and sentence-initial "Then Kirby" are fine.
    """
    after = doc[i + 1] if i + 1 < len(doc) else None
    if after is not None and after.is_title and not after.is_sent_start:
        return False
    before = doc[i - 1] if i > 0 else None
    return (
        before is None
        or not before.is_title
        or doc[i].is_sent_start
        or before.is_sent_start
        or before.lower_.rstrip(".") in TITLE_WORDS
    )
