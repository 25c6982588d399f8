"""Entity patterns that generalise: shapes of names, not lists of them.

A spaCy component (``newsnotes_patterns``) that runs after ``ner`` and adds or corrects spans
by their shape, whatever the names are:

* **PERSON after a role**: "lawmaker Park Sun-won", "his daughter Kim Ju Ae", "official Tomas
  Valenko". A role word followed by capitalised words (and hyphenated given names, whose
  lower-case part is joined by the hyphen) makes those words a PERSON; the role stays outside.
* **ORG of a state**: "Azerbaijani Foreign Ministry", "Georgia's State Security Service",
  "Ministry of Foreign Affairs of Armenia", "Chile's central bank". The span is an ORG whose id
  (``@org:<state id>:<canonical name>``) links it to the state, so every wording of the same
  body gets one key in linking.py ("Azerbaijan's foreign ministry" = "Azerbaijani Foreign
  Ministry" = "Ministry of Foreign Affairs (Azerbaijan)").
* **LOC by its geographic head**: "<Name> Island/Islands/Bay/Sea/Strait/Peninsula/Gulf ...",
  "Gulf/Bay/Sea/Strait/Isle of <Name>", "Lake/Cape/Mount <Name>".

Gazetteer spans (the EntityRuler's, which carry an id) are never cut: a pattern span may only
contain them whole ("Hainan Island" around the province "Hainan"). Model spans that overlap a
pattern span give way to it. The work is one pass over the tokens plus one over the entities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from annotations.nlp.gazetteer import Gazetteer

StateOf = Callable[[Span], tuple[str, str] | None]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: A role or relation that introduces a person's name (compared lower-case).
ROLE_WORDS = _words(
    """
    lawmaker legislator senator congressman congresswoman parliamentarian mp official officer
    spokesman spokeswoman spokesperson minister president premier chancellor ambassador envoy
    diplomat commander colonel lieutenant admiral adviser advisor aide analyst researcher
    professor expert economist journalist reporter correspondent editor activist dissident
    lawyer attorney prosecutor judge mayor governor leader chief director chairman chairwoman
    ceo founder candidate daughter son wife husband brother sister mother father widow cousin
    uncle aunt niece nephew captain commissioner secretary negotiator ombudsman pastor cleric
    imam rabbi blogger commentator historian scientist defector soldier sergeant pilot
    """
)
#: Capitalised words that are never (part of) a name introduced by a role.
_NOT_NAMES = _words(
    """
    The A An This That These Those He She It They We I His Her Their Its Our My Your On In At
    Of For From With And But Or Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December
    Mr Mrs Ms Dr
    """
)
#: Words of a title between the role and the name ("Secretary General X", "President-elect").
_TITLE_WORDS = _words(
    """
    general major deputy vice prime former acting senior first lady gen lt col maj sen rep
    foreign defence defense interior finance state national security elect
    """
)
#: Words that head an organisation's name; a "name" containing one is not a person's.
ORG_HEADS = _words(
    """
    ministry service agency committee council commission guard guards forces army navy
    bank parliament directorate bureau office court assembly police department party
    staff administration authority command corps fleet government cabinet senate congress
    """
)
#: Offices of a ministry, as written before "Ministry" or after "Ministry of".
OFFICE_WORDS = _words(
    """
    foreign defence defense interior finance justice economy economic economics health
    education energy trade agriculture emergency emergencies situations culture transport
    labour labor environment information intelligence external home affairs security
    digital industry development science social welfare communications veterans internal
    national public state territorial reintegration occupied territories strategic
    industries infrastructure commerce investment planning unification reunification
    """
)
_CANONICAL_OFFICE = {
    "defense": "Defence",
    "labor": "Labour",
    "foreign": "Foreign Affairs",
    "external": "External Affairs",
    "home": "Home Affairs",
    "economic": "Economy",
    "economics": "Economy",
    "emergencies": "Emergency Situations",
}
#: Lower-case modifiers allowed inside "<GPE>'s <agency>" before the head noun.
AGENCY_MODIFIERS = OFFICE_WORDS | _words(
    """
    central spy counter-intelligence counterintelligence electoral election border coast
    military presidential general prosecutor's prosecutor supreme constitutional anti-corruption
    federal main joint armed air naval revolutionary republican
    """
)
AGENCY_HEADS = ORG_HEADS | {"military", "parliament"}
GEO_SUFFIXES = _words(
    """
    Island Islands Isles Bay Sea Strait Straits Peninsula Gulf Channel Ocean Archipelago Atoll
    Reef Shoal Shoals Lagoon Delta Desert Mountains
    """
)
GEO_PREFIXES_OF = frozenset({"Gulf", "Bay", "Sea", "Strait", "Straits", "Isle", "Isles"})
GEO_PREFIXES = frozenset({"Lake", "Cape", "Mount"})
_POSSESSIVE = frozenset({"'s", "\u2019s"})
#: The id of pattern spans that are not linked to a state. Without an id of its own a new
#: span would inherit the id its tokens had from the ruler ("Chad" inside "Lake Chad").
PATTERN_ID = "@pattern"
#: Organisations of a state: ``@org:<state id>:<canonical name>``.
STATE_ORG_PREFIX = "@org:"
_MAX_NAME_TOKENS = 4
_WORD = re.compile(r"[^\W\d_]+")
#: Words a headline in Title Case may leave in lower case.
_SMALL = frozenset({"and", "the", "for", "but", "nor", "with", "from", "into", "over", "amid"})


def _in_headline(token: Token) -> bool:
    """The token's line or sentence is in Title Case (a headline), where capitals say nothing."""
    text = token.doc.text
    line_start = text.rfind("\n", 0, token.idx) + 1
    line_end = text.find("\n", token.idx)
    start = max(line_start, token.sent.start_char)
    end = min(line_end if line_end >= 0 else len(text), token.sent.end_char)
    words = [w for w in _WORD.findall(text, start, end) if len(w) > 2 and w not in _SMALL]
    return len(words) >= 4 and all(w[0].isupper() for w in words)


