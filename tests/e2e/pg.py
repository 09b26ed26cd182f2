"""A throwaway PostgreSQL server for kassa's end-to-end tests.

``PgServer().start()`` runs Debian's PostgreSQL 15 (initdb + pg_ctl from
/usr/lib/postgresql/15/bin, or $KASSA_PG_BIN) in a fresh temporary directory
on a free loopback port, with trust authentication on 127.0.0.1 only. As root
it runs the server as the ``postgres`` user (PostgreSQL refuses to run as
root). ``new_database()`` creates an empty database and returns its
``postgresql://`` URL; ``stop()`` shuts the server down and removes the
directory; ``restart()`` / ``stop_server()`` / ``start_server()`` keep the
data (for the reconnect tests).

Run as a script for manual work: ``/usr/bin/python3 tests/e2e/pg.py`` prints
a URL and keeps the server up until Ctrl-C.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid

PG_BIN = os.environ.get("KASSA_PG_BIN", "/usr/lib/postgresql/15/bin")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available():
    """True when initdb and pg_ctl exist (the server can be started here)."""
    return all(os.access(os.path.join(PG_BIN, b), os.X_OK) for b in ("initdb", "pg_ctl"))


class PgServer:
    def __init__(self):
        self.dir = None
        self.port = None
        self.user = "postgres"

    # ---- helpers ----
    def _as_owner(self, argv):
        """argv run as the postgres user when we are root."""
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--"] + argv
        return argv

    def _run(self, argv, check=True, timeout=60):
        p = subprocess.run(self._as_owner(argv), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout, cwd="/")
        if check and p.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({p.returncode}):\n"
                               + p.stdout.decode(errors="replace"))
        return p

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    @property
    def log(self):
        return os.path.join(self.dir, "postgres.log")

    def url(self, dbname="postgres"):
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    # ---- life cycle ----
    def start(self):
        self.dir = tempfile.mkdtemp(prefix="kassa-pg-")
        os.chmod(self.dir, 0o700)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        else:
            self.user = os.environ.get("USER") or "postgres"
        self.port = _free_port()
        self._run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", self.user,
                   "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], timeout=120)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            # A throwaway server for tests: no fsync (the tests check
            # behaviour, not the disk), enough connections for many kassads.
            f.write(f"port = {self.port}\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.dir}'\n"
                    "max_connections = 400\n"
                    "fsync = off\n"
                    "full_page_writes = off\n"
                    "shared_buffers = 64MB\n")
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\n"
                    "host all all 127.0.0.1/32 trust\n")
        self.start_server()
        return self

    def start_server(self):
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l", self.log,
                   "-w", "-t", "60", "start"], timeout=90)
        self._wait_ready()

    def stop_server(self, mode="fast"):
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", mode,
                   "-w", "-t", "60", "stop"], timeout=90)

    def restart(self):
        self.stop_server()
        self.start_server()

    def _wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"PostgreSQL not listening on {self.port}")

    def stop(self):
        if self.dir is None:
            return
        try:
            self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "immediate",
                       "-w", "stop"], check=False)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # ---- databases ----
    def psql(self, sql, dbname="postgres"):
        """Run SQL with psql; returns stdout (unaligned, tuples only)."""
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-d", self.url(dbname), "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {p.stderr.decode(errors='replace')}")
        return p.stdout.decode()

    def new_database(self):
        """Create an empty database; returns its postgresql:// URL."""
        name = "kassa_" + uuid.uuid4().hex[:16]
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)


class ExternalPg(PgServer):
    """A server someone else runs (KASSA_TEST_DB=postgresql://...): databases
    are created on it; it cannot be stopped or restarted from here."""

    def __init__(self, admin_url):
        super().__init__()
        self.admin_url = admin_url

    def url(self, dbname="postgres"):
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + dbname))

    def start(self):
        return self

    def stop(self):
        pass

    def start_server(self):
        raise RuntimeError("an external PostgreSQL cannot be started from the tests")

    stop_server = restart = start_server


if __name__ == "__main__":
    srv = PgServer().start()
    print(srv.new_database(), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
