"""Reported speech -> suggested claim annotations, from the dependency parse.

One vectorised pass over the doc's LOWER column finds the cue words: reporting verbs
("said", "told", "believes", "sees", "confirmed" ...), adjectives taking a clause ("are
concerned that"), "according to", and source phrases ("citing", "commenting on", "based on").
Everything after that walks only the few tokens around each cue:

* the speaker is the cue verb's subject, expanded to its noun phrase without appositions
  ("Cho Koo-rae, a vice minister at ..., said" -> "Cho Koo-rae"); a conjoined verb without a
  subject of its own inherits it ("Kirby said ... but added that ..."); a pronoun or role noun
  ("he", "the ministry") is resolved to its antecedent by annotations/nlp/speakers.py;
* the claim is the verb's clausal complement (either side of the verb, so both "X said the ..."
  and '"...," X said' work), else for verbs such as "confirmed"/"sees" its object and what
  follows it; for "according to X" the rest of the sentence;
* the source is what the sentence says the claim rests on: "according to <X>", "citing <X>",
  "commenting on / based on <X>", or the speaker itself when it is an intelligence body or a
  document ("Western intelligence agencies have confirmed ...").

* the stance: a denial ("denied", "rejected claims that") says the proposition is false, a
  refusal ("refused to confirm", "neither confirmed nor denied") does not say.

annotations/nlp/claims.py then finishes the drafts: sources, clause boundaries, and chains ("X
said that Y told Z ..." is one suggestion by Y, with X as its reporter).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from spacy.attrs import LOWER, SENT_START
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from annotations.nlp.claims import (
    Draft,
    attach_source,
    chain,
    cut_frames,
    finish,
    snap_to_clauses,
    speaker_as_source,
    subtree,
    trim_claim,
    unique,
)
from annotations.nlp.speakers import SpeakerResolver
from annotations.nlp.types import AttributionData, MentionData, Stance


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
        "reject": (True, ("reject", "rejects", "rejected", "rejecting")),
        "dismiss": (True, ("dismiss", "dismisses", "dismissed", "dismissing")),
        "refute": (True, ("refute", "refutes", "refuted")),
    }
)
#: Cues whose speaker says the proposition is false.
DENIAL_CUES = frozenset({"deny", "reject", "dismiss", "refute"})
ADJECTIVE_CUES = frozenset({"concerned", "worried", "convinced", "confident", "adamant", "sure"})
SOURCE_CUES = frozenset({"citing", "quoting", "commenting", "based", "drawing", "relying"})
#: A wire-style dateline opening the text: "WASHINGTON, Nov 1 (Reuters) - ", "KYIV, Ukraine - ",
#: "SEOUL/WASHINGTON, Nov 4 (NewsNotes Wire) - ".
#: The small model parses it as part of the first sentence (often as its subject).
DATELINE = re.compile(
    r"\A\s*[A-Z][A-Z./'-]{2,}(?:[ -][A-Z][A-Z./'-]+)*(?:,[^\n]{1,40}?)?"
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
_RELATIVE_PRONOUNS = frozenset({"who", "which", "that"})
_PRONOUNS = frozenset({"he", "she", "i", "we", "you", "it", "they", "this", "that", "me", "us"})


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
    text: str | None = None,
) -> list[AttributionData]:
    """Suggested attributions in document order.

    ``intelligence_ids`` are gazetteer ids of intelligence agencies: such a speaker is also
    recorded as the source of what it says. ``text`` is the doc's text when the caller has it
    (spaCy builds doc.text from the tokens on every access: ~0.3 ms for 700 words).
    """
    if text is None:
        text = doc.text
    drafts: list[Draft] = []
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
        attach_source(cue, drafts)
    cut_frames(doc, drafts)
    snap_to_clauses(doc, drafts)
    for draft in drafts:
        speaker_as_source(doc, draft, intelligence_ids)
    return [finish(doc, text, draft) for draft in unique(chain(drafts))]


class _Context:
    """What the rules need besides the token: mentions, earlier drafts, the dateline."""

    def __init__(
        self,
        doc: Doc,
        text: str,
        mentions: list[MentionData],
        by_token: dict[int, MentionData],
        drafts: list[Draft],
    ):
        self.doc = doc
        self.by_token = by_token
        self.drafts = drafts
        dateline = DATELINE.match(text)
        self.dateline_end = dateline.end() if dateline else 0
        self.resolver = SpeakerResolver(
            doc, mentions, self.speakers_before, dateline_end=self.dateline_end
        )
        # Where each sentence starts, for sentence(): Token.sent walks the doc on every call.
        self.sentence_starts = np.flatnonzero(doc.to_array(SENT_START) == 1).tolist()

    def sentence(self, token: Token) -> Span:
        """token.sent, found by bisection in the sentence starts read once per doc."""
        starts = self.sentence_starts
        at = bisect_right(starts, token.i) - 1
        start = starts[at] if at >= 0 else 0
        end = starts[at + 1] if at + 1 < len(starts) else len(self.doc)
        return self.doc[start:end]

    def in_dateline(self, token: Token) -> bool:
        return token.idx < self.dateline_end

    def after_dateline(self, i: int) -> int:
        """The first token at or after ``i`` that is not part of the dateline."""
        while i < len(self.doc) and self.doc[i].idx < self.dateline_end:
            i += 1
        return i

    def speakers_before(self, i: int) -> list[MentionData]:
        """The speakers (as resolved) of the attributions whose cue is before token ``i``."""
        return [d.speaker_mention for d in self.drafts if d.cue[0] < i and d.speaker_mention]


def _verb_attribution(verb: Token, context: _Context) -> Draft | None:
    if verb.dep_ in _NOT_A_PREDICATE:
        return None
    sentence, doc = context.sentence(verb), verb.doc
    cue = VERB_CUES[verb.lower_]
    subject, inherited = _subject(verb, context)
    claim, pattern, confidence = _verb_claim(verb, cue, sentence)
    if subject is None or inherited:
        trailing = _trailing_speaker(verb, sentence)
        if trailing is not None:
            subject, inherited = trailing, False
            claim = (sentence.start, trailing.left_edge.i)
            pattern, confidence = "speaker-after", 0.8
    stance: Stance = "asserts"
    if cue.lemma in DENIAL_CUES and pattern != "speaker-after":
        # "Moscow denied the reports as fake news", "X rejected claims that ...": the
        # speaker says the proposition is false; the span is the whole proposition.
        claim, pattern, stance = _denied_proposition(verb, cue, claim), "denial", "denies"
    if subject is None or claim is None:
        return None
    if inherited:
        confidence -= 0.05
    if _is_negated(verb):
        # "The Kremlin did not confirm the deployment", "Putin declined to deny that ...",
        # "neither confirmed nor denied": a refusal to say, shown as such, less confident.
        pattern, confidence, stance = f"{pattern}+negated", confidence - 0.2, "refuses"
    draft = _with_speaker(
        subject, claim, (verb.i, verb.i + 1), pattern, confidence, sentence, context
    )
    if draft is None:
        return None
    if stance == "asserts" and draft.claim[0] <= verb.i < draft.claim[1]:
        return None  # "The strike, which officials said killed 12, hit a school": no clause
    draft.stance = stance
    if inherited and (_is_participle_clause(verb) or verb.dep_ == "conj"):
        # ", adding that ...", "... but warned Pyongyang ...": the next construction ends
        # the claim before it, even when the parser hung it inside that claim.
        start = verb.i
        while start > sentence.start and (
            doc[start - 1].dep_ in ("cc", "punct") or doc[start - 1].head is verb
        ):
            start -= 1
        draft.frame = (start, verb.right_edge.i + 1)
    return draft


def _is_negated(verb: Token) -> bool:
    if any(child.dep_ == "neg" or child.lower_ == "neither" for child in verb.children):
        return True
    head = verb.head
    if verb.dep_ == "conj" and any(c.lower_ in ("neither", "nor") for c in head.children):
        return True  # "neither confirmed nor denied that ..."
    return verb.dep_ == "xcomp" and (
        head.lower_ in _NEGATING_VERBS or any(c.dep_ == "neg" for c in head.children)
    )


def _denied_proposition(
    verb: Token, cue: _Cue, claim: tuple[int, int] | None
) -> tuple[int, int] | None:
    """What a denial says is false, as a whole proposition.

    "denied that the troops were in Russia" -> the clause; "rejected claims that Seoul ..."
    -> the clause the claims state; "denied the reports as fake news" (no clause to deny) ->
    the whole clause of the denial, speaker included, so that the span reads as what it is.
    """
    clause = next((c for c in verb.children if c.dep_ == "ccomp"), None)
    if clause is not None:
        return subtree(clause)
    for obj in (c for c in verb.children if c.dep_ in ("dobj", "obj")):
        stated = next(
            (c for c in obj.children if c.dep_ in ("acl", "ccomp", "relcl") and _is_content(c)),
            None,
        )
        if stated is not None:
            return subtree(stated)
    if claim is None:
        claim = _object_claim(verb, cue)
    if claim is None:
        return None
    return verb.left_edge.i, max(claim[1], verb.i + 1)


def _is_content(clause: Token) -> bool:
    """A "that"-clause stating the content of a noun ("claims that ..."), not a relative one."""
    return any(c.dep_ == "mark" and c.lower_ == "that" for c in clause.children) or not any(
        c.lower_ in _RELATIVE_PRONOUNS and c.dep_ in ("nsubj", "dobj") for c in clause.children
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
        return subtree(after[0]), "verb-clause", 0.9
    if clauses:  # '"The war is over," Putin said.'
        return subtree(clauses[0]), "quote-before", 0.85
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


def _adjective_attribution(adjective: Token, context: _Context) -> Draft | None:
    """ "South Korean officials are concerned that Russia may reciprocate ..." """
    clause = next((c for c in adjective.children if c.dep_ == "ccomp"), None)
    if clause is None or adjective.dep_ not in ("acomp", "ROOT", "ccomp", "conj"):
        return None
    subject, _ = _subject(adjective.head if adjective.dep_ == "acomp" else adjective, context)
    if subject is None:
        return None
    return _with_speaker(
        subject,
        subtree(clause),
        (adjective.i, adjective.i + 1),
        "adjective-clause",
        0.7,
        context.sentence(adjective),
        context,
    )


def _according_to(according: Token, context: _Context) -> Draft | None:
    """ "According to a declassified US intelligence report, an estimated ..." """
    doc = according.doc
    if according.i + 1 >= len(doc) or doc[according.i + 1].lower_ != "to":
        return None
    to = doc[according.i + 1]
    named = next((c for c in to.children if c.dep_ == "pobj"), None)
    if named is None:
        return None
    sentence = context.sentence(according)
    source = subtree(named)
    before = trim_claim(doc, context.after_dateline(sentence.start), according.i)
    after = trim_claim(doc, source[1], sentence.end)
    if _one_clause(doc, before, after):
        # "The troops, according to the Pentagon, are in Kursk": the phrase interrupts one
        # clause, which is the claim, whole.
        claim = (before[0], after[1])
    else:
        claim = max(before, after, key=lambda span: span[1] - span[0])
    if claim[1] - claim[0] < 2:
        return None
    mention = context.by_token.get(named.i)
    return Draft(
        claim=claim,
        speaker=_noun_phrase(named),
        speaker_mention=mention,
        # A person quoted with "according to" is a speaker; a report or an agency is also
        # what the claim rests on.
        source=None if mention is not None and mention.kind == "PERSON" else source,
        cue=(according.i, according.i + 2),
        pattern="according-to",
        confidence=0.85,
        sentence=(context.after_dateline(sentence.start), sentence.end),
        frame=(according.i, source[1]),
    )


def _one_clause(doc: Doc, before: tuple[int, int], after: tuple[int, int]) -> bool:
    """Whether the words before and after an inserted phrase hang on each other."""
    if before[1] <= before[0] or after[1] <= after[0]:
        return False
    return any(after[0] <= doc[i].head.i < after[1] for i in range(*before)) or any(
        before[0] <= doc[i].head.i < before[1] for i in range(*after)
    )


def _with_speaker(
    subject: Token,
    claim: tuple[int, int],
    cue: tuple[int, int],
    pattern: str,
    confidence: float,
    sentence: Span,
    context: _Context,
) -> Draft | None:
    doc = subject.doc
    start = context.after_dateline(max(claim[0], sentence.start))
    claim = trim_claim(doc, start, min(claim[1], sentence.end))
    if claim[1] - claim[0] < 2:
        return None
    mention = context.by_token.get(subject.i)
    pronoun = subject.lower_
    speaker = _noun_phrase(subject)
    resolution = None
    if mention is None:
        resolution = context.resolver.resolve(subject, doc[speaker[0] : speaker[1]].text)
    if resolution is not None:
        # "he said", "the ministry said": the nearest compatible antecedent, with the reason.
        mention = resolution.mention
        cap = 0.5 if resolution.kind == "pronoun" else 0.6
        pattern, confidence = f"{pattern}+{resolution.kind}", min(confidence, cap)
    elif mention is None and pronoun in _PRONOUNS:
        if pronoun in ("i", "we", "me", "us"):
            return None  # first person only occurs inside quotes, already attributed
        pattern, confidence = f"{pattern}+pronoun", min(confidence, 0.4)
    elif mention is None:
        confidence -= 0.1  # an unnamed speaker ("South Korean officials") is vaguer
    return Draft(
        claim=claim,
        speaker=speaker,
        speaker_mention=mention,
        source=None,
        cue=cue,
        pattern=pattern,
        confidence=confidence,
        sentence=(context.after_dateline(sentence.start), sentence.end),
        resolution=resolution,
    )


def _noun_phrase(head: Token) -> tuple[int, int]:
    """The head's phrase without appositions, relative clauses and coordination."""
    start = end = head.i
    for child in head.children:
        if child.dep_ not in _NOUN_PHRASE_CUTS:
            start = min(start, child.left_edge.i)
            end = max(end, child.right_edge.i)
    return start, end + 1