def _is_name_word(token: Token) -> bool:
    return (
        token.is_alpha
        and token.is_title
        and token.text not in _NOT_NAMES
        and token.lower_ not in ORG_HEADS
        and token.lower_ not in ROLE_WORDS
        and token.lower_ not in _TITLE_WORDS
    )


def _name_end(doc: Doc, start: int) -> int:
    """End of a capitalised name starting at ``start`` (== start if there is none).

    Hyphenated parts stay with the name: "Sun-won" is "Sun", "-", "won" with no spaces.
    """
    i, words = start, 0
    while i < len(doc) and words < _MAX_NAME_TOKENS and _is_name_word(doc[i]):
        i += 1
        words += 1
        while (
            i + 1 < len(doc)
            and doc[i].text == "-"
            and not doc[i - 1].whitespace_
            and not doc[i].whitespace_
            and doc[i + 1].is_alpha
        ):
            i += 2
    return i


class PatternEntities:
    """The spaCy component; ``state_of`` maps a GPE/NORP span to (state id, state name)."""

    def __init__(self, state_of: StateOf | None = None) -> None:
        self.state_of: StateOf = state_of or (lambda span: None)

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        ruler = [e for e in ents if _from_gazetteer(e)]
        found: list[Span] = []
        found.extend(self._persons(doc, ruler))
        found.extend(self._state_orgs(doc, ents))
        found.extend(self._places(doc))
        if found:
            doc.ents = _merge(ents, found)
        return doc

    # -- PERSON ---------------------------------------------------------------------------

    def _persons(self, doc: Doc, ruler: list[Span]) -> Iterable[Span]:
        in_ent = {i: e for e in doc.ents for i in range(e.start, e.end)}
        for token in doc:
            if token.lower_ not in ROLE_WORDS or token.i + 1 >= len(doc):
                continue
            holder = in_ent.get(token.i)
            if holder is not None and holder.label_ != "PERSON":
                continue  # "General" in "UN General Assembly", "General Motors"
            if _in_headline(token):
                continue  # "Ministry Spokesman Says Talks Failed": every word is capitalised
            start = token.i + 1
            while (
                start < len(doc)
                and start - token.i <= 3
                and (doc[start].lower_ in _TITLE_WORDS or doc[start].lower_ in ROLE_WORDS)
            ):
                start += 1  # "Secretary General Tomas Valenko", "Defence Minister ..."
            end = _name_end(doc, start)
            if end == start:
                continue
            # The name must not run into an organisation ("official Tomas Council").
            if end < len(doc) and doc[end].lower_ in ORG_HEADS and doc[end].is_title:
                continue
            if any(r.start < end and start < r.end for r in ruler):
                continue  # a known name (or "official Xinhua"): the gazetteer's span stands
            yield Span(doc, start, end, label="PERSON", span_id=PATTERN_ID)

    # -- ORG of a state -------------------------------------------------------------------

    def _state_orgs(self, doc: Doc, ents: list[Span]) -> Iterable[Span]:
        for ent in ents:
            if ent.label_ not in ("GPE", "NORP"):
                continue
            state = self.state_of(ent)
            if state is None:
                continue
            found = self._after_state(doc, ent, state)
            if found is not None:
                yield found
        for token in doc:
            if token.lower_ == "ministry" and token.is_title:
                found = self._ministry_of(doc, token.i)
                if found is not None:
                    yield found

    def _after_state(self, doc: Doc, ent: Span, state: tuple[str, str]) -> Span | None:
        """ "<NORP|GPE>['s] <office>+ Ministry", "<GPE>'s <agency>", "<NORP> <Agency Name>"."""
        i = ent.end
        possessive = doc[ent.end - 1].text in _POSSESSIVE
        if i < len(doc) and doc[i].text in _POSSESSIVE:
            possessive, i = True, i + 1
        if i < len(doc) and doc[i].lower_ == "ministry" and i + 1 < len(doc):
            of = self._ministry_of(doc, i, state=state)
            if of is not None:
                return Span(doc, ent.start, of.end, label="ORG", span_id=of.id_)
        words: list[Token] = []
        while i < len(doc) and len(words) < 5:
            token = doc[i]
            if token.lower_ in AGENCY_HEADS and (token.is_title or possessive or words):
                words.append(token)
                i += 1
                # "Armed Forces", "Security Council Office": heads may follow heads.
                if i < len(doc) and doc[i].lower_ in AGENCY_HEADS:
                    if doc[i].is_title:
                        continue
                    return None  # "Mali's military government": a compound, not a name
                return self._state_org(doc, ent.start, i, state, words)
            if token.lower_ in AGENCY_MODIFIERS or (token.is_title and token.is_alpha):
                if token.text in _NOT_NAMES:
                    return None
                words.append(token)
                i += 1
                continue
            return None
        return None

    def _ministry_of(self, doc: Doc, i: int, state: tuple[str, str] | None = None) -> Span | None:
        """ "Ministry of Foreign Affairs [of Armenia]" starting at the token "Ministry"."""
        if i + 2 >= len(doc) or doc[i + 1].lower_ != "of":
            return None
        j = i + 2
        words: list[Token] = []
        while j < len(doc) and (doc[j].lower_ in OFFICE_WORDS or doc[j].lower_ in ("and", "&")):
            words.append(doc[j])
            j += 1
        while words and words[-1].lower_ in ("and", "&"):
            words.pop()
            j -= 1
        if not words:
            return None
        if state is None and j + 1 < len(doc) and doc[j].lower_ == "of":
            for ent in doc.ents:
                if ent.start == j + 1 and ent.label_ == "GPE":
                    state = self.state_of(ent)
                    if state is not None:
                        j = ent.end
                    break
        if state is None:
            # An ORG all the same, of no known state.
            return Span(doc, i, j, label="ORG", span_id=PATTERN_ID)
        office = " ".join(w.text for w in words if w.lower_ not in ("and", "&"))
        canonical = f"Ministry of {_title(office)} ({state[1]})"
        return Span(doc, i, j, label="ORG", span_id=f"{STATE_ORG_PREFIX}{state[0]}:{canonical}")

    def _state_org(
        self, doc: Doc, start: int, end: int, state: tuple[str, str], words: list[Token]
    ) -> Span | None:
        lowered = [w.lower_ for w in words]
        if lowered[-1] == "ministry":
            offices = [w for w in lowered[:-1] if w in OFFICE_WORDS]
            if not offices or len(offices) != len(lowered) - 1:
                return None
            office = " ".join(_CANONICAL_OFFICE.get(w, w) for w in offices)
            canonical = f"Ministry of {_title(office)} ({state[1]})"
        else:
            canonical = f"{_title(' '.join(lowered))} ({state[1]})"
        span_id = f"{STATE_ORG_PREFIX}{state[0]}:{canonical}"
        return Span(doc, start, end, label="ORG", span_id=span_id)

    # -- LOC ------------------------------------------------------------------------------

    def _places(self, doc: Doc) -> Iterable[Span]:
        for token in doc:
            text = token.text
            if text in GEO_SUFFIXES and token.i > 0:
                start = token.i
                while (
                    start > 0
                    and token.i - start < 3
                    and _is_name_word(doc[start - 1])
                    and not (doc[start - 1].is_sent_start and doc[start - 1].lower_ == "the")
                ):
                    start -= 1
                if start < token.i:
                    yield Span(doc, start, token.i + 1, label="LOC", span_id=PATTERN_ID)
                    continue
            if text in GEO_PREFIXES_OF or text in GEO_PREFIXES:
                j = token.i + 1
                if text in GEO_PREFIXES_OF:
                    if j >= len(doc) or doc[j].lower_ != "of":
                        continue
                    j += 1
                end = _name_end(doc, j)
                if end > j:
                    yield Span(doc, token.i, end, label="LOC", span_id=PATTERN_ID)


