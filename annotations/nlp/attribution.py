"""Reported speech -> suggested claim annotations, from the dependency parse.

One vectorised pass over the doc's LOWER column finds the cue words: reporting verbs
("said", "told", "believes", "sees", "confirmed" ...), adjectives taking a clause ("are
concerned that"), "according to", and source phrases ("citing", "commenting on", "based on").
Everything after that walks only the few tokens around each cue:

* the speaker is the cue verb's subject, expanded to its noun phrase without appositions
  ("Cho Koo-rae, a vice minister at ..., said" -> "Cho Koo-rae"); a conjoined verb without a
  subject of its own inherits it ("Kirby said ... but added that ...");
* the claim is the verb's clausal complement (either side of the verb, so both "X said the ..."
  and '"...," X said' work), else for verbs such as "confirmed"/"sees" its object and what
  follows it; for "according to X" the rest of the sentence;
* the source is what the sentence says the claim rests on: "according to <X>", "citing <X>",
  "commenting on / based on <X>", or the speaker itself when it is an intelligence body or a
  document ("Western intelligence agencies have confirmed ...").

A cue inside another attribution's claim ("Kirby said the US believes ...") is kept as a nested
attribution with lower confidence; the outer one is always there too.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from spacy.attrs import LOWER
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from annotations.nlp.types import AttributionData, MentionData


@dataclass(frozen=True, slots=True)
class _Cue:
    lemma: str
    # Whether the object can carry the claim ("confirmed the presence of ...", "sees a
    # growing connection"). For "told" the object is the listener, so only a clause counts.
    takes_object: bool


def _cues(table: dict[str, tuple[bool, tuple[str, ...]]]) -> dict[str, _Cue]:
    return {
        form: _Cue(lemma, objects) for lemma, (objects, forms) in table.items() for form in forms
    }


# Word forms rather than lemmas: the lemmatizer (and the tagger it needs) are not loaded.
VERB_CUES = _cues(
    {
        "say": (True, ("say", "says", "said", "saying")),
        "tell": (False, ("tell", "tells", "told", "telling")),
        "add": (False, ("add", "adds", "added", "adding")),
        "warn": (True, ("warn", "warns", "warned", "warning")),
        "claim": (True, ("claim", "claims", "claimed", "claiming")),
        "confirm": (True, ("confirm", "confirms", "confirmed")),
        "deny": (True, ("deny", "denies", "denied", "denying")),
        "believe": (False, ("believe", "believes", "believed")),
        "see": (True, ("see", "sees")),
        "think": (False, ("think", "thinks", "thought")),
        "assess": (False, ("assess", "assesses", "assessed")),
        "estimate": (False, ("estimate", "estimates", "estimated")),
        "suspect": (False, ("suspect", "suspects", "suspected")),
        "fear": (False, ("fear", "fears", "feared")),
        "insist": (False, ("insist", "insists", "insisted", "insisting")),
        "argue": (False, ("argue", "argues", "argued")),
        "allege": (False, ("allege", "alleges", "alleged")),
        "report": (False, ("report", "reports", "reported")),
        "state": (False, ("state", "states", "stated")),
        "stress": (False, ("stress", "stresses", "stressed")),
        "note": (False, ("note", "notes", "noted")),
        "explain": (False, ("explain", "explains", "explained")),
        "conclude": (False, ("conclude", "concludes", "concluded")),
        "acknowledge": (True, ("acknowledge", "acknowledges", "acknowledged")),
        "admit": (True, ("admit", "admits", "admitted")),
        "announce": (True, ("announce", "announces", "announced")),
        "reveal": (True, ("reveal", "reveals", "revealed")),
        "urge": (True, ("urge", "urges", "urged")),
        "predict": (True, ("predict", "predicts", "predicted")),
    }
)
ADJECTIVE_CUES = frozenset({"concerned", "worried", "convinced", "confident", "adamant", "sure"})
SOURCE_CUES = frozenset({"citing", "quoting", "commenting", "based", "drawing", "relying"})
#: Speaker heads that are themselves evidence, not just a voice: the speaker is the source too.
SOURCE_NOUNS = frozenset(
    {
        *("report", "reports", "assessment", "assessments", "document", "documents", "data"),
        *("images", "imagery", "photos", "memo", "cable", "cables", "intercepts", "analysis"),
        *("study", "survey", "estimate", "estimates", "findings"),
    }
)

#: A wire-style dateline opening the text: "WASHINGTON, Nov 1 (Reuters) - ", "KYIV, Ukraine - ".
#: The small model parses it as part of the first sentence (often as its subject).
DATELINE = re.compile(
    r"\A\s*[A-Z][A-Z.'-]{2,}(?:[ -][A-Z][A-Z.'-]+)*(?:,[^\n]{1,40}?)?"
    r"(?:\s*\([^()\n]{1,60}\))?\s*(?:-{1,2}|\u2013|\u2014)\s+"
)

# Dependency labels under which a cue word is a noun or modifier ("the reported deployment"),
# not a reporting verb.
_NOT_A_PREDICATE = frozenset(
    {"amod", "compound", "nsubj", "nsubjpass", "dobj", "pobj", "attr", "appos", "nmod", "poss"}
)
_OBJECTS = frozenset({"dobj", "obj", "xcomp", "attr", "oprd"})
_OBJECT_CONTINUATIONS = _OBJECTS | {"prep", "dative", "advcl", "ccomp"}
_NOUN_PHRASE_CUTS = frozenset({"appos", "punct", "relcl", "acl", "advcl", "cc", "conj"})
#: "declined to deny", "refused to confirm": the reporting verb did not happen.
_NEGATING_VERBS = frozenset(
    {"declined", "declines", "refused", "refuses", "failed", "fails", "decline", "refuse"}
)
_DOUBLE_QUOTES = frozenset({'"', "\u201c", "\u201d", "''", "``"})
_RELATIVE_PRONOUNS = frozenset({"who", "which", "that"})
_THIRD_PERSON = frozenset({"he", "she"})
_OTHER_PRONOUNS = frozenset({"i", "we", "you", "it", "they", "this", "that", "me", "us"})


@dataclass(slots=True)
class _Draft:
    """An attribution in token offsets (end exclusive) while the sentence is worked on."""

    claim: tuple[int, int]
    speaker: tuple[int, int] | None
    speaker_mention: MentionData | None
    source: tuple[int, int] | None
    cue: tuple[int, int]
    pattern: str
    confidence: float
    sentence: tuple[int, int]
    # The attribution's own words ("according to a declassified US intelligence report"),
    # which must not end up inside another attribution's claim.
    frame: tuple[int, int] | None = None


@cache
def _cue_hashes(vocab: Vocab) -> npt.NDArray[np.uint64]:
    # The LOWER attribute of a token is the hash of its lower-cased form, so cue words are found
    # by one vectorised membership test over the doc instead of a Python loop over tokens.
    words = [*VERB_CUES, *ADJECTIVE_CUES, *SOURCE_CUES, "according"]
    return np.array(sorted(vocab.strings.add(word) for word in words), dtype=np.uint64)


def _cue_tokens(doc: Doc) -> list[Token]:
    lowers = doc.to_array(LOWER)
    return [doc[int(i)] for i in np.flatnonzero(np.isin(lowers, _cue_hashes(doc.vocab)))]


def find_attributions(
    doc: Doc,
    mentions: list[MentionData],
    by_token: dict[int, MentionData],
    *,
    intelligence_ids: frozenset[str] = frozenset(),
) -> list[AttributionData]:
    """Suggested attributions in document order.

    ``intelligence_ids`` are gazetteer ids of intelligence agencies: such a speaker is also
    recorded as the source of what it says.
    """
    text = doc.text  # built from the tokens on every access: read it once
    drafts: list[_Draft] = []
    source_cues: list[Token] = []
    context = _Context(doc, text, mentions, by_token, drafts)
    for token in _cue_tokens(doc):
        word = token.lower_
        if word in SOURCE_CUES:
            source_cues.append(token)
            continue
        if word in VERB_CUES:
            draft = _verb_attribution(token, context)
        elif word in ADJECTIVE_CUES:
            draft = _adjective_attribution(token, context)
        else:
            draft = _according_to(token, context)
        if draft is not None:
            drafts.append(draft)
    for cue in source_cues:
        _attach_source(cue, drafts)
    _cut_frames(doc, drafts)
    for draft in drafts:
        _speaker_as_source(doc, draft, intelligence_ids)
    _mark_nested(drafts)
    return [_finish(doc, text, draft) for draft in _unique(drafts)]


class _Context:
    """What the rules need besides the token: mentions, earlier drafts, the dateline."""

    def __init__(
        self,
        doc: Doc,
        text: str,
        mentions: list[MentionData],
        by_token: dict[int, MentionData],
        drafts: list[_Draft],
    ):
        self.doc = doc
        self.by_token = by_token
        self.drafts = drafts
        self.persons = [m for m in mentions if m.kind == "PERSON"]
        self.person_starts = [m.start for m in self.persons]
        dateline = DATELINE.match(text)
        self.dateline_end = dateline.end() if dateline else 0

    def in_dateline(self, token: Token) -> bool:
        return token.idx < self.dateline_end

    def after_dateline(self, i: int) -> int:
        """The first token at or after ``i`` that is not part of the dateline."""
        while i < len(self.doc) and self.doc[i].idx < self.dateline_end:
            i += 1
        return i

    def referent(self, pronoun: Token) -> MentionData | None:
        """Who "he"/"she" is, without a coreference model: the last person quoted before,
        else the last person named before (news copy returns to its current speaker)."""
        for draft in reversed(self.drafts):
            mention = draft.speaker_mention
            if draft.cue[0] < pronoun.i and mention is not None and mention.kind == "PERSON":
                return mention
        i = bisect_left(self.person_starts, pronoun.idx)
        return self.persons[i - 1] if i else None


def _verb_attribution(verb: Token, context: _Context) -> _Draft | None:
    if verb.dep_ in _NOT_A_PREDICATE:
        return None
    sentence = verb.sent
    cue = VERB_CUES[verb.lower_]
    subject, inherited = _subject(verb, context)
    claim, pattern, confidence = _verb_claim(verb, cue, sentence)
    if subject is None or inherited:
        trailing = _trailing_speaker(verb, sentence)
        if trailing is not None:
            subject, inherited = trailing, False
            claim = (sentence.start, trailing.left_edge.i)
            pattern, confidence = "speaker-after", 0.8
    if subject is None or claim is None:
        return None
    if inherited:
        confidence -= 0.05
    if _is_negated(verb):
        # "The Kremlin did not confirm the deployment", "Putin declined to deny that ...":
        # still worth showing, flagged and less confident.
        pattern, confidence = f"{pattern}+negated", confidence - 0.2
    draft = _with_speaker(
        subject, claim, (verb.i, verb.i + 1), pattern, confidence, sentence, context
    )
    if draft is not None and inherited and _is_participle_clause(verb):
        draft.frame = (verb.i, verb.right_edge.i + 1)  # ", adding that ..." ends other claims
    return draft


def _is_negated(verb: Token) -> bool:
    if any(child.dep_ == "neg" for child in verb.children):
        return True
    head = verb.head
    return verb.dep_ == "xcomp" and (
        head.lower_ in _NEGATING_VERBS or any(c.dep_ == "neg" for c in head.children)
    )


def _trailing_speaker(verb: Token, sentence: Span) -> Token | None:
    """The speaker of a sentence-final ", South Korea's National Intelligence Service said on
    Friday." that the parser attached elsewhere (as an apposition of the last noun)."""
    doc = verb.doc
    if any(c.dep_ in ("ccomp", "dobj", "xcomp") and c.i > verb.i for c in verb.children):
        return None
    if not all(t.is_punct or t.is_space for t in doc[verb.right_edge.i + 1 : sentence.end]):
        return None
    i = verb.i - 1
    while i > sentence.start and doc[i].head is verb and doc[i].dep_ in ("aux", "neg", "advmod"):
        i -= 1  # "..., the ministry has also said."
    head = doc[i]
    start = head.left_edge.i
    if head.is_punct or head.is_space or start <= sentence.start:
        return None
    return head if doc[start - 1].is_punct else None


