"""pytest harness for kassa's end-to-end tests: a real kassad on real HTTP.

Run: ``/usr/bin/python3 -m pytest tests/e2e`` (Debian's pytest, standard
library only).

Environment:
  KASSAD        path of the kassad binary (default build/src/server/kassad,
                else build/kassad, relative to the repository root)
  KASSA_TEST_DB database for the whole suite. Unset: a fresh SQLite file per
                server (``sqlite:<tmp>/kassa.db``). ``postgres``: a fresh
                database per server on a throwaway PostgreSQL started for
                the session (tests/e2e/pg.py); a ``postgresql://`` URL: fresh
                databases on that server instead.
  KASSA_OPENAPI_CHECK  unless ``0``, every answer of kassad the tests get
                through kassa_client's helpers is checked against
                docs/openapi/ at the end of the session (openapi_check.py,
                about 0.3 ms an answer); a mismatch fails the session,
                listed in its summary. ``list``: the summary also lists the
                documented operations no test exercised.

Objects (defined in kassa_client.py, re-exported here) and fixtures:
  Kassad          one kassad process: start/stop/kill/restart, admin(),
                  advance_clock(), now(), panda(creds), url(), count_rows()
  make_db_url     session fixture: callable(tmpdir) -> database URL (the hook)
  pg_server       session fixture: the throwaway PostgreSQL (pg.PgServer), started
                  on first use; new_database() -> URL
  db_url          the URL for the function-scoped server
  kassad          a fresh server per test (use when a test moves the clock,
                  restarts, or needs an empty requisite pool)
  kassad_shared   one server per test module (faster; do not move its clock)
  make_shop       callable(server, requisite=True, **shop_fields) -> creds
  make_requisite  callable(server, **requisite_fields) -> requisite dict + id
  make_tegro      callable(server, creds) -> TegroClient (tegro_client.py)
  shop            a shop with one SBP requisite on ``kassad``

When a test fails, the tail of every kassad's stderr that the test used is
added to the report.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # pg.py

import kassa_client  # noqa: E402

from kassa_client import (  # noqa: F401  (re-exported for other test packages)
    SBP_REQUISITE, SHOP, Kassad, KassadError, clean_env, create_requisite, create_shop,
    default_db_url, free_port, kassad_binary, _LIVE)


# ---- fixtures ----

@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (tests/e2e/pg.py), or,
    when KASSA_TEST_DB is a postgresql:// URL, that server (each database is
    created on it). Skips the test when PostgreSQL is not installed."""
    import pg
    env = os.environ.get("KASSA_TEST_DB", "")
    if env.startswith(("postgresql://", "postgres://")):
        yield pg.ExternalPg(env)
        return
    if not pg.available():
        pytest.skip("PostgreSQL binaries not found (" + pg.PG_BIN + ")")
    srv = pg.PgServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def make_db_url(request):
    """The database hook: callable(workdir) -> URL for a new server.

    KASSA_TEST_DB unset: a fresh SQLite file per server. KASSA_TEST_DB=postgres
    (or a postgresql:// URL of a server we may create databases on): a fresh
    PostgreSQL database per server, on the session's throwaway server.
    """
    env = os.environ.get("KASSA_TEST_DB", "")
    if env in ("postgres", "postgresql", "pg") or env.startswith(("postgresql://",
                                                                  "postgres://")):
        srv = request.getfixturevalue("pg_server")
        return lambda workdir: srv.new_database()
    return default_db_url


@pytest.fixture
def db_url(tmp_path, make_db_url):
    return make_db_url(tmp_path / "kassad")


@pytest.fixture
def kassad(tmp_path, db_url, make_db_url):
    """A fresh, started kassad for this test (stopped cleanly afterwards)."""
    k = Kassad(tmp_path / "kassad", db_url=db_url, make_db_url=make_db_url)
    k.start()
    yield k
    k.close()


@pytest.fixture
def kassad_factory(tmp_path, make_db_url):
    """callable(name="x", start=True, **start_kw) -> another Kassad for this test."""
    made = []

    def make(name=None, start=True, **kw):
        k = Kassad(tmp_path / (name or f"kassad{len(made) + 1}"), make_db_url=make_db_url)
        made.append(k)
        if start:
            k.start(**kw)
        return k

    yield make
    for k in made:
        k.close()


@pytest.fixture(scope="module")
def kassad_shared(tmp_path_factory, make_db_url):
    """One kassad for the whole test module. Do not move its clock or stop it."""
    k = Kassad(tmp_path_factory.mktemp("kassad_shared"), make_db_url=make_db_url)
    k.start()
    yield k
    k.close()


@pytest.fixture(scope="session")
def make_shop():
    """callable(server, requisite=True, **shop_fields) -> creds (see create_shop)."""
    return create_shop


@pytest.fixture(scope="session")
def make_requisite():
    """callable(server, **requisite_fields) -> the requisite dict with "id"."""
    return create_requisite


@pytest.fixture(scope="session")
def make_tegro():
    """callable(server, creds) -> a TegroClient (tegro_client.py) for that shop,
    signing like the Tegro seed, on the server's clock."""
    from tegro_client import tegro_for
    return tegro_for


@pytest.fixture
def shop(kassad):
    """A shop on `kassad` with one SBP requisite: its creds dict."""
    return create_shop(kassad)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        servers = [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, Kassad)]
        for k in _LIVE:
            if k not in servers:
                servers.append(k)
        for k in servers:
            rep.sections.append((f"kassad log ({k.dir.name})", k.log_tail()))


# ---- the OpenAPI check (openapi_check.py) ----

_OPENAPI = None
if os.environ.get("KASSA_OPENAPI_CHECK", "1") != "0":
    import openapi_check
    _OPENAPI = openapi_check.Recorder()
    kassa_client.OBSERVE = _OPENAPI.observe
_OPENAPI_RESULT = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if _OPENAPI is not None:
        _OPENAPI.test = item.nodeid
    yield
    if _OPENAPI is not None:
        _OPENAPI.test = None


def pytest_sessionfinish(session, exitstatus):
    global _OPENAPI_RESULT
    if _OPENAPI is None:
        return
    _OPENAPI_RESULT = _OPENAPI.check()
    if _OPENAPI_RESULT[0] and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _OPENAPI_RESULT is None:
        return
    problems, summary = _OPENAPI_RESULT
    tr = terminalreporter
    tr.section("OpenAPI check (openapi_check.py; KASSA_OPENAPI_CHECK=0 skips it)",
               red=bool(problems), green=not problems)
    for p in problems:
        tr.line(p)
    if os.environ.get("KASSA_OPENAPI_CHECK") == "list":
        for doc, path, method in _OPENAPI.unexercised:
            tr.line(f"not exercised: {doc}.json {method} {path}")
    tr.line(("FAILED: " if problems else "") + summary)
