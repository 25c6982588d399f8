"""Per-language analysis, team corrections and "not the same" in the linker (no database)."""

from __future__ import annotations

from annotations.nlp import analyze
from annotations.nlp.corrections import LearnedEntity, TeamCorrections
from annotations.nlp.detection import detect_language, detect_languages
from annotations.nlp.languages import full_ner_available, route

KIM = (
    "North Korean leader Kim Jong Un inspected a missile launch on Tuesday, state media said. "
    "Kim watched the test from a command post."
)


def _by_text(analysis):
    return {m.text: m for m in analysis.mentions}


def test_the_linker_ties_a_short_form_unless_the_team_said_not_the_same() -> None:
    plain = _by_text(analyze(KIM))
    assert plain["Kim"].key == plain["Kim Jong Un"].key
    blocked = TeamCorrections(
        not_same=frozenset({frozenset({"name:PERSON:kim", "gaz:kim-jong-un"})})
    )
    judged = _by_text(analyze(KIM, corrections=blocked))
    assert judged["Kim Jong Un"].key == "gaz:kim-jong-un"
    assert judged["Kim"].key != "gaz:kim-jong-un"


def test_learned_names_replace_what_they_overlap_and_rejected_names_go() -> None:
    text = "Lawmaker Park Sun-won met officials in Geneva and Moscow."
    corrections = TeamCorrections(
        names={"Park Sun-won": LearnedEntity(entity_id=7, kind="PERSON", name="Park Sun-won")},
        rejected=frozenset({"geneva"}),
    )
    found = _by_text(analyze(text, corrections=corrections))
    assert found["Park Sun-won"].key == "entity:7"
    assert not any(m.text != "Park Sun-won" and "Park" in m.text for m in found.values())
    assert "Geneva" not in found
    assert "Moscow" in found


def test_a_learned_short_name_does_not_cut_a_longer_one() -> None:
    corrections = TeamCorrections(
        names={"Kim": LearnedEntity(entity_id=3, kind="PERSON", name="Kim Yo Jong")}
    )
    found = _by_text(analyze(KIM, corrections=corrections))
    assert found["Kim Jong Un"].key == "gaz:kim-jong-un"
    assert found["Kim"].key == "entity:3"


def test_french_gets_the_french_pipeline_with_english_labels() -> None:
    text = "Le président Emmanuel Macron a reçu Vladimir Poutine à l'Élysée. Jean Dupont a refusé."
    found = _by_text(analyze(text, language="fr"))
    assert found["Vladimir Poutine"].key == "gaz:vladimir-putin"
    assert found["Emmanuel Macron"].kind == "PERSON"
    assert found["Jean Dupont"].key == "name:PERSON:jean dupont"  # the statistical model's
    assert not analyze(text, language="fr").attributions


def test_other_languages_get_the_gazetteers_names_in_that_language() -> None:
    korean = _by_text(analyze("푸틴은 김정은과 평양에서 만났다.", language="ko"))
    assert korean["푸틴"].key == "gaz:vladimir-putin"
    assert korean["김정은"].key == "gaz:kim-jong-un"
    assert korean["평양"].key == "gaz:pyongyang"
    russian = _by_text(analyze("Владимир Путин прибыл в Пхеньян.", language="ru"))
    assert russian["Владимир Путин"].key == "gaz:vladimir-putin"


def test_routes_and_detection() -> None:
    assert [route(c) for c in ("en", "en-GB", "fr", "ru", "und", "")] == [
        "en",
        "en",
        "fr",
        "names",
        "names",
        "names",
    ]
    assert full_ner_available("fr")
    assert not full_ner_available("ko")
    assert (
        detect_language("Der Bundeskanzler sagte am Dienstag, die Gespräche würden fortgesetzt.")
        == "de"
    )
    assert detect_languages(
        ["", "ok", "Президент заявил во вторник, что переговоры продолжатся."]
    ) == [
        "und",
        "und",
        "ru",
    ]
