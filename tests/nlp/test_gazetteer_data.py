"""Data-quality checks for the geopolitical gazetteer (annotations/nlp/data/gazetteer.jsonl).

The gazetteer feeds spaCy's EntityRuler and the cross-article entity linker, so these tests
guard the properties that code relies on: unique ids and surface forms, valid labels, sound
country/capital references and the presence of the actors our reference article mentions.
No database and no spaCy are needed.
"""

import json
import re
import unicodedata
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest

GAZETTEER = Path(__file__).resolve().parents[2] / "annotations/nlp/data/gazetteer.jsonl"

KINDS = {"PERSON", "GPE", "ORG", "NORP", "LOC", "EVENT", "FAC"}
CATEGORIES = {
    "head_of_state",
    "head_of_government",
    "minister",
    "spokesperson",
    "official",
    "military_leader",
    "intelligence_agency",
    "defence_agency",
    "armed_forces",
    "ministry",
    "state",
    "contested_region",
    "region",
    "city",
    "alliance",
    "international_org",
    "bloc",
    "group",
    "event",
}
PERSON_CATEGORIES = {
    "head_of_state",
    "head_of_government",
    "minister",
    "spokesperson",
    "official",
    "military_leader",
}
ORG_CATEGORIES = {
    "intelligence_agency",
    "defence_agency",
    "armed_forces",
    "ministry",
    "alliance",
    "international_org",
    "bloc",
    "group",
}
# Categories whose entries always belong to one state.
NATIONAL_CATEGORIES = {"intelligence_agency", "defence_agency", "armed_forces", "ministry", "city"}
# Categories that must carry "generic" phrases (foreign ministries are checked separately).
GENERIC_CATEGORIES = {"intelligence_agency", "defence_agency", "armed_forces"}

REQUIRED_FIELDS = {
    "id",
    "name",
    "kind",
    "category",
    "wikidata",
    "aliases",
    "description",
    "country",
}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID = re.compile(r"^Q[1-9][0-9]*$")

# Ambiguous bare tokens that must never be aliases: shared surnames resolved in context by other
# code, or common words.
FORBIDDEN_ALIASES = {
    "kim",
    "austin",
    "cho",
    "lee",
    "park",
    "han",
    "shin",
    "wang",
    "li",
    "lin",
    "mao",
    "dong",
    "lai",
    "tsai",
    "koo",
    "harris",
    "miller",
    "sullivan",
    "burns",
    "waltz",
    "cooper",
    "katz",
    "gallant",
    "herzog",
    "khan",
    "singh",
    "sharif",
    "wong",
    "abbas",
    "sinwar",
    "costa",
    "michel",
    "moscow",
    "beijing",
    "seoul",
    "pyongyang",
    "kyiv",
    "tehran",
}


def fold(name: str) -> str:
    """A lookup form close to the loader's: case, periods ("U.S." == "US"), typographic
    apostrophes and dashes, possessives and a leading "the" do not distinguish entities."""
    text = unicodedata.normalize("NFKC", name)
    text = text.translate(
        str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-"})
    )
    text = " ".join(text.replace(".", "").split()).casefold()
    text = re.sub(r"(?:'s|(?<=s)')$", "", text).strip()
    return text.removeprefix("the ")


@cache
def load_lines() -> tuple[str, ...]:
    return tuple(GAZETTEER.read_text(encoding="utf-8").split("\n"))


@cache
def load_entries() -> tuple[dict, ...]:
    lines = load_lines()
    return tuple(json.loads(line) for line in lines if line)


def by_id() -> dict[str, dict]:
    return {entry["id"]: entry for entry in load_entries()}


def states() -> dict[str, dict]:
    return {entry["id"]: entry for entry in load_entries() if entry["category"] == "state"}


def surface_index() -> dict[str, str]:
    """Case-folded name or alias -> id of the entry that owns it."""
    index = {}
    for entry in load_entries():
        for form in [entry["name"], *entry["aliases"]]:
            index[form.casefold()] = entry["id"]
    return index


