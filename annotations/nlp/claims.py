"""Drafts of attributions, and how they become suggestions an analyst would accept.

annotations/nlp/attribution.py finds one draft per cue word. This module finishes them:

* sources: "citing X", "based on X", and a speaker that is evidence itself;
* frames: "..., according to X" is cut out of another draft's claim;
* spans on clause boundaries: a claim never cuts a constituent of its sentence in two
  (:func:`snap_to_clauses`), except to leave out the speaker, the cue and the source;
* chains: "X said that Y told Z that C" is one suggestion, C claimed by Y, with X recorded as
  the reporter (:func:`chain`), and one reported-speech construction gives one suggestion
  (:func:`unique`).
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Token

from annotations.nlp.speakers import Resolution
from annotations.nlp.types import AttributionData, MentionData, Stance

_DOUBLE_QUOTES = frozenset({'"', "\u201c", "\u201d", "''", "``"})
#: Speaker heads that are themselves evidence, not just a voice: the speaker is the source too.
SOURCE_NOUNS = frozenset(
    {
        *("report", "reports", "assessment", "assessments", "document", "documents", "data"),
        *("images", "imagery", "photos", "memo", "cable", "cables", "intercepts", "analysis"),
        *("study", "survey", "estimate", "estimates", "findings"),
    }
)

type TokenSpan = tuple[int, int]


@dataclass(slots=True)
class Draft:
    """An attribution in token offsets (end exclusive) while the sentence is worked on."""

    claim: TokenSpan
    speaker: TokenSpan | None
    speaker_mention: MentionData | None
    source: TokenSpan | None
    cue: TokenSpan
    pattern: str
    confidence: float
    sentence: TokenSpan
    # The attribution's own words ("according to a declassified US intelligence report"),
    # which must not end up inside another attribution's claim.
    frame: TokenSpan | None = None
    stance: Stance = "asserts"
    resolution: Resolution | None = None
    reporter: TokenSpan | None = None
    reporter_mention: MentionData | None = None

    def construction(self) -> TokenSpan:
        """The tokens of the whole reported-speech construction: speaker, cue and claim."""
        parts = [self.claim, self.cue, *(s for s in (self.speaker, self.frame) if s)]
        return min(p[0] for p in parts), max(p[1] for p in parts)


def subtree(token: Token) -> TokenSpan:
    return token.left_edge.i, token.right_edge.i + 1


def trim_claim(doc: Doc, start: int, end: int) -> TokenSpan:
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


def attach_source(cue: Token, drafts: list[Draft]) -> None:
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
    draft.source = subtree(named)
    phrase_start, phrase_end = cue.i, cue.right_edge.i + 1
    if draft.claim[0] < phrase_start < draft.claim[1] <= phrase_end:
        # "... the troops had arrived, citing intelligence": the citation is not the claim.
        draft.claim = trim_claim(doc, draft.claim[0], phrase_start)
        draft.frame = (phrase_start, phrase_end)


def speaker_as_source(doc: Doc, draft: Draft, intelligence_ids: frozenset[str]) -> None:
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


def cut_frames(doc: Doc, drafts: list[Draft]) -> None:
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
                draft.claim = trim_claim(doc, claim_start, start)
            elif start <= claim_start + 1:
                draft.claim = trim_claim(doc, end, claim_end)


def snap_to_clauses(doc: Doc, drafts: list[Draft]) -> None:
    """Widen each claim until it cuts no constituent in two: a claim starts and ends where the
    parse says a phrase does, never inside one. It never grows over the attribution's own
    words (speaker, cue, source, frames of the sentence) nor out of its sentence."""
    for draft in drafts:
        start, end = draft.claim
        if end <= start:
            continue
        fence: set[int] | None = None  # built only when a claim needs to grow
        low, high = draft.sentence
        changed = True
        while changed:
            changed = False
            for token in doc[start:end]:
                left, right = token.left_edge.i, token.right_edge.i + 1
                grow_left = low <= left < start and not _trimmable(doc, left, start)
                grow_right = end < right <= high and not _trimmable(doc, end, right)
                if not (grow_left or grow_right):
                    continue
                if fence is None:
                    fence = _fence(draft, drafts)
                if grow_left and not fence.intersection(range(left, start)):
                    start, changed = left, True
                if grow_right and not fence.intersection(range(end, right)):
                    end, changed = right, True
        draft.claim = trim_claim(doc, start, end)


def _trimmable(doc: Doc, start: int, end: int) -> bool:
    """Whether trim_claim() would drop all of doc[start:end] at a claim's edge anyway."""
    return all(
        t.is_punct or t.is_space or (t.lower_ == "that" and t.dep_ == "mark")
        for t in doc[start:end]
    )


