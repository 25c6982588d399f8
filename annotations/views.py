"""HTML pages. Data comes from the same querysets and services as the API; the pages' scripts
talk to the API for every write. Every object is fetched through a helper that 404s across
teams."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from annotations.context_processors import SESSION_TEAM, current_membership
from annotations.filters import AnnotationFilter, ArticleFilter, EntityFilter
from annotations.forms import SignInForm, ThrottledPasswordResetForm
from annotations.models import (
    TRASH_DAYS,
    Annotation,
    ApiToken,
    Article,
    Entity,
    Membership,
    Mention,
    Outlet,
    Tag,
)
from annotations.rows import tag_dict, user_dict
from annotations.selectors import oversight
from annotations.selectors.annotations import annotation_queryset, annotation_rows
from annotations.selectors.articles import (
    article_get_for_user,
    article_last_event_id,
    articles_with_counts,
)
from annotations.selectors.entities import entities_with_counts, entity_get_for_user
from annotations.selectors.events import live_transport
from annotations.services import password_reset, sign_in


class ThrottledLoginView(auth_views.LoginView):
    """Sign-in through the shared throttle (``services/sign_in.py``): a refused attempt answers
    429 with ``Retry-After``; a successful one makes this browser a known device."""

    form_class = SignInForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.refusal.retry_after)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        sign_in.remember_device(self.request, response, form.get_user())
        return response


def reset_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset request page, limited per client address (429) and per e-mail address
    (``services/password_reset.py``); the same answer whether or not the address is known."""

    form_class = ThrottledPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]
        return {"reset_hours": reset_hours()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = password_reset.reset_refusal(request)
        if refusal is not None:
            response = render(
                request,
                self.template_name,
                {"form": self.form_class(), "refusal": refusal},
                status=429,
            )
            response["Retry-After"] = str(refusal.retry_after)
            return response
        return super().post(request, *args, **kwargs)


class ResetPasswordConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new-password page; a new password also ends the account's sign-in back-off
    (the owner of the mailbox has shown who they are)."""

    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        sign_in.sign_in_reset_account(form.user.get_username())
        return response


@login_required
@require_POST
def team_switch(request: HttpRequest) -> HttpResponse:
    try:
        team_id = int(request.POST.get("team", ""))
    except ValueError:
        team_id = 0
    membership = Membership.objects.filter(user=request.user, team_id=team_id).first()
    if membership is None:
        messages.error(request, "You are not a member of that team.")
    else:
        request.session[SESSION_TEAM] = membership.team_id
    target = request.POST.get("next") or reverse("annotations:article-list")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


def _team_context(request: HttpRequest) -> dict[str, Any]:
    membership = current_membership(request)
    return {
        "team": membership.team if membership else None,
        "role": membership.role if membership else None,
        "can_annotate": bool(membership and membership.role in {"owner", "analyst"}),
        "can_review": bool(membership and membership.role in {"owner", "reviewer"}),
    }


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    context = _team_context(request)
    team = context["team"]
    base = Article.objects.visible_to(request.user).filter(team=team).select_related("outlet")
    articles = articles_with_counts(base.defer("text"), request.user).order_by(
        "-published_at", "-id"
    )
    article_filter = ArticleFilter(request.GET, queryset=articles, request=request)
    rows = list(article_filter.qs[:200]) if article_filter.is_valid() else []
    context.update(
        {
            "articles": rows,
            "filter": article_filter,
            "outlets": Outlet.objects.filter(articles__team=team).distinct().order_by("name"),
            "tags": Tag.objects.filter(team=team),
            "entities": Entity.objects.filter(team=team).order_by("name")[:2000],
        }
    )
    return render(request, "annotations/article_list.html", context)


@login_required
def article_read(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, pk=pk)
    context = _team_context(request)
    membership = Membership.objects.filter(user=request.user, team=article.team).first()
    annotations = annotation_queryset(request.user).filter(article=article).order_by("start", "id")
    mentions = list(
        Mention.objects.filter(article=article, rejected=False)
        .order_by("start")
        .values_list("pk", "start", "end", "entity_id", "label", "origin")
    )
    entity_ids = {m[3] for m in mentions}
    data = {
        "article": {
            "id": article.pk,
            "team": article.team_id,
            "revision": article.revision,
            "nlp_status": article.nlp_status,
        },
        "me": user_dict(request.user),
        "role": membership.role if membership else None,
        "annotations": _reader_annotations(annotations),
        "mentions": [list(m) for m in mentions],
        "entities": {
            str(pk): {"id": pk, "name": name, "kind": kind}
            for pk, name, kind in Entity.objects.filter(pk__in=entity_ids).values_list(
                "pk", "name", "kind"
            )
        },
        "tags": [tag_dict(t) for t in Tag.objects.filter(team=article.team)],
        "live": live_transport(request),
        "last_event": article_last_event_id(article.pk),
        "teammates": [
            user_dict(m.user)
            for m in Membership.objects.filter(team=article.team).select_related("user")
        ],
    }
    context.update(
        {
            "article": article,
            "paragraphs": _paragraphs(article.text),
            "reader_data": data,
            "annotation_count": len(data["annotations"]),
        }
    )
    return render(request, "annotations/article_read.html", context)


# What the reader's scripts read of an annotation; the API's fuller shape replaces an entry
# when it is re-fetched. Tags travel as ids: the page has the team's tags already.
READER_FIELDS = (
    "id",
    "start",
    "end",
    "exact",
    "comment",
    "assessment",
    "attributed_to",
    "attributed_to_entity",
    "author",
    "visibility",
    "anchor_state",
    "suggestion_state",
    "review_state",
    "reply_count",
    "version",
)


def _reader_annotations(queryset: Any) -> list[dict[str, Any]]:
    rows = []
    for full in annotation_rows(queryset):
        row = {name: full[name] for name in READER_FIELDS}
        row["tags"] = [tag["id"] for tag in full["tags"]]
        row["author"] = {"id": full["author"]["id"], "name": full["author"]["name"]}
        rows.append(row)
    return rows


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """(code point offset, text) of each line; the "\\n" between them is not drawn."""
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    return render(request, "annotations/import.html", _team_context(request))


@login_required
def entity_list(request: HttpRequest) -> HttpResponse:
    context = _team_context(request)
    base = (
        entities_with_counts(request.user)
        .filter(team=context["team"])
        .order_by("-mention_count", "name")
    )
    entity_filter = EntityFilter(request.GET, queryset=base, request=request)
    context.update(
        {
            "entities": list(entity_filter.qs[:500]) if entity_filter.is_valid() else [],
            "filter": entity_filter,
            "kinds": Entity.Kind.choices,
        }
    )
    return render(request, "annotations/entity_list.html", context)


@login_required
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entity = entity_get_for_user(user=request.user, pk=pk)
    mentions = list(
        Mention.objects.filter(entity=entity, rejected=False)
        .select_related("article")
        .order_by("-article__published_at", "article_id", "start")[:1000]
    )
    articles: dict[int, dict[str, Any]] = {}
    for mention in mentions:
        entry = articles.setdefault(
            mention.article_id, {"article": mention.article, "mentions": []}
        )
        text = mention.article.text
        entry["mentions"].append(
            {
                "mention": mention,
                "before": text[max(0, mention.start - 60) : mention.start],
                "after": text[mention.end : mention.end + 60],
            }
        )
    claims = (
        annotation_queryset(request.user)
        .filter(attributed_to_entity=entity)
        .exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
        .select_related("article", "author", "attributed_to_entity")
        .prefetch_related("tags")
        .order_by("-created_at")[:500]
    )
    context = _team_context(request)
    context.update(
        {
            "entity": entity,
            "articles": list(articles.values()),
            "mention_count": len(mentions),
            "claims": claims,
            "entity_json": json.dumps({"id": entity.pk}),
        }
    )
    return render(request, "annotations/entity_detail.html", context)


@login_required
def trash(request: HttpRequest) -> HttpResponse:
    """Deleted annotations the user may restore: their own, or all of a team they own."""
    context = _team_context(request)
    rows = (
        Annotation.objects.trash_of(request.user)
        .filter(team=context["team"])
        .select_related("article", "author", "deleted_by")
        .prefetch_related("tags")
        .order_by("-deleted_at")[:500]
    )
    context.update({"rows": rows, "trash_days": TRASH_DAYS})
    return render(request, "annotations/trash.html", context)


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; the page's script creates and revokes them through the API."""
    context = _team_context(request)
    context["tokens"] = ApiToken.objects.visible_to(request.user)[:1000]
    context["now"] = timezone.now()
    return render(request, "annotations/tokens.html", context)


# --- Team review and oversight (the data comes from annotations.selectors.oversight) ---


def _with_share(rows: list[dict[str, Any]], key: str = "count") -> list[dict[str, Any]]:
    """Each row's ``share``: its count as a percentage of the largest, for the bar charts."""
    top = max((row[key] for row in rows), default=0)
    return [{**row, "share": round(100 * row[key] / top) if top else 0} for row in rows]


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The team's annotations awaiting a verdict, submitted first, then disputed, then those
    with changes requested; the oldest first in each group."""
    from django.db.models import Count

    from annotations.models import Review

    context = _team_context(request)
    team = context["team"]
    groups: list[dict[str, Any]] = []
    total = 0
    queue_filter = None
    if team is not None:
        base = oversight.review_queue(user=request.user, team=team)
        queue_filter = AnnotationFilter(request.GET, queryset=base, request=request)
        if queue_filter.is_valid():
            rows = queue_filter.qs
            counts = dict(rows.order_by().values_list("review_state").annotate(n=Count("pk")))
            total = sum(counts.values())
            items = oversight.queue_details(list(rows[: oversight.QUEUE_LIMIT]), user=request.user)
            labels = dict(Annotation.ReviewState.choices)
            for state in oversight.QUEUE_STATES:
                groups.append(
                    {
                        "state": state,
                        "label": labels[state],
                        "count": counts.get(state, 0),
                        "items": [a for a in items if a.review_state == state],
                    }
                )
        context.update(
            {
                "articles": Article.objects.filter(
                    pk__in=base.order_by().values("article_id")
                ).only("id", "title"),
                "tags": Tag.objects.filter(team=team),
                "authors": Membership.objects.filter(team=team)
                .select_related("user")
                .order_by("user__username"),
            }
        )
    context.update(
        {
            "groups": groups,
            "total": total,
            "shown": sum(len(g["items"]) for g in groups),
            "filter": queue_filter,
            "assessments": Annotation.Assessment.choices,
            "queue_limit": oversight.QUEUE_LIMIT,
            "review_config": {
                "me": request.user.pk,
                "allowed": oversight.allowed_verdicts(),
                "states": dict(Annotation.ReviewState.choices),
                "verdicts": dict(Review.Verdict.choices),
            },
        }
    )
    return render(request, "annotations/review_queue.html", context)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts by tag, assessment, review state and reviewer; claims by entity; activity."""

    context = _team_context(request)
    team = context["team"]
    if team is not None:
        data = oversight.dashboard(user=request.user, team=team)
        data["by_tag"] = _with_share(data["by_tag"])
        data["by_assessment"] = _with_share(data["by_assessment"])
        data["by_review_state"] = _with_share(data["by_review_state"])
        data["top_claim_entities"] = _with_share(data["top_claim_entities"], "claims")
        context.update({"data": data, "claims_limit": oversight.CLAIMS_LIMIT})
    return render(request, "annotations/dashboard.html", context)


def _agreement_context(request: HttpRequest) -> dict[str, Any]:

    context = _team_context(request)
    team = context["team"]
    report = oversight.agreement_report(user=request.user, team=team) if team else []
    compared = {figures.article.pk for figures in report}
    others = (
        Article.objects.filter(team=team)
        .exclude(pk__in=compared)
        .only("id", "title", "blind", "published_at")
        .order_by("-published_at", "-id")[:100]
        if team
        else []
    )
    context.update(
        {
            "report": report,
            "other_articles": others,
            "can_manage": context["role"] == Membership.Role.OWNER,
        }
    )
    return context


@login_required
def agreement(request: HttpRequest) -> HttpResponse:
    """Inter-annotator agreement per article and per pair of analysts; blind mode."""
    return render(request, "annotations/agreement.html", _agreement_context(request))


@login_required
def agreement_csv(request: HttpRequest) -> HttpResponse:
    """The agreement figures as CSV, one row per pair of analysts on an article."""
    from django.http import Http404

    context = _team_context(request)
    team = context["team"]
    if team is None:
        raise Http404("You are not in a team.")
    body = oversight.agreement_csv(oversight.agreement_report(user=request.user, team=team))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agreement-{team.slug}.csv"'
    return response