def _subject(verb: Token, context: _Context) -> tuple[Token | None, bool]:
    """The verb's subject, or one inherited through conjunction/xcomp ("said ... but added")."""
    head, inherited = verb, False
    while True:
        for child in head.children:
            if child.dep_ in ("nsubj", "csubj"):
                if child.lower_ in _RELATIVE_PRONOUNS and head.dep_ == "relcl":
                    return head.head, True  # "Kirby, who said ..."
                if context.in_dateline(child):
                    # "SEOUL, Nov 2 (Wire) - North Korean leader Kim Jong Un said": the parser
                    # made the dateline the subject and the real one its apposition.
                    real = next(
                        (
                            c
                            for c in child.children
                            if c.dep_ in ("appos", "conj") and not context.in_dateline(c)
                        ),
                        None,
                    )
                    return real, inherited
                return child, inherited
        # "said ... but added": conj; "continues to say": xcomp; "..., adding that":
        # a participle clause shares the subject of the verb it hangs from.
        participle = _is_participle_clause(head)
        if (head.dep_ not in ("conj", "xcomp") and not participle) or head.head is head:
            return None, False
        head, inherited = head.head, True
        while participle and head.dep_ == "ccomp" and head.head is not head:
            # "Putin declined to deny that troops were in Russia, telling reporters ...": the
            # parser hung "telling" on the reported clause; its subject is the matrix one.
            head = head.head