def test_file_is_utf8_jsonl_with_one_object_per_line():
    lines = load_lines()
    assert lines[-1] == "", "file must end with a newline"
    for number, line in enumerate(lines[:-1], start=1):
        assert line.strip(), f"blank line {number}"
        assert line == line.strip(), f"stray whitespace on line {number}"
        assert isinstance(json.loads(line), dict), f"line {number} is not a JSON object"


def test_has_at_least_300_entries():
    assert len(load_entries()) >= 300


def test_required_fields_and_types():
    for entry in load_entries():
        missing = REQUIRED_FIELDS - entry.keys()
        assert not missing, f"{entry.get('id')}: missing {sorted(missing)}"
        for field in ("id", "name", "kind", "category", "description"):
            assert isinstance(entry[field], str), f"{entry['id']}: {field} must be a string"
            assert entry[field].strip() == entry[field], f"{entry['id']}: {field} has stray spaces"
            assert entry[field], f"{entry['id']}: empty {field}"
        assert isinstance(entry["aliases"], list), entry["id"]
        for alias in entry["aliases"]:
            assert isinstance(alias, str), entry["id"]
            assert alias, f"{entry['id']}: empty alias"
            assert alias.strip() == alias, f"{entry['id']}: alias {alias!r} has stray spaces"
        assert entry["country"] is None or isinstance(entry["country"], str), entry["id"]


