"""Static files are served the same way in every environment: with DEBUG off and nothing
collected (`manage.py runserver` as the README starts it), and from collectstatic's hashed files
in production."""

from __future__ import annotations

import mimetypes
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.test_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "static"
TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
STATIC_URL = re.compile(r"""(?:href|src|from)\s*=?\s*["'](/static/[^"']+)["']""")


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _expected_type(path: str) -> str:
    return TYPES.get(Path(path).suffix) or mimetypes.guess_type(path)[0] or ""


def _assert_served(response, path: Path) -> None:
    assert response.status_code == 200, path
    assert response["Content-Type"].split(";")[0] == _expected_type(path.name)
    assert _body(response) == path.read_bytes()


def test_every_static_file_is_served_without_debug_and_without_collectstatic(
    client, settings, tmp_path
):
    assert settings.DEBUG is False
    settings.STATIC_ROOT = tmp_path / "nothing-collected"
    files = [path for path in sorted(SOURCES.rglob("*")) if path.is_file()]
    assert any(path.name == "app.css" for path in files)
    for path in files:
        url = "/static/" + path.relative_to(SOURCES).as_posix()
        _assert_served(client.get(url), path)


def test_the_pages_css_and_scripts_are_served_without_debug(client, alice, article, settings):
    assert settings.DEBUG is False
    client.force_login(alice)
    urls: set[str] = set()
    for page in ("/login/", "/", f"/articles/{article.pk}/"):
        html = client.get(page).content.decode()
        urls |= set(STATIC_URL.findall(html))
    assert {"/static/annotations/app.css", "/static/annotations/reader.js"} <= urls
    for url in sorted(urls):
        _assert_served(client.get(url), SOURCES / url.removeprefix("/static/"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, deadline: float) -> tuple[int, str, bytes]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (local server)
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), b""
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_runserver_without_debug_serves_css_and_javascript(tmp_path):
    port = _free_port()
    dropped = {"NEWSNOTES_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "NEWSNOTES_ENV", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env |= {"NEWSNOTES_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        for name in ("annotations/app.css", "annotations/reader.js"):
            status, content_type, body = _get(f"http://127.0.0.1:{port}/static/{name}", deadline)
            assert (status, content_type.split(";")[0]) == (200, _expected_type(name))
            assert body == (SOURCES / name).read_bytes()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output


# In production collectstatic writes hashed, compressed copies and WhiteNoise serves those.
PRODUCTION_CHECK = """
from django.templatetags.static import static
from django.test import Client
url = static("annotations/app.css")
response = Client().get(url, secure=True, HTTP_HOST="newsnotes.example.org")
print(url, response.status_code, response["Content-Type"], response["Cache-Control"], sep="|")
"""


def test_production_serves_the_collected_hashed_files(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"NEWSNOTES_DEBUG", "SECRET_KEY"}}
    env |= PRODUCTION_ENV | {"STATIC_ROOT": str(tmp_path / "static")}

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("collectstatic", "--noinput", "--verbosity", "0")
    output = manage("shell", "--no-imports", "-c", PRODUCTION_CHECK).strip()
    url, status, content_type, cache_control = output.split("|")
    assert re.fullmatch(r"/static/annotations/app\.[0-9a-f]{12}\.css", url)
    assert (status, content_type.split(";")[0]) == ("200", "text/css")
    assert "immutable" in cache_control
