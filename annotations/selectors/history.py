"""An annotation's history as a person reads it: per version, the fields that changed, with
labels instead of codes, the source's quote instead of its id, and text changes as runs of
kept, deleted and inserted text.

The word diff is Python's ``difflib.SequenceMatcher`` on tokens that keep their whitespace
(words, spaces and punctuation are tokens of their own), so joining a side's runs gives back
that side's text exactly. A stretch of only whitespace between two changes joins them, so
"check against the 18 Oct. briefing" → "check of NIS briefing" reads as one deletion and one
insertion rather than alternating words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypedDict

from django.contrib.auth.models import AnonymousUser, User

from annotations.models import Annotation, AnnotationVersion

type Op = Literal["=", "-", "+"]


class Change(TypedDict, total=False):
    field: str
    label: str
    runs: list[tuple[Op, str]]  # text fields changed: kept, deleted and inserted runs
    before: str  # other fields changed: the value before, as a person reads it
    after: str  # the value after (alone on the first version)


# (snapshot key, label), in the order a reader scans them. Offsets, prefix/suffix, the text
# revision and the trash flag are left out: the version's action already says "Moved to the
# trash", and offsets mean nothing to a reader.
FIELDS: tuple[tuple[str, str], ...] = (
    ("exact", "Quote"),
    ("tags", "Tags"),
    ("comment", "Comment"),
    ("assessment", "Assessment"),
    ("attributed_to", "Source"),
    ("attributed_to_entity", "Claimed by"),
    ("visibility", "Visibility"),
    ("review_state", "Review state"),
    ("anchor_state", "Anchoring"),
    ("suggestion_state", "Suggestion"),
)
TEXT_FIELDS = frozenset({"exact", "comment"})
CHOICES: dict[str, dict[str, str]] = {
    "assessment": dict(Annotation.Assessment.choices),
    "visibility": dict(Annotation.Visibility.choices),
    "review_state": dict(Annotation.ReviewState.choices),
    "anchor_state": dict(Annotation.AnchorState.choices),
    "suggestion_state": dict(Annotation.SuggestionState.choices),
}
# Past this many word tokens on either side (about 5,000 characters) the diff runs on sentences;
# past this many sentences, it is one deletion and one insertion. SequenceMatcher's time grows
# faster than the token count: 600 tokens take about 15 ms, 1,000 about 65 ms.
MAX_TOKENS = 1500
QUOTE_CHARS = 80
TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)\s*")
UNSEEN_SOURCE = "an annotation you cannot see"


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def word_diff(before: str, after: str) -> list[tuple[Op, str]]:
    """Runs of ("=", kept), ("-", deleted) and ("+", inserted) text; each side's runs join
    back into that side's text."""
    a, b = tokens(before), tokens(after)
    if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
        # Long texts: sentences and lines as tokens, so the diff stays within milliseconds.
        a, b = SENTENCE.findall(before), SENTENCE.findall(after)
        if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
            return _merge([("-", before), ("+", after)])
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    blocks: list[tuple[str, str, str]] = []  # (kind, deleted, inserted) or ("=", kept, kept)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        blocks.append(("=", old, new) if tag == "equal" else ("~", old, new))
    # A kept stretch of whitespace alone between two changes joins them into one change.
    joined: list[tuple[str, str, str]] = []
    for index, block in enumerate(blocks):
        kind, old, new = block
        between = 0 < index < len(blocks) - 1 and kind == "=" and not old.strip()
        if between and joined and joined[-1][0] == "~" and blocks[index + 1][0] == "~":
            kind = "~"
        if kind == "~" and joined and joined[-1][0] == "~":
            _, last_old, last_new = joined.pop()
            joined.append(("~", last_old + old, last_new + new))
        else:
            joined.append((kind, old, new))
    runs: list[tuple[Op, str]] = []
    for kind, old, new in joined:
        if kind == "=":
            runs.append(("=", old))
        else:
            runs += [("-", old), ("+", new)]
    return _merge(runs)


def _merge(runs: Iterable[tuple[Op, str]]) -> list[tuple[Op, str]]:
    out: list[tuple[Op, str]] = []
    for op, text in runs:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return out


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rstrip() + "…"
    return f"“{text}”"


def _shown(field: str, value: Any, sources: dict[int, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field == "tags":
        return ", ".join(str(tag["name"]) for tag in value)
    if field == "attributed_to_entity":
        return str(value["name"])
    if field == "attributed_to":
        return sources.get(int(value), UNSEEN_SOURCE)
    if field in CHOICES:
        return CHOICES[field].get(str(value), str(value))
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def version_changes(
    previous: dict[str, Any] | None, current: dict[str, Any], *, sources: dict[int, str]
) -> list[Change]:
    """What a version changed from the one before it (the first: what it said)."""
    out: list[Change] = []
    for field, label in FIELDS:
        after = current.get(field)
        if previous is None:
            if _empty(after) or (field == "suggestion_state" and after == ""):
                continue
            if field in {"anchor_state", "review_state"} and after in {"anchored", "draft"}:
                continue  # the defaults say nothing on a new annotation
            out.append({"field": field, "label": label, "after": _shown(field, after, sources)})
            continue
        before = previous.get(field)
        if field == "tags":
            same = [t.get("id") for t in before or []] == [t.get("id") for t in after or []]
        elif field == "attributed_to_entity":
            same = (before or {}).get("id") == (after or {}).get("id")
        else:
            same = before == after
        if same:
            continue
        if field in TEXT_FIELDS and isinstance(before, str) and isinstance(after, str):
            out.append({"field": field, "label": label, "runs": word_diff(before, after)})
        else:
            out.append(
                {
                    "field": field,
                    "label": label,
                    "before": _shown(field, before, sources),
                    "after": _shown(field, after, sources),
                }
            )
    return out


def source_quotes(user: User | AnonymousUser, ids: Iterable[int]) -> dict[int, str]:
    """The quotes of the source annotations the user may see, by id (others stay unnamed)."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    rows = Annotation.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", "exact")
    return {pk: _quote(exact) for pk, exact in rows}


def annotation_history(user: User | AnonymousUser, annotation: Annotation) -> list[dict[str, Any]]:
    """Every version of an annotation the user may see, oldest first, each with its changes."""
    versions: Sequence[AnnotationVersion] = list(
        AnnotationVersion.objects.filter(annotation=annotation).select_related("actor")
    )
    sources = source_quotes(
        user, (v.snapshot["attributed_to"] for v in versions if v.snapshot.get("attributed_to"))
    )
    labels = dict(AnnotationVersion.Action.choices)
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for version in versions:
        out.append(
            {
                "version": version,
                "action_label": labels.get(version.action, version.action),
                "changes": version_changes(previous, version.snapshot, sources=sources),
            }
        )
        previous = version.snapshot
    return out