def _is_participle_clause(verb: Token) -> bool:
    return verb.dep_ == "advcl" and verb.lower_.endswith("ing")


def _verb_claim(
    verb: Token, cue: _Cue, sentence: Span
) -> tuple[tuple[int, int] | None, str, float]:
    clauses = [c for c in verb.children if c.dep_ == "ccomp"]
    after = [c for c in clauses if c.i > verb.i]
    if after:
        return _subtree(after[0]), "verb-clause", 0.9
    if clauses:  # '"The war is over," Putin said.'
        return _subtree(clauses[0]), "quote-before", 0.85
    if cue.takes_object:
        claim = _object_claim(verb, cue)
        if claim is not None:
            return claim, "verb-object", 0.7
    # The parser sometimes hangs "X said" under the quote instead of the other way round.
    if verb.left_edge.i > sentence.start and all(
        t.is_punct or t.is_space for t in verb.doc[verb.right_edge.i + 1 : sentence.end]
    ):
        return (sentence.start, verb.left_edge.i), "speaker-after", 0.65
    return None, "", 0.0


def _object_claim(verb: Token, cue: _Cue) -> tuple[int, int] | None:
    """The object and what follows it up to a coordinated clause ("sees X and urges Y")."""
    parts: list[Token] = []
    for child in verb.rights:
        if child.dep_ in ("cc", "conj"):
            break
        first_ok = child.dep_ in _OBJECTS or (cue.lemma == "warn" and child.dep_ == "prep")
        if (parts and child.dep_ in _OBJECT_CONTINUATIONS) or (not parts and first_ok):
            parts.append(child)
    if not parts:
        return None
    return parts[0].left_edge.i, parts[-1].right_edge.i + 1


