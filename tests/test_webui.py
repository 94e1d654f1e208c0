"""The static UI responses: content types, caching, security headers, refusals."""

import pytest

from chalicelib import webui


@pytest.fixture
def build(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><script type="module" src="./assets/index-abc123.js"></script>'
    )
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('hi')")
    (tmp_path / "assets" / "index-def456.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("not for the web")
    (tmp_path / "sw.js").write_text("self.addEventListener('install', () => {})")
    (tmp_path / "manifest.webmanifest").write_text('{"name": "StudyTracker"}')
    return tmp_path


@pytest.mark.parametrize("path", ["", "/", "index.html", "/index.html"])
def test_page_is_served_at_the_root_and_as_index_html(build, path):
    status, headers, body = webui.asset(path, root=build)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.startswith(b"<!doctype html>")


def test_page_is_never_cached_so_a_deploy_shows_at_once(build):
    _, headers, _ = webui.asset("", root=build)
    assert headers["Cache-Control"] == "no-cache"


def test_page_carries_the_security_headers(build):
    _, headers, _ = webui.asset("", root=build)
    policy = [part.strip() for part in headers["Content-Security-Policy"].split(";")]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "base-uri 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "connect-src 'self' https://*.amazoncognito.com" in policy
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("index-abc123.js", "text/javascript; charset=utf-8"),
        ("index-def456.css", "text/css; charset=utf-8"),
    ],
)
def test_hashed_assets_have_their_type_and_are_cached_forever(build, name, content_type):
    status, headers, body = webui.asset(f"assets/{name}", root=build)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body == (build / "assets" / name).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "assets/../secret.txt",
        "assets/../../chalicelib/webui.py",
        "assets/%2e%2e/secret.txt",
        "assets/.hidden",
        "assets/",
        "assets/sub/index-abc123.js",
        "../secret.txt",
        "secret.txt",
        "assets/index-abc123.js\x00.png",
        "assets\\..\\secret.txt",
    ],
)
def test_paths_outside_the_assets_are_refused(build, path):
    status, headers, body = webui.asset(path, root=build)
    assert status == 404
    assert b"not for the web" not in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_a_missing_asset_is_not_found(build):
    status, _, body = webui.asset("assets/index-gone.js", root=build)
    assert status == 404
    assert b"Not found" in body


def test_without_a_build_the_page_says_to_run_make_web(tmp_path):
    status, headers, body = webui.asset("", root=tmp_path / "web")
    assert status == 404
    assert b"make web" in body
    assert headers["Content-Security-Policy"] == webui.CONTENT_SECURITY_POLICY


def test_the_module_serves_the_build_next_to_it():
    assert webui.WEB_ROOT == webui.Path(webui.__file__).parent / "web"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("sw.js", "text/javascript; charset=utf-8"),
        ("manifest.webmanifest", "application/manifest+json"),
    ],
)
def test_root_files_are_served_from_the_root_and_revalidated_on_every_use(build, name, content_type):
    status, headers, body = webui.asset(name, root=build)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert headers["Cache-Control"] == "no-cache"
    assert body == (build / name).read_bytes()


def test_a_root_file_missing_from_the_build_is_not_found(build):
    (build / "sw.js").unlink()
    status, _, body = webui.asset("sw.js", root=build)
    assert status == 404
    assert b"Not found" in body
