"""The gazetteer: known people, states and organisations, loaded once per process.

The data file (annotations/nlp/data/gazetteer.jsonl, one JSON object per line) is maintained by
hand; this module only reads it. It gives three things to the rest of annotations/nlp:

* lookups by id and by normalised name or alias (``lookup("U.S.")`` finds the United States),
* capital -> state and demonym -> state maps,
* EntityRuler patterns, so gazetteer names are found by spaCy itself, including generated
  phrases such as "Seoul's intelligence service" -> South Korea's intelligence agency.

No spaCy import here: patterns are plain dicts, which keeps this module cheap to import and test.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from annotations.nlp.config import setting

DATA_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.jsonl"
#: Environment variable (or Django setting of the same name) pointing at another data file;
#: tests use it to run against a small fixture.
PATH_SETTING = "NEWSNOTES_GAZETTEER"

KINDS = frozenset({"PERSON", "GPE", "ORG", "NORP", "LOC", "EVENT", "FAC"})

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
_POSSESSIVE = re.compile(r"(?:'s|(?<=s)')$")
_SPACES = re.compile(r"\s+")
_ACRONYM = re.compile(r"^[A-Z]{2,5}$")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Z]\.){2,5}$")


def normalise(name: str) -> str:
    """Fold a name to its lookup form: "the U.S.'s " -> "us", "Kim  Jong-Un" -> "kim jong-un".

    Case, possessives, periods (so "U.S." == "US"), typographic apostrophes and dashes,
    a leading "the" and runs of whitespace do not distinguish entities.
    """
    text = unicodedata.normalize("NFKC", name).translate(_APOSTROPHES).translate(_DASHES)
    text = _SPACES.sub(" ", text.replace(".", "")).strip().casefold()
    text = _POSSESSIVE.sub("", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One line of the data file."""

    id: str
    name: str
    kind: str
    wikidata: str | None
    aliases: tuple[str, ...]
    description: str
    category: str | None
    country: str | None
    capital: str | None
    demonyms: tuple[str, ...]
    generic: tuple[str, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GazetteerEntry:
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            kind=str(data["kind"]),
            wikidata=data.get("wikidata") or None,
            aliases=tuple(data.get("aliases") or ()),
            description=str(data.get("description") or ""),
            category=data.get("category") or None,
            country=data.get("country") or None,
            capital=data.get("capital") or None,
            demonyms=tuple(data.get("demonyms") or ()),
            generic=tuple(data.get("generic") or ()),
        )

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Gazetteer:
    """Read-only indexes over the entries of one data file."""

    def __init__(self, entries: Iterable[GazetteerEntry], *, source: str = "", sha256: str = ""):
        self.source = source
        self.sha256 = sha256
        self.by_id: dict[str, GazetteerEntry] = {}
        for entry in entries:
            if entry.id in self.by_id:
                raise ValueError(f"{source}: duplicate gazetteer id {entry.id!r}")
            self.by_id[entry.id] = entry
        self.alias_index = self._alias_index()
        self.capital_to_state = self._state_map(lambda e: [e.capital] if e.capital else [])
        self.demonym_to_state = self._state_map(
            lambda e: [form for d in e.demonyms for form in demonym_forms(d)]
        )
        # Speakers that are evidence in themselves: attribution records them as the source.
        self.intelligence_ids = frozenset(
            e.id for e in self.by_id.values() if e.category == "intelligence_agency"
        )

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, entry_id: str) -> GazetteerEntry | None:
        return self.by_id.get(entry_id)

    def lookup(self, name: str) -> GazetteerEntry | None:
        """The entry whose name or alias is ``name`` (after normalise()), if any."""
        entry_id = self.alias_index.get(normalise(name))
        return self.by_id[entry_id] if entry_id else None

    def state_for_demonym(self, demonym: str) -> GazetteerEntry | None:
        entry_id = self.demonym_to_state.get(normalise(demonym))
        return self.by_id[entry_id] if entry_id else None

    def state_for_capital(self, capital: str) -> GazetteerEntry | None:
        entry_id = self.capital_to_state.get(normalise(capital))
        return self.by_id[entry_id] if entry_id else None

    def _alias_index(self) -> dict[str, str]:
        # An entry's own name beats another entry's alias; among aliases the first line wins.
        # The data deliberately leaves out ambiguous short forms ("Kim"), so clashes are rare.
        index: dict[str, str] = {}
        for entry in self.by_id.values():
            index.setdefault(normalise(entry.name), entry.id)
        for entry in self.by_id.values():
            for alias in entry.aliases:
                index.setdefault(normalise(alias), entry.id)
        index.pop("", None)
        return index

    def _state_map(self, forms: Callable[[GazetteerEntry], list[str]]) -> dict[str, str]:
        index: dict[str, str] = {}
        for entry in self.by_id.values():
            if entry.category == "state":
                for form in forms(entry):
                    index.setdefault(normalise(form), entry.id)
        return index

    def entity_ruler_patterns(self) -> list[dict[str, str]]:
        """Phrase patterns for spaCy's EntityRuler, matched case-sensitively (ORTH).

        Case-sensitive because aliases such as "US" must not match the pronoun "us"; the
        variants below cover the spellings news text actually uses instead.
        """
        patterns: dict[str, tuple[str, str]] = {}
        for entry in self.by_id.values():
            for name in entry.names:
                for variant in _spellings(name):
                    patterns.setdefault(variant, (entry.kind, entry.id))
        for entry in self.by_id.values():
            for demonym in entry.demonyms:
                for form in demonym_forms(demonym):
                    for variant in _spellings(form):
                        patterns.setdefault(variant, ("NORP", entry.id))
        # A generated phrase claimed by two agencies ("Russian intelligence service": FSB or
        # SVR?) is ambiguous and left to the statistical model.
        generated: dict[str, str | None] = {}
        for entry in self.by_id.values():
            for phrase in self._generic_phrases(entry):
                if phrase not in patterns:
                    generated[phrase] = (
                        entry.id if generated.get(phrase, entry.id) == entry.id else None
                    )
        for phrase, entry_id in generated.items():
            if entry_id is not None:
                patterns[phrase] = (self.by_id[entry_id].kind, entry_id)
        return [
            {"label": label, "pattern": phrase, "id": entry_id}
            for phrase, (label, entry_id) in patterns.items()
        ]

    def _generic_phrases(self, entry: GazetteerEntry) -> Iterator[str]:
        """ "South Korea's intelligence service", "Seoul's spy agency", "South Korean foreign
        ministry", "foreign ministry of South Korea" ... for an agency with generic phrases."""
        state = self.by_id.get(entry.country or "")
        if not entry.generic or state is None:
            return
        names = [*state.names, *([state.capital] if state.capital else [])]
        for generic in entry.generic:
            for phrase in {generic, generic.lower(), _title(generic)}:
                for name in names:
                    for variant in _spellings(name):
                        yield f"{variant}'s {phrase}"
                        yield f"{variant}\u2019s {phrase}"
                        if variant.endswith(("s", "S")):
                            yield f"{variant}' {phrase}"
                        yield f"{variant} {phrase}"
                        yield f"{phrase} of {variant}"
                for demonym in state.demonyms:
                    yield f"{demonym} {phrase}"