def _title(text: str) -> str:
    small = {"of", "and", "for", "the"}
    return " ".join(
        w if w in small else (w if any(c.isupper() for c in w) else w.capitalize())
        for w in text.split()
    )


def _from_gazetteer(span: Span) -> bool:
    return bool(span.ent_id_) and not span.ent_id_.startswith("@")


def _merge(ents: list[Span], found: list[Span]) -> list[Span]:
    """Pattern spans win over model spans they overlap and over gazetteer spans they contain
    whole; a pattern span that would cut a gazetteer span, or another pattern span, is left
    out (the earlier, then the longer, wins)."""
    kept_found: list[Span] = []
    for span in sorted(found, key=lambda s: (s.start, -len(s))):
        if any(s.start < span.end and span.start < s.end for s in kept_found):
            continue
        cuts_ruler = any(
            _from_gazetteer(e)
            and e.start < span.end
            and span.start < e.end
            and not (span.start <= e.start and e.end <= span.end)
            for e in ents
        )
        if cuts_ruler:
            continue
        if any(_from_gazetteer(e) and (e.start, e.end) == (span.start, span.end) for e in ents):
            continue  # the gazetteer already has exactly this span ("Cape Town")
        kept_found.append(span)
    result = [e for e in ents if not any(s.start < e.end and e.start < s.end for s in kept_found)]
    return sorted([*result, *kept_found], key=lambda s: s.start)


@Language.factory("newsnotes_patterns")
def make_pattern_entities(nlp: Language, name: str) -> PatternEntities:
    return PatternEntities()


def state_resolver(gazetteer: Gazetteer) -> StateOf:
    """(id, name) of the state a GPE or NORP span names: "Azerbaijani", "Georgia's",
    "Moscow" (its capital), or the id the gazetteer's ruler gave the span."""

    def state_of(span: Span) -> tuple[str, str] | None:
        entry = gazetteer.get(span.ent_id_) if span.ent_id_ else None
        if entry is None:
            text = span.text
            if span[-1].text in _POSSESSIVE:
                text = span[:-1].text
            entry = (
                gazetteer.lookup(text)
                or gazetteer.state_for_demonym(text)
                or gazetteer.state_for_capital(text)
            )
        if entry is not None and entry.category != "state":
            entry = gazetteer.state_for_capital(entry.name)
        return (entry.id, entry.name) if entry is not None else None

    return state_of