def _adjective_attribution(adjective: Token, context: _Context) -> _Draft | None:
    """ "South Korean officials are concerned that Russia may reciprocate ..." """
    clause = next((c for c in adjective.children if c.dep_ == "ccomp"), None)
    if clause is None or adjective.dep_ not in ("acomp", "ROOT", "ccomp", "conj"):
        return None
    subject, _ = _subject(adjective.head if adjective.dep_ == "acomp" else adjective, context)
    if subject is None:
        return None
    return _with_speaker(
        subject,
        _subtree(clause),
        (adjective.i, adjective.i + 1),
        "adjective-clause",
        0.7,
        adjective.sent,
        context,
    )


def _according_to(according: Token, context: _Context) -> _Draft | None:
    """ "According to a declassified US intelligence report, an estimated ..." """
    doc = according.doc
    if according.i + 1 >= len(doc) or doc[according.i + 1].lower_ != "to":
        return None
    to = doc[according.i + 1]
    named = next((c for c in to.children if c.dep_ == "pobj"), None)
    if named is None:
        return None
    sentence = according.sent
    source = _subtree(named)
    before = _trim_claim(doc, context.after_dateline(sentence.start), according.i)
    after = _trim_claim(doc, source[1], sentence.end)
    claim = max(before, after, key=lambda span: span[1] - span[0])
    if claim[1] - claim[0] < 2:
        return None
    mention = context.by_token.get(named.i)
    return _Draft(
        claim=claim,
        speaker=_noun_phrase(named),
        speaker_mention=mention,
        # A person quoted with "according to" is a speaker; a report or an agency is also
        # what the claim rests on.
        source=None if mention is not None and mention.kind == "PERSON" else source,
        cue=(according.i, according.i + 2),
        pattern="according-to",
        confidence=0.85,
        sentence=(sentence.start, sentence.end),
        frame=(according.i, source[1]),
    )


