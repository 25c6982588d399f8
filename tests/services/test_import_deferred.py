"""A bulk import leaves language detection and the text's search row to the analysis job.

import_jsonl writes the articles, their revisions and a search row of their title, outlet and
authors; articles_analyze, which parses the text anyway, detects the languages the lines did
not state and writes the whole search row in that language's configuration. Without an
analysis to follow, the import does both itself.
"""

from __future__ import annotations

import json

from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from annotations.models import Article, Job, SearchEntry
from annotations.selectors.search import search
from annotations.services import analysis
from annotations.services.imports import import_jsonl
from annotations.services.search_index import search_reindex

ENGLISH = {
    "title": "Quagga sighting near Kherson",
    "text": "Officials said on Tuesday that the okapi convoy had crossed the river at dawn "
    "and that more vehicles were expected to follow before the end of the week.",
    "outlet": "Steppe Wire",
}
FRENCH = {
    "title": "Les pourparlers reprennent",
    "text": "Le ministre a déclaré mardi que les négociations avec le gouvernement se "
    "poursuivraient à Genève la semaine prochaine, malgré les désaccords sur le calendrier.",
}
STATED = {
    "title": "Stated language",
    "text": "Officials said on Wednesday that the talks about the grain corridor would go on.",
    "language": "de",
}


def _lines(*records: dict) -> list[bytes]:
    return [json.dumps(r).encode() for r in records]


def _ids(results, kind: str = "article") -> list[int]:
    return [hit.id for hit in results.kinds[kind].hits]


def _search_rows(team) -> list[tuple]:
    return sorted(
        SearchEntry.objects.filter(team=team, kind=SearchEntry.Kind.ARTICLE).values_list(
            "object_id", "title", "body", "config"
        )
    )


def test_an_import_with_analysis_to_follow_is_found_by_title_at_once_and_by_text_after_it(
    team_a, alice
):
    report = import_jsonl(team=team_a, user=alice, lines=_lines(ENGLISH, FRENCH, STATED))
    english, french, stated = report.created
    # The job is queued on commit; the test's transaction has not committed, so it has not run.
    languages = dict(Article.objects.filter(team=team_a).values_list("pk", "language"))
    assert languages == {english: "", french: "", stated: "de"}
    assert _ids(search(alice, "quagga")) == [english]
    assert _ids(search(alice, "Steppe")) == [english]  # the outlet is in the first row too
    assert _ids(search(alice, "okapi")) == []  # a word of the text only: not yet

    done = analysis.articles_analyze(article_ids=report.created)
    assert done.articles == 3
    languages = dict(Article.objects.filter(team=team_a).values_list("pk", "language"))
    assert languages == {english: "en", french: "fr", stated: "de"}  # a stated one is kept
    assert _ids(search(alice, "okapi")) == [english]
    cache.clear()  # the teams' search configurations are cached for a minute
    assert _ids(search(alice, "négociations")) == [french]
    configs = {row[0]: row[3] for row in _search_rows(team_a)}
    assert configs == {english: "english", french: "french", stated: "german"}
    # What the job wrote is what a rebuild writes.
    before = _search_rows(team_a)
    search_reindex(team_id=team_a.pk)
    assert _search_rows(team_a) == before


def test_the_queued_job_completes_a_bulk_import(team_a, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = import_jsonl(team=team_a, user=alice, lines=_lines(ENGLISH))
    job = Job.objects.get(pk=report.job_id)
    assert job.status == Job.Status.SUCCEEDED
    assert Article.objects.get(pk=report.created[0]).language == "en"
    assert _ids(search(alice, "okapi")) == report.created


def test_an_import_without_analysis_detects_and_indexes_the_text_itself(team_a, alice):
    report = import_jsonl(team=team_a, user=alice, lines=_lines(ENGLISH, FRENCH), analyze=False)
    english, french = report.created
    languages = dict(Article.objects.filter(team=team_a).values_list("pk", "language"))
    assert languages == {english: "en", french: "fr"}
    assert _ids(search(alice, "okapi")) == [english]
    assert not Job.objects.filter(team=team_a).exists()
    before = _search_rows(team_a)
    search_reindex(team_id=team_a.pk)
    assert _search_rows(team_a) == before


def test_the_import_command_defers_to_the_analysis_it_runs_and_not_otherwise(
    team_a, team_b, tmp_path, capsys
):
    path = tmp_path / "one.jsonl"
    path.write_bytes(b"\n".join(_lines(ENGLISH)))
    call_command("import_articles", str(path), team=team_a.slug, analyze="no")
    call_command("import_articles", str(path), team=team_b.slug, analyze="now")
    for team in (team_a, team_b):
        article = Article.objects.get(team=team)
        assert article.language == "en"
        assert "okapi" in SearchEntry.objects.get(team=team, object_id=article.pk).body


def test_watchlists_match_each_batch_once_its_search_rows_are_written(team_a, alice, monkeypatch):
    """The features that follow analysis run per batch, in its transaction; watchlists read
    the batch's full search rows, so those must be written first."""
    from annotations.models import SearchEntry

    report = import_jsonl(
        team=team_a, user=alice, lines=_lines(ENGLISH, FRENCH, STATED), analyze=False
    )
    calls: list[tuple[list[int], int, int]] = []

    def match(*, article_ids: list[int]) -> None:
        done = Article.objects.filter(pk__in=article_ids, nlp_status=Article.NlpStatus.DONE)
        indexed = SearchEntry.objects.filter(
            kind=SearchEntry.Kind.ARTICLE, object_id__in=article_ids
        ).exclude(body="")
        calls.append((article_ids, done.count(), indexed.count()))

    monkeypatch.setattr(analysis, "watchlists_match_articles", match)
    analysis.articles_analyze(article_ids=report.created, batch_size=2)
    assert calls == [(report.created[:2], 2, 2), (report.created[2:], 1, 1)]


def test_the_reader_shows_no_language_notice_before_the_language_is_known(team_a, alice, client):
    report = import_jsonl(team=team_a, user=alice, lines=_lines(ENGLISH, STATED))
    english, stated = report.created
    client.force_login(alice)

    def notice(pk: int) -> bool:
        page = client.get(reverse("annotations:article-read", args=[pk]))
        assert page.status_code == 200
        return b"data-language-notice" in page.content

    assert not notice(english)  # not detected yet
    assert notice(stated)  # German: gazetteer names only, and the reader says so
    analysis.articles_analyze(article_ids=[english])
    assert not notice(english)  # English


def test_a_language_stated_while_the_batch_parsed_is_kept(team_a, alice, monkeypatch):
    report = import_jsonl(team=team_a, user=alice, lines=_lines(ENGLISH))
    real = analysis._read_chunk

    def read_then_state(ids):
        chunk = real(ids)  # detected "en" here
        Article.objects.filter(pk__in=ids).update(language="de")  # an analyst says German
        return chunk

    monkeypatch.setattr(analysis, "_read_chunk", read_then_state)
    analysis.articles_analyze(article_ids=report.created)
    assert Article.objects.get(pk=report.created[0]).language == "de"
    assert [row[3] for row in _search_rows(team_a)] == ["german"]
