"""The console's application: served by kassad under /console/ with a strict
Content-Security-Policy, its files built in, Chart.js from Debian's
libjs-chart.js."""
from pathlib import Path

from kassa_client import REPO, send_raw

CONSOLE = REPO / "src" / "console"
CHARTJS = Path("/usr/share/javascript/chart.js/chart.min.js")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")


def test_console_root_redirects_to_the_application(kassad_shared):
    r = send_raw(kassad_shared.base_url, "GET", "/console")
    assert r.status == 308
    assert r.headers["Location"] == "/console/"


def test_console_index_with_strict_headers(kassad_shared):
    r = send_raw(kassad_shared.base_url, "GET", "/console/")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.body == (CONSOLE / "index.html").read_bytes()
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    # No inline script: every <script> names a file of the application.
    html = r.body.decode()
    assert "<script>" not in html and "style=" not in html
    assert '<script type="module" src="app.js"></script>' in html


def test_console_files_and_revalidation(kassad_shared):
    for name, ctype in [("app.js", "text/javascript; charset=utf-8"),
                        ("lib.js", "text/javascript; charset=utf-8"),
                        ("style.css", "text/css; charset=utf-8")]:
        r = send_raw(kassad_shared.base_url, "GET", "/console/" + name)
        assert r.status == 200, name
        assert r.headers["Content-Type"] == ctype
        assert r.body == (CONSOLE / name).read_bytes()
        assert r.headers["Cache-Control"] == "no-cache"
        again = send_raw(kassad_shared.base_url, "GET", "/console/" + name,
                         headers={"If-None-Match": r.headers["ETag"]})
        assert again.status == 304
    assert send_raw(kassad_shared.base_url, "GET", "/console/nope.js").status == 404
    assert send_raw(kassad_shared.base_url, "GET", "/console/../admin/v1/shops").status in (400, 404)
    r = send_raw(kassad_shared.base_url, "POST", "/console/app.js", b"x")
    assert r.status == 405
    assert r.headers["Allow"] == "GET, HEAD"


def test_chartjs_is_debians_file(kassad_shared):
    r = send_raw(kassad_shared.base_url, "GET", "/console/vendor/chart.min.js")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert r.body == CHARTJS.read_bytes()
    again = send_raw(kassad_shared.base_url, "GET", "/console/vendor/chart.min.js",
                     headers={"If-None-Match": r.headers["ETag"]})
    assert again.status == 304
