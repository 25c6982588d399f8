"""Who "he", "the spokesman" or "the ministry" is: rule-based speaker resolution in one article.

A pronoun or a role noun that introduces reported speech ("he said", "the ministry told ...")
resolves to the nearest compatible antecedent mention before it, without a coreference model:

* compatible: a PERSON for "he", "she" and person roles ("the spokesman", "the minister",
  "the official", "the president"); an ORG for "the ministry", "the agency", and an ORG or a
  GPE for "the government", "they" (for "they" only one that was a subject or a speaker);
* gender counts only where the words state it: "he"/"the spokesman" against "she"/"the
  spokeswoman", and a person's gender only from "Mr"/"Ms" or a gendered role in their phrase
  ("spokeswoman Maria Zakharova"); unknown is compatible with both;
* among compatible mentions, one whose phrase has the role's own word ("Russian President
  Vladimir Putin" for "the president", "the Foreign Ministry" for "the ministry") wins, else
  the most recent one that was a subject or a speaker, else the most recent one at all.

Every resolution says why (:attr:`Resolution.reason`), so an analyst can check it:
"'he' -> Jean-Luc Bernard (sentence 3)".
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from annotations.nlp.types import MentionData

_PERSON = frozenset({"PERSON"})
_ORG = frozenset({"ORG"})
_ORG_OR_STATE = frozenset({"ORG", "GPE"})

#: (kinds of entity a word can refer to, the gender it states or None)
type Rule = tuple[frozenset[str], str | None]

#: Pronoun -> what it can refer to.
PRONOUNS: dict[str, Rule] = {
    "he": (_PERSON, "m"),
    "she": (_PERSON, "f"),
    "they": (_ORG_OR_STATE, None),
}


def _roles(kinds: frozenset[str], gender: str | None, *words: str) -> dict[str, Rule]:
    return {word: (kinds, gender) for word in words}


#: Role noun (head of "the <role>") -> what it can refer to.
ROLE_NOUNS: dict[str, Rule] = {
    **_roles(_PERSON, "m", "spokesman", "chairman", "congressman", "king"),
    **_roles(_PERSON, "f", "spokeswoman", "chairwoman", "congresswoman", "queen"),
    **_roles(
        _PERSON,
        None,
        *("spokesperson", "minister", "official", "president", "premier", "chancellor"),
        *("secretary", "ambassador", "envoy", "diplomat", "leader", "lawmaker", "senator"),
        *("general", "commander", "chief", "director", "governor", "mayor", "negotiator"),
        *("prosecutor", "judge", "adviser", "advisor", "aide", "officer", "analyst"),
    ),
    **_roles(
        _ORG,
        None,
        *("ministry", "agency", "department", "office", "service", "embassy", "army"),
        *("military", "company", "alliance", "bloc", "council", "committee", "commission"),
        *("party", "court", "organisation", "organization", "group", "bank", "regulator"),
    ),
    **_roles(_ORG_OR_STATE, None, "government", "administration", "authorities", "cabinet"),
}
#: Words before a name that state a person's gender.
_GENDER_WORDS = {
    **dict.fromkeys(("mr", "mr.", "sir", "monsieur"), "m"),
    **dict.fromkeys(("mrs", "mrs.", "ms", "ms.", "madame", "dame"), "f"),
    **{word: gender for word, (_, gender) in ROLE_NOUNS.items() if gender is not None},
}
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
#: How far back an antecedent is looked for, in mentions.
_WINDOW = 80
#: How many tokens of an antecedent's phrase are read for its role words and gender.
_PHRASE_TOKENS = 30


@dataclass(frozen=True, slots=True)
class Resolution:
    mention: MentionData
    sentence: int  # counted from 1
    reason: str
    #: "pronoun" or "role"
    kind: str


def anaphor(head: Token) -> tuple[frozenset[str], str | None, str] | None:
    """(kinds, gender, "pronoun"/"role") when the speaker ``head`` (not itself a mention)
    refers back to an antecedent."""
    word = head.lower_
    if word in PRONOUNS:
        kinds, gender = PRONOUNS[word]
        return kinds, gender, "pronoun"
    if word not in ROLE_NOUNS:
        return None
    # "the spokesman", "the foreign ministry"; not "a spokesman", not "the Russian Foreign
    # Ministry" (a name the recogniser missed is not a reference back).
    phrase = [t for t in head.lefts if t.dep_ not in ("punct", "prep")]
    if not any(t.lower_ == "the" and t.dep_ == "det" for t in phrase):
        return None
    if any(t.dep_ == "poss" or (t.is_title and t.i > phrase[0].i) for t in phrase):
        return None
    kinds, gender = ROLE_NOUNS[word]
    return kinds, gender, "role"


class SpeakerResolver:
    """Resolves anaphoric speakers of one doc; built once per doc, cheap until first used."""

    def __init__(
        self,
        doc: Doc,
        mentions: list[MentionData],
        speakers: Callable[[int], list[MentionData]],
        *,
        dateline_end: int = 0,
    ) -> None:
        self.doc = doc
        self.dateline_end = dateline_end
        self.mentions = [m for m in mentions if m.kind in ("PERSON", "ORG", "GPE")]
        self.starts = [m.start for m in self.mentions]
        # The mentions that were speakers of attributions found so far, before a token.
        self.speakers = speakers
        self._sentence_starts: list[int] | None = None
        self._genders: dict[str, str | None] = {}

    def resolve(self, head: Token, text: str) -> Resolution | None:
        """The antecedent of the speaker ``head`` (whose phrase reads ``text``), if any."""
        found = anaphor(head)
        if found is None:
            return None
        kinds, gender, kind = found
        role = head.lower_ if kind == "role" else None
        earlier_speakers = {m.start for m in self.speakers(head.i)}
        nearest = subject = named_role = None
        i = bisect_left(self.starts, head.idx)
        for mention in reversed(self.mentions[max(0, i - _WINDOW) : i]):
            if mention.kind not in kinds or not self._gender_fits(mention, gender):
                continue
            nearest = nearest or mention
            root = self._root(mention)
            if subject is None and (
                mention.start in earlier_speakers or (root is not None and root.dep_ in _SUBJECTS)
            ):
                subject = mention
            if role is not None and named_role is None and self._has_word(mention, root, role):
                named_role = mention
                break
        # "they" is as often unnamed people ("officials ... they said") as a state or a body:
        # only a body that was itself a subject or a speaker is taken for it.
        chosen = named_role or subject or (nearest if head.lower_ != "they" else None)
        if chosen is None:
            return None
        sentence = self.sentence_of(chosen.start)
        reason = f"\u2018{text}\u2019 \u2192 {chosen.text} (sentence {sentence})"
        return Resolution(chosen, sentence, reason, kind)

    def sentence_of(self, char: int) -> int:
        """The sentence number a reader would count, from 1: the dateline and sentences of
        no words (blank lines) are not sentences."""
        if self._sentence_starts is None:
            self._sentence_starts = [
                max(s.start_char, self.dateline_end)
                for s in self.doc.sents
                if s.end_char > self.dateline_end and any(t.is_alpha for t in s)
            ]
        return max(1, bisect_right(self._sentence_starts, char))

    def _root(self, mention: MentionData) -> Token | None:
        span = self.doc.char_span(mention.start, mention.end, alignment_mode="expand")
        return span.root if span is not None and len(span) else None

    def _phrase(self, mention: MentionData, root: Token | None) -> list[str]:
        """Lower-cased words of the mention's phrase: "White House ... spokesman John Kirby",
        "Cho Koo-rae, a senior official at ...", and the word before it ("Mr")."""
        if root is None:
            return []
        words = [t.lower_ for t in list(root.subtree)[:_PHRASE_TOKENS]]
        if root.left_edge.i > 0:
            words.append(self.doc[root.left_edge.i - 1].lower_)
        return words

    def _has_word(self, mention: MentionData, root: Token | None, role: str) -> bool:
        return role in mention.text.lower().split() or role in self._phrase(mention, root)

    def _gender_fits(self, mention: MentionData, gender: str | None) -> bool:
        if gender is None or mention.kind != "PERSON":
            return True
        known = self._gender(mention)
        return known is None or known == gender

    def _gender(self, mention: MentionData) -> str | None:
        """What the article states about the person's gender, over all its mentions."""
        if mention.key not in self._genders:
            stated: set[str] = set()
            for other in self.mentions:
                if other.key == mention.key:
                    root = self._root(other)
                    stated.update(
                        _GENDER_WORDS[w] for w in self._phrase(other, root) if w in _GENDER_WORDS
                    )
            self._genders[mention.key] = stated.pop() if len(stated) == 1 else None
        return self._genders[mention.key]