def _fence(draft: Draft, drafts: list[Draft]) -> set[int]:
    spans = [draft.cue, draft.speaker, draft.source, draft.frame]
    spans += [o.frame for o in drafts if o is not draft and o.sentence == draft.sentence]
    return {i for span in spans if span is not None for i in range(*span)}


def chain(drafts: list[Draft]) -> list[Draft]:
    """Attributions inside another's claim are reported speech of reported speech.

    "A lawmaker said [the agency had told a hearing [that 11,000 troops were in Russia]]":
    when the inner construction is all the outer claim says, the two are one suggestion: the
    innermost claim, by the inner speaker, with the outer speaker as its reporter. An inner
    attribution that is only part of the outer claim stays nested, less confident, and also
    records the outer speaker as reporter.
    """
    dropped: set[int] = set()
    by_sentence: dict[TokenSpan, list[Draft]] = {}
    for draft in drafts:
        by_sentence.setdefault(draft.sentence, []).append(draft)
    for inner in sorted(drafts, key=lambda d: d.claim[1] - d.claim[0]):
        outer = _enclosing(inner, by_sentence[inner.sentence], dropped)
        if outer is None:
            continue
        if inner.reporter is None:
            inner.reporter = outer.speaker
            inner.reporter_mention = outer.speaker_mention
        start, end = inner.construction()
        if start <= outer.claim[0] and outer.claim[1] <= end:
            dropped.add(id(outer))
            inner.pattern = f"{inner.pattern}+reported"
            inner.source = inner.source or outer.source
            inner.confidence = min(inner.confidence, outer.confidence)
        else:
            inner.pattern = f"{inner.pattern}+nested"
            inner.confidence = min(inner.confidence, 0.5)
    return [d for d in drafts if id(d) not in dropped]


def _enclosing(inner: Draft, drafts: list[Draft], dropped: set[int]) -> Draft | None:
    """The attribution of the sentence whose claim holds ``inner``'s cue and claim, the
    tightest first."""
    holding = [
        outer
        for outer in drafts
        if outer is not inner
        and id(outer) not in dropped
        and outer.claim[0] <= inner.cue[0] < outer.claim[1]
        and outer.claim[0] <= inner.claim[0]
        and inner.claim[1] <= outer.claim[1]
    ]
    return min(holding, key=lambda d: d.claim[1] - d.claim[0], default=None)


def unique(drafts: list[Draft]) -> list[Draft]:
    """One draft per claim span, the most confident, in document order: two cues over one
    claim ("neither confirmed nor denied that ...") are one construction."""
    best: dict[TokenSpan, Draft] = {}
    for draft in drafts:
        if draft.claim[1] - draft.claim[0] < 2:
            continue
        key = draft.claim
        if key not in best or draft.confidence > best[key].confidence:
            best[key] = draft
    return sorted(best.values(), key=lambda d: (d.claim[0], d.cue[0]))


def _span_chars(doc: Doc, span: TokenSpan) -> tuple[int, int]:
    start, end = span
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


def _chars(doc: Doc, span: TokenSpan | None) -> tuple[int | None, int | None]:
    return (None, None) if span is None else _span_chars(doc, span)


def finish(doc: Doc, text: str, draft: Draft) -> AttributionData:
    claim_start, claim_end = _span_chars(doc, draft.claim)
    cue_start, cue_end = _span_chars(doc, draft.cue)
    speaker_start, speaker_end = _chars(doc, draft.speaker)
    source_start, source_end = _chars(doc, draft.source)
    reporter_start, reporter_end = _chars(doc, draft.reporter)
    resolution = draft.resolution
    antecedent = resolution.mention if resolution is not None else None
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
        stance=draft.stance,
        speaker_reason=resolution.reason if resolution is not None else None,
        antecedent_start=antecedent.start if antecedent is not None else None,
        antecedent_end=antecedent.end if antecedent is not None else None,
        antecedent_text=antecedent.text if antecedent is not None else None,
        antecedent_sentence=resolution.sentence if resolution is not None else None,
        reporter=draft.reporter_mention,
        reporter_start=reporter_start,
        reporter_end=reporter_end,
        reporter_text=None if reporter_start is None else text[reporter_start:reporter_end],
    )