def demonym_forms(demonym: str) -> tuple[str, ...]:
    """The demonym and its plural for people ("Ukrainian", "Ukrainians"); "Chinese", "Swiss"
    and the like have no separate plural, and the data may list plurals itself."""
    if demonym.endswith(("s", "sh", "ch", "ese", "x", "z")):
        return (demonym,)
    return (demonym, f"{demonym}s")


def _title(phrase: str) -> str:
    # "ministry of foreign affairs" -> "Ministry of Foreign Affairs": headline style keeps
    # short function words lower-case.
    small = {"of", "for", "and", "the", "on", "in"}
    words = phrase.split()
    return " ".join(w if i and w in small else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _spellings(name: str) -> set[str]:
    """The written forms of one name: "US" <-> "U.S.", straight <-> typographic apostrophe."""
    forms = {name}
    if _ACRONYM.match(name):
        forms.add("".join(f"{c}." for c in name))
    elif _DOTTED_ACRONYM.match(name):
        forms.add(name.replace(".", ""))
    for form in list(forms):
        if "'" in form:
            forms.add(form.replace("'", "\u2019"))
        if "\u2019" in form:
            forms.add(form.replace("\u2019", "'"))
    return forms


def gazetteer_path() -> Path:
    """The data file: Django setting or environment variable NEWSNOTES_GAZETTEER, else the
    file shipped in annotations/nlp/data/."""
    configured = setting(PATH_SETTING)
    return Path(configured) if configured else DATA_PATH


def load_gazetteer(path: Path) -> Gazetteer:
    """Parse one JSON Lines file, failing with the line number on a malformed entry."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"Gazetteer data file {path} does not exist; set {PATH_SETTING} to another file"
        ) from None
    entries = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            entry = GazetteerEntry.from_json(data)
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a gazetteer entry: {error}") from error
        if entry.kind not in KINDS:
            raise ValueError(f"{path}:{number}: kind {entry.kind!r} is not one of {sorted(KINDS)}")
        entries.append(entry)
    return Gazetteer(entries, source=str(path), sha256=hashlib.sha256(raw).hexdigest())


@cache
def _cached_gazetteer(path: Path) -> Gazetteer:
    return load_gazetteer(path)


def get_gazetteer() -> Gazetteer:
    """The configured gazetteer, parsed once per process and path."""
    return _cached_gazetteer(gazetteer_path().resolve())