def _with_speaker(
    subject: Token,
    claim: tuple[int, int],
    cue: tuple[int, int],
    pattern: str,
    confidence: float,
    sentence: Span,
    context: _Context,
) -> _Draft | None:
    doc = subject.doc
    start = context.after_dateline(max(claim[0], sentence.start))
    claim = _trim_claim(doc, start, min(claim[1], sentence.end))
    if claim[1] - claim[0] < 2:
        return None
    mention = context.by_token.get(subject.i)
    pronoun = subject.lower_
    if mention is None and pronoun in _THIRD_PERSON:
        mention = context.referent(subject)
        pattern, confidence = f"{pattern}+pronoun", min(confidence, 0.5)
    elif mention is None and pronoun in _OTHER_PRONOUNS:
        if pronoun in ("i", "we", "me", "us"):
            return None  # first person only occurs inside quotes, already attributed
        pattern, confidence = f"{pattern}+pronoun", min(confidence, 0.4)
    elif mention is None:
        confidence -= 0.1  # an unnamed speaker ("South Korean officials") is vaguer
    return _Draft(
        claim=claim,
        speaker=_noun_phrase(subject),
        speaker_mention=mention,
        source=None,
        cue=cue,
        pattern=pattern,
        confidence=confidence,
        sentence=(sentence.start, sentence.end),
    )


def _subtree(token: Token) -> tuple[int, int]:
    return token.left_edge.i, token.right_edge.i + 1


def _noun_phrase(head: Token) -> tuple[int, int]:
    """The head's phrase without appositions, relative clauses and coordination."""
    start = end = head.i
    for child in head.children:
        if child.dep_ not in _NOUN_PHRASE_CUTS:
            start = min(start, child.left_edge.i)
            end = max(end, child.right_edge.i)
    return start, end + 1


