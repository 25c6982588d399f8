"""The pipeline learns from the team's corrections, and each article gets its language's
analysis: detection at import, French NER, names in other languages, cross-language links."""

from __future__ import annotations

import json

from annotations.models import Article, Entity, LearnedName, Mention
from annotations.services import analysis
from annotations.services.entities import entity_create, mention_create, mention_reject
from annotations.services.imports import import_jsonl, import_text
from tests.factories import make_article

HYPHENATED = "Lawmaker Park Sun-won told reporters the committee would meet again."
LATER = "The committee chairman, Park Sun-won, rejected the report on Thursday."
FRENCH = (
    "Le président russe Vladimir Poutine a rencontré Emmanuel Macron à Moscou mardi. "
    "Selon John Kirby, porte-parole de la Maison-Blanche, les États-Unis soutiennent l'Ukraine "
    "et l'OTAN renforcera sa présence à l'est de l'Europe."
)
ENGLISH = (
    "Russian President Vladimir Putin met Emmanuel Macron in Moscow on Tuesday. White House "
    "spokesman John Kirby said the United States backs Ukraine and NATO will reinforce its "
    "eastern flank."
)
RUSSIAN = (
    "Президент России Владимир Путин заявил во вторник, что Россия не намерена вести переговоры "
    "с НАТО, пока Украина получает оружие от США."  # noqa: RUF001 (Russian text)
)


def _analyse(*articles):
    analysis.articles_analyze(article_ids=[a.pk for a in articles])


def _texts(article):
    return {m.text: m for m in Mention.objects.filter(article=article, rejected=False)}


def test_a_name_an_analyst_marks_is_recognised_in_later_articles(team_a, team_b, alice, carol):
    first = make_article(team=team_a, text=HYPHENATED)
    _analyse(first)
    park = entity_create(team=team_a, name="Park Sun-won", kind="PERSON")
    start = HYPHENATED.index("Park Sun-won")
    mention_create(article_id=first.pk, entity=park, start=start, end=start + 12, actor=alice)
    assert LearnedName.objects.get(team=team_a).entity == park

    later = make_article(team=team_a, text=LATER, title="Later")
    elsewhere = make_article(team=team_b, text=LATER, title="Other team")
    _analyse(later, elsewhere)

    found = _texts(later)["Park Sun-won"]
    assert found.entity == park
    assert LATER[found.start : found.end] == "Park Sun-won"
    other = _texts(elsewhere).get("Park Sun-won")
    assert other is None or other.entity.team == team_b  # team B learned nothing


def test_a_rejected_mention_is_not_suggested_again_in_the_team(team_a, team_b, alice):
    text = "Kirby said the AI talks in Geneva would resume. Moscow did not comment."
    first = make_article(team=team_a, text=text)
    _analyse(first)
    wrong = _texts(first)["Geneva"]
    mention_reject(mention=wrong, actor=alice)

    later = make_article(team=team_a, text=text.replace("resume", "restart"), title="Later")
    elsewhere = make_article(team=team_b, text=text, title="Other team")
    _analyse(later, elsewhere)

    assert "Geneva" not in _texts(later)
    assert "Moscow" in _texts(later)  # only the rejected name goes
    assert "Geneva" in _texts(elsewhere)


def test_marking_a_rejected_name_again_teaches_it_back(team_a, alice):
    text = "Officials in Geneva said the talks would resume."
    first = make_article(team=team_a, text=text)
    _analyse(first)
    geneva = _texts(first)["Geneva"]
    mention_reject(mention=geneva, actor=alice)
    entity = geneva.entity
    other = make_article(team=team_a, text="Geneva hosted the talks.", title="Second")
    mention_create(article_id=other.pk, entity=entity, start=0, end=6, actor=alice)
    later = make_article(team=team_a, text="Delegates left Geneva on Friday.", title="Later")
    _analyse(later)
    assert _texts(later)["Geneva"].entity == entity


def test_language_is_detected_at_import_unless_stated(team_a, alice):
    english, _ = import_text(team=team_a, user=alice, text=ENGLISH, analyze=False)
    french, _ = import_text(team=team_a, user=alice, text=FRENCH, analyze=False)
    stated, _ = import_text(
        team=team_a, user=alice, text=ENGLISH + " Stated.", language="de", analyze=False
    )
    short, _ = import_text(team=team_a, user=alice, text="Kim Jong Un", analyze=False)
    assert (english.language, french.language, stated.language, short.language) == (
        "en",
        "fr",
        "de",
        "und",
    )
    lines = [
        json.dumps({"text": RUSSIAN, "title": "ru"}),
        json.dumps({"text": FRENCH + " Bis.", "title": "fr"}),
        json.dumps({"text": ENGLISH + " Bis.", "title": "stated", "language": "es"}),
    ]
    report = import_jsonl(team=team_a, user=alice, lines=lines, analyze=False)
    languages = dict(Article.objects.filter(pk__in=report.created).values_list("title", "language"))
    assert languages == {"ru": "ru", "fr": "fr", "stated": "es"}


def test_a_french_and_an_english_article_link_to_the_same_entities(team_a):
    french = make_article(team=team_a, text=FRENCH, language="fr", title="FR")
    english = make_article(team=team_a, text=ENGLISH, language="en", title="EN")
    _analyse(french, english)
    fr, en = _texts(french), _texts(english)
    pairs = [
        ("Vladimir Poutine", "Vladimir Putin"),
        ("Emmanuel Macron", "Emmanuel Macron"),
        ("John Kirby", "John Kirby"),
        ("Moscou", "Moscow"),
        ("Maison-Blanche", "White House"),
        ("États-Unis", "United States"),
        ("OTAN", "NATO"),
    ]
    for french_name, english_name in pairs:
        assert fr[french_name].entity_id == en[english_name].entity_id, french_name
    assert fr["Vladimir Poutine"].entity.kind == "PERSON"


def test_the_english_pipeline_runs_only_on_english(team_a):
    russian = make_article(team=team_a, text=RUSSIAN, language="ru", title="RU")
    _analyse(russian)
    found = _texts(russian)
    assert {m.entity.name for m in found.values()} >= {
        "Vladimir Putin",
        "Russia",
        "NATO",
        "Ukraine",
        "United States",
    }
    assert {m.origin for m in found.values()} == {"gazetteer"}  # no statistical NER
    assert not russian.annotations.exists()  # and no suggested claims
    putin = Entity.objects.get(team=team_a, name="Vladimir Putin")
    assert found["Владимир Путин"].entity == putin
