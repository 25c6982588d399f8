"""The analyses pages (views/analyses.py): the list shows the user's teams' analyses only, the
matrix page 404s across teams, and user text is escaped in the page and its embedded JSON."""

from __future__ import annotations

from django.test import Client

from annotations.services.ach import ach_create


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_and_matrix_pages(team_a, alice, carol, victor):
    analysis = ach_create(
        user=alice, team=team_a, question="<script>alert(1)</script>?", hypotheses=["<b>x</b>"]
    )
    page = client_for(alice).get("/analyses/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;?" in body
    assert "<script>alert(1)" not in body
    assert 'id="analysis-form"' in body  # analysts may start one
    matrix = client_for(alice).get(f"/analyses/{analysis.pk}/")
    assert matrix.status_code == 200
    html = matrix.content.decode()
    assert "<script>alert(1)" not in html
    assert "<b>x</b>" not in html  # in the embedded JSON as \\u003C
    assert 'data-can-edit="true"' in html
    viewer = client_for(victor).get(f"/analyses/{analysis.pk}/")
    assert viewer.status_code == 200
    assert 'data-can-edit="false"' in viewer.content.decode()
    assert 'id="analysis-form"' not in client_for(victor).get("/analyses/").content.decode()
    assert client_for(carol).get(f"/analyses/{analysis.pk}/").status_code == 404
    assert "alert(1)" not in client_for(carol).get("/analyses/").content.decode()
    assert Client().get("/analyses/").status_code == 302