def _trim_claim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Without surrounding punctuation, quotes, spaces and a leading complementizer "that"."""
    while start < end and (
        doc[start].is_punct
        or doc[start].is_space
        or (doc[start].lower_ == "that" and doc[start].dep_ == "mark")
    ):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
        if doc[end - 1].text in _DOUBLE_QUOTES and _odd_quotes(doc, start, end - 1):
            break  # 'was "invincible"': the closing quote of a quote opened inside the claim
        end -= 1
    return start, end


def _odd_quotes(doc: Doc, start: int, end: int) -> bool:
    return sum(1 for token in doc[start:end] if token.text in _DOUBLE_QUOTES) % 2 == 1


def _attach_source(cue: Token, drafts: list[_Draft]) -> None:
    """ "citing intelligence", "commenting on satellite images ...", "based on ..." """
    if cue.lower_ in ("citing", "quoting"):
        named = next((c for c in cue.children if c.dep_ in ("dobj", "obj")), None)
    else:
        on = next((c for c in cue.children if c.lower_ in ("on", "upon")), None)
        named = next((c for c in on.children if c.dep_ == "pobj"), None) if on else None
    if named is None:
        return
    sentence = [d for d in drafts if d.sentence[0] <= cue.i < d.sentence[1]]
    if not sentence:
        return
    # The attribution whose cue governs the phrase, else the one whose claim holds it, else
    # the first of the sentence.
    doc = cue.doc
    governing = [d for d in sentence if doc[d.cue[0]].is_ancestor(cue)]
    holding = [d for d in sentence if d.claim[0] <= cue.i < d.claim[1]]
    draft = (governing or holding or sentence)[0]
    if draft.source is not None:
        return
    draft.source = _subtree(named)
    phrase_start, phrase_end = cue.i, cue.right_edge.i + 1
    if draft.claim[0] < phrase_start < draft.claim[1] <= phrase_end:
        # "... the troops had arrived, citing intelligence": the citation is not the claim.
        draft.claim = _trim_claim(doc, draft.claim[0], phrase_start)


def _speaker_as_source(doc: Doc, draft: _Draft, intelligence_ids: frozenset[str]) -> None:
    """An intelligence body or a document as speaker is also what the claim rests on."""
    if draft.source is not None or draft.speaker is None:
        return
    start, end = draft.speaker
    words = [t.lower_ for t in doc[start:end]]
    mention = draft.speaker_mention
    if (
        (mention is not None and mention.gazetteer_id in intelligence_ids)
        or "intelligence" in words
        or "spy" in words
        or (words and words[-1] in SOURCE_NOUNS)
    ):
        draft.source = draft.speaker


def _cut_frames(doc: Doc, drafts: list[_Draft]) -> None:
    """Keep "..., according to X" out of a claim that the parser let run over it."""
    for framed in drafts:
        if framed.frame is None:
            continue
        start, end = framed.frame
        for draft in drafts:
            claim_start, claim_end = draft.claim
            if draft is framed or not (claim_start <= start < claim_end):
                continue
            if end >= claim_end - 1:
                draft.claim = _trim_claim(doc, claim_start, start)
            elif start <= claim_start + 1:
                draft.claim = _trim_claim(doc, end, claim_end)


def _mark_nested(drafts: list[_Draft]) -> None:
    """An attribution inside another's claim reports what the outer speaker reported:
    "Kirby said [the US believes [the troops traveled by ship]]"."""
    for inner in drafts:
        for outer in drafts:
            if (
                outer is not inner
                and outer.claim[0] <= inner.cue[0] < outer.claim[1]
                and outer.claim[0] <= inner.claim[0]
                and inner.claim[1] <= outer.claim[1]
            ):
                inner.pattern = f"{inner.pattern}+nested"
                inner.confidence = min(inner.confidence, 0.5)
                break


def _unique(drafts: list[_Draft]) -> list[_Draft]:
    """One draft per (claim, speaker), the most confident, in document order."""
    best: dict[tuple[tuple[int, int], tuple[int, int] | None], _Draft] = {}
    for draft in drafts:
        key = (draft.claim, draft.speaker)
        if key not in best or draft.confidence > best[key].confidence:
            best[key] = draft
    return sorted(best.values(), key=lambda d: (d.claim[0], d.cue[0]))


def _chars(doc: Doc, span: tuple[int, int]) -> tuple[int, int]:
    start, end = span
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


def _finish(doc: Doc, text: str, draft: _Draft) -> AttributionData:
    claim_start, claim_end = _chars(doc, draft.claim)
    cue_start, cue_end = _chars(doc, draft.cue)
    speaker_start = speaker_end = source_start = source_end = None
    if draft.speaker is not None:
        speaker_start, speaker_end = _chars(doc, draft.speaker)
    if draft.source is not None:
        source_start, source_end = _chars(doc, draft.source)
    return AttributionData(
        claim_start=claim_start,
        claim_end=claim_end,
        claim_text=text[claim_start:claim_end],
        speaker=draft.speaker_mention,
        speaker_start=speaker_start,
        speaker_end=speaker_end,
        speaker_text=None if speaker_start is None else text[speaker_start:speaker_end],
        source_start=source_start,
        source_end=source_end,
        source_text=None if source_start is None else text[source_start:source_end],
        cue=text[cue_start:cue_end],
        cue_start=cue_start,
        cue_end=cue_end,
        pattern=draft.pattern,
        confidence=round(max(0.0, min(1.0, draft.confidence)), 2),
    )