def test_ids_are_unique_slugs():
    ids = [entry["id"] for entry in load_entries()]
    duplicates = [i for i, count in Counter(ids).items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    bad = [i for i in ids if not SLUG.match(i)]
    assert not bad, f"ids that are not lowercase ascii slugs: {bad}"


def test_sorted_by_category_then_id():
    keys = [(entry["category"], entry["id"]) for entry in load_entries()]
    assert keys == sorted(keys)


def test_kinds_and_categories_are_allowed_and_consistent():
    for entry in load_entries():
        kind, category = entry["kind"], entry["category"]
        assert kind in KINDS, f"{entry['id']}: kind {kind}"
        assert category in CATEGORIES, f"{entry['id']}: category {category}"
        if category in PERSON_CATEGORIES:
            assert kind == "PERSON", entry["id"]
        if kind == "PERSON":
            assert category in PERSON_CATEGORIES, entry["id"]
        if category in {"state", "city"}:
            assert kind == "GPE", entry["id"]
        if category in ORG_CATEGORIES:
            assert kind == "ORG", entry["id"]
        if category == "event":
            assert kind == "EVENT", entry["id"]
        if category in {"region", "contested_region"}:
            assert kind in {"GPE", "LOC"}, entry["id"]


def test_wikidata_ids_are_well_formed_and_unique():
    qids = []
    for entry in load_entries():
        qid = entry["wikidata"]
        if qid is None:
            continue
        assert isinstance(qid, str), f"{entry['id']}: Q-id must be a string or null"
        assert QID.match(qid), f"{entry['id']}: bad Q-id {qid!r}"
        qids.append(qid)
    duplicates = [q for q, count in Counter(qids).items() if count > 1]
    assert not duplicates, f"Q-ids used by more than one entry: {duplicates}"


def test_wikidata_ids_for_well_known_entities():
    expected = {
        "vladimir-putin": "Q7747",
        "russia": "Q159",
        "ukraine": "Q212",
        "north-korea": "Q423",
        "south-korea": "Q884",
        "united-states": "Q30",
        "china": "Q148",
        "japan": "Q17",
        "nato": "Q7184",
        "european-union": "Q458",
        "united-nations": "Q1065",
    }
    entries = by_id()
    for entity_id, qid in expected.items():
        assert entries[entity_id]["wikidata"] == qid, entity_id


def test_no_surface_form_is_shared():
    """Names and aliases are unique across the file (case-insensitive).

    This covers: no alias shared by two entries, no alias equal to another entry's name,
    no alias repeating its own entry's name, and no duplicate alias within an entry.
    """
    owners = defaultdict(list)
    for entry in load_entries():
        for form in [entry["name"], *entry["aliases"]]:
            owners[form.casefold()].append(entry["id"])
    clashes = {form: ids for form, ids in owners.items() if len(ids) > 1}
    assert not clashes, f"surface forms used more than once: {clashes}"


def test_no_surface_form_collides_after_normalisation():
    """Spelling variants ("U.S."/"US", "Russia's") may repeat within one entry, never across."""
    owners = defaultdict(set)
    for entry in load_entries():
        for form in [entry["name"], *entry["aliases"]]:
            owners[fold(form)].add(entry["id"])
    clashes = {form: sorted(ids) for form, ids in owners.items() if len(ids) > 1}
    assert not clashes, f"surface forms that fold together: {clashes}"


def test_aliases_carry_no_leading_article():
    for entry in load_entries():
        bad = [a for a in entry["aliases"] if a.casefold().startswith("the ")]
        assert not bad, f"{entry['id']}: aliases with a leading article {bad}"


def test_no_ambiguous_bare_aliases():
    for entry in load_entries():
        bad = [a for a in entry["aliases"] if a.casefold() in FORBIDDEN_ALIASES]
        assert not bad, f"{entry['id']}: ambiguous aliases {bad}"


def test_country_references_point_to_states():
    known_states = states()
    for entry in load_entries():
        country = entry["country"]
        if entry["category"] == "state":
            assert country is None, f"{entry['id']}: a state has no parent country"
            continue
        if country is not None:
            assert country in known_states, f"{entry['id']}: unknown country {country!r}"
        if entry["category"] in NATIONAL_CATEGORIES:
            assert country is not None, f"{entry['id']}: {entry['category']} needs a country"


def test_every_state_has_capital_and_demonyms():
    cities = defaultdict(dict)
    for entry in load_entries():
        if entry["category"] == "city":
            cities[entry["country"]][entry["name"]] = entry
    for state_id, state in states().items():
        capital = state.get("capital")
        demonyms = state.get("demonyms")
        assert isinstance(capital, str), f"{state_id}: missing capital"
        assert capital, f"{state_id}: empty capital"
        assert isinstance(demonyms, list), f"{state_id}: missing demonyms"
        assert demonyms, f"{state_id}: empty demonyms"
        for demonym in demonyms:
            assert isinstance(demonym, str), state_id
            assert demonym, f"{state_id}: empty demonym"
        if capital == state["name"]:  # city-state such as Singapore
            continue
        assert capital in cities[state_id], f"{state_id}: capital {capital!r} has no city entry"


def test_demonyms_are_unique_and_not_surface_forms():
    surfaces = surface_index()
    folded = {fold(form) for form in surfaces}
    seen = {}
    for state_id, state in states().items():
        for demonym in state["demonyms"]:
            key = demonym.casefold()
            assert key not in seen, f"demonym {demonym!r} used by {seen.get(key)} and {state_id}"
            assert fold(demonym) not in folded, f"demonym {demonym!r} folds onto a name/alias"
            owner = surfaces.get(key)
            assert owner is None, f"demonym {demonym!r} is also a name/alias of {owner}"
            seen[key] = state_id


def test_only_states_carry_capital_and_demonyms():
    for entry in load_entries():
        if entry["category"] != "state":
            assert "capital" not in entry, entry["id"]
            assert "demonyms" not in entry, entry["id"]


def test_generic_phrases():
    """Agencies, armed forces and foreign ministries carry generic phrases.

    A generic phrase preceded by a country, capital, demonym or possessive ("Seoul's
    intelligence service") resolves to the entity, so within one country a phrase may
    belong to one entity only.
    """
    owners = {}
    for entry in load_entries():
        generic = entry.get("generic")
        phrases = generic or []
        is_foreign_ministry = entry["category"] == "ministry" and "foreign ministry" in phrases
        if entry["category"] in GENERIC_CATEGORIES or is_foreign_ministry:
            assert isinstance(generic, list), f"{entry['id']}: needs generic phrases"
            assert generic, f"{entry['id']}: needs at least one generic phrase"
        if generic is None:
            continue
        assert entry["country"] is not None, f"{entry['id']}: generic phrases need a country"
        for phrase in generic:
            assert phrase, f"{entry['id']}: empty generic phrase"
            assert phrase == phrase.strip().lower(), f"{entry['id']}: {phrase!r} not normalised"
            key = (entry["country"], phrase)
            assert key not in owners, f"{key} claimed by {owners.get(key)} and {entry['id']}"
            owners[key] = entry["id"]


def test_foreign_ministries_of_key_states_are_present():
    generic_owner = {}
    for entry in load_entries():
        for phrase in entry.get("generic") or []:
            generic_owner[(entry["country"], phrase)] = entry["id"]
    key_states = (
        "united-states",
        "russia",
        "ukraine",
        "china",
        "south-korea",
        "north-korea",
        "japan",
    )
    for state_id in key_states:
        assert (state_id, "foreign ministry") in generic_owner, state_id
    assert generic_owner[("south-korea", "foreign ministry")] == "south-korea-foreign-ministry"
    assert generic_owner[("south-korea", "intelligence service")] == "nis-south-korea"


ARTICLE_ACTORS = [
    ("vladimir-putin", "PERSON", {"Putin"}),
    ("john-kirby", "PERSON", {"Kirby"}),
    ("kim-jong-un", "PERSON", {"Kim Jong-un"}),
    ("lloyd-austin", "PERSON", set()),
    ("cho-koo-rae", "PERSON", set()),
    (
        "nis-south-korea",
        "ORG",
        {
            "NIS",
            "National Intelligence Service",
            "South Korea's intelligence service",
            "South Korean intelligence service",
            "Seoul's intelligence service",
        },
    ),
    ("russia", "GPE", set()),
    ("ukraine", "GPE", set()),
    ("north-korea", "GPE", {"DPRK", "Democratic People's Republic of Korea"}),
    ("south-korea", "GPE", {"Republic of Korea", "ROK"}),
    ("united-states", "GPE", {"US", "U.S.", "USA", "United States of America"}),
    ("kursk-oblast", "GPE", {"Kursk region", "Kursk"}),
    ("vladivostok", "GPE", set()),
    ("pyongyang", "GPE", set()),
    ("seoul", "GPE", set()),
    ("moscow", "GPE", set()),
    ("kyiv", "GPE", set()),
    ("washington-dc", "GPE", {"Washington"}),
    ("philippines", "GPE", set()),
    ("china", "GPE", set()),
    ("japan", "GPE", set()),
    ("european-union", "ORG", {"EU"}),
    ("white-house", "ORG", set()),
    ("us-department-of-defense", "ORG", {"Pentagon"}),
    ("kremlin", "ORG", set()),
    ("south-korea-foreign-ministry", "ORG", {"Ministry of Foreign Affairs of South Korea"}),
    ("indo-pacific", "LOC", set()),
    ("asia-pacific", "LOC", set()),
]


@pytest.mark.parametrize(("entity_id", "kind", "aliases"), ARTICLE_ACTORS)
def test_article_actor_present(entity_id, kind, aliases):
    entry = by_id().get(entity_id)
    assert entry is not None, f"missing {entity_id}"
    assert entry["kind"] == kind
    missing = aliases - set(entry["aliases"])
    assert not missing, f"{entity_id}: missing aliases {missing}"


@pytest.mark.parametrize(
    ("surface", "entity_id"),
    [
        ("Seoul's intelligence service", "nis-south-korea"),
        ("south korea's intelligence service", "nis-south-korea"),
        ("Kursk region", "kursk-oblast"),
        ("Vladimir Putin", "vladimir-putin"),
        ("Kim Jong Un", "kim-jong-un"),
        ("Lloyd Austin", "lloyd-austin"),
        ("Cho Koo-rae", "cho-koo-rae"),
        ("DPRK", "north-korea"),
        ("U.S.", "united-states"),
        ("Pentagon", "us-department-of-defense"),
        ("Kremlin", "kremlin"),
        ("White House", "white-house"),
    ],
)
def test_surface_forms_resolve(surface, entity_id):
    assert surface_index().get(surface.casefold()) == entity_id


def test_capitals_of_article_states():
    expected = {
        "south-korea": "Seoul",
        "north-korea": "Pyongyang",
        "russia": "Moscow",
        "ukraine": "Kyiv",
        "china": "Beijing",
        "japan": "Tokyo",
    }
    known_states = states()
    for state_id, capital in expected.items():
        assert known_states[state_id]["capital"] == capital
    assert "South Korean" in known_states["south-korea"]["demonyms"]
    assert "North Korean" in known_states["north-korea"]["demonyms"]


def test_coverage_of_key_actors():
    ids = set(by_id())
    required = {
        "joe-biden",
        "donald-trump",
        "kamala-harris",
        "jd-vance",
        "antony-blinken",
        "jake-sullivan",
        "matthew-miller",
        "karine-jean-pierre",
        "marco-rubio",
        "pete-hegseth",
        "mike-waltz",
        "william-burns",
        "john-ratcliffe",
        "sergei-lavrov",
        "sergei-shoigu",
        "andrei-belousov",
        "maria-zakharova",
        "dmitry-peskov",
        "volodymyr-zelensky",
        "dmytro-kuleba",
        "andrii-sybiha",
        "rustem-umerov",
        "oleksandr-syrskyi",
        "kyrylo-budanov",
        "xi-jinping",
        "li-qiang",
        "wang-yi",
        "dong-jun",
        "mao-ning",
        "lin-jian",
        "yoon-suk-yeol",
        "han-duck-soo",
        "cho-tae-yul",
        "shin-won-sik",
        "kim-yong-hyun",
        "choe-son-hui",
        "kim-yo-jong",
        "jens-stoltenberg",
        "mark-rutte",
        "ursula-von-der-leyen",
        "josep-borrell",
        "kaja-kallas",
        "cia",
        "nsa",
        "dia",
        "odni",
        "fbi",
        "us-state-department",
        "us-national-security-council",
        "gru",
        "fsb",
        "svr",
        "russian-defence-ministry",
        "russian-armed-forces",
        "wagner-group",
        "hur",
        "sbu",
        "armed-forces-of-ukraine",
        "mi6",
        "mi5",
        "gchq",
        "mossad",
        "shin-bet",
        "idf",
        "irgc",
        "korean-peoples-army",
        "reconnaissance-general-bureau",
        "jcs-south-korea",
        "south-korea-defense-ministry",
        "pla",
        "japan-self-defense-forces",
        "mss-china",
        "dgse",
        "bnd",
        "crimea",
        "donetsk-oblast",
        "luhansk-oblast",
        "zaporizhzhia-oblast",
        "kherson-oblast",
        "donbas",
        "belgorod-oblast",
        "taiwan-strait",
        "south-china-sea",
        "gaza-strip",
        "west-bank",
        "golan-heights",
        "nagorno-karabakh",
        "transnistria",
        "abkhazia",
        "south-ossetia",
        "kashmir",
        "korean-demilitarized-zone",
        "kuril-islands",
        "scarborough-shoal",
        "second-thomas-shoal",
        "nato",
        "european-union",
        "united-nations",
        "un-security-council",
        "iaea",
        "asean",
        "brics",
        "sco",
        "csto",
        "g7",
        "g20",
        "aukus",
        "quad",
        "osce",
        "international-criminal-court",
        "african-union",
        "arab-league",
        "opec",
    }
    assert not required - ids, f"missing: {sorted(required - ids)}"


def test_permanent_security_council_members_have_leaders():
    leaders = defaultdict(set)
    for entry in load_entries():
        if entry["category"] in {"head_of_state", "head_of_government"}:
            leaders[entry["country"]].add(entry["id"])
    for state_id in (
        "united-states",
        "russia",
        "china",
        "united-kingdom",
        "france",
        "ukraine",
        "north-korea",
        "south-korea",
    ):
        assert leaders[state_id], f"no head of state/government for {state_id}"
