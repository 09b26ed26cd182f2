"""Running kassad as a service: kassad.service installed by `meson install`,
the admin token from a file or a systemd credential, and --check-config
(docs/OPERATIONS.md)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kassa_client import Kassad, clean_env, kassad_binary

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KASSA_BUILD", REPO / "build"))
TOKEN = "svc-token-0123456789abcdef0123456789abcdef"


def kassad(*args, env=None, cwd=None):
    return subprocess.run([kassad_binary(), *args], capture_output=True, text=True,
                          env=clean_env(env), cwd=cwd, timeout=60)


class FileTokenKassad(Kassad):
    """A Kassad whose admin token comes from --admin-token-file, or (file
    None) from $CREDENTIALS_DIRECTORY in its environment."""

    token_file = None

    def args(self):
        a = super().args()
        i = a.index("--admin-token")
        del a[i:i + 2]
        if self.token_file is not None:
            a[i:i] = ["--admin-token-file", str(self.token_file)]
        return a


# ---- the admin token from a file ----

def test_admin_token_file_serves_the_admin_api(tmp_path, db_url):
    (tmp_path / "admin-token").write_text(TOKEN + "\n")
    k = FileTokenKassad(tmp_path / "k", db_url=db_url)
    k.token_file = tmp_path / "admin-token"
    k.admin_token = TOKEN
    k.start()
    try:
        st, body = k.admin("GET", "/admin/v1/ledger/verify")
        assert st == 200 and body["ok"] is True
        st, body = k.admin("GET", "/admin/v1/ledger/verify", token=TOKEN + "x")
        assert st == 401
    finally:
        k.close()


def test_admin_token_from_the_systemd_credential(tmp_path, db_url):
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "admin-token").write_text(TOKEN)
    k = FileTokenKassad(tmp_path / "k", db_url=db_url)
    k.admin_token = TOKEN
    k.start(env={"CREDENTIALS_DIRECTORY": str(creds)})
    try:
        st, body = k.admin("GET", "/admin/v1/ledger/verify")
        assert st == 200 and body["ok"] is True
        st, _ = k.admin("GET", "/admin/v1/ledger/verify", token="y" * 40)
        assert st == 401
    finally:
        k.close()


@pytest.mark.parametrize("content, message", [
    (None, "kassad: --admin-token-file: cannot read '{f}': No such file or directory\n"),
    ("", "kassad: --admin-token-file: '{f}' is empty\n"),
    ("\n \n", "kassad: --admin-token-file: '{f}' is empty\n"),
    ("two words-0123456789abcdef0123456789", "kassad: --admin-token-file: '{f}' holds a space, "
     "a control character or more than one line: the token is its one line\n"),
    ("short\n", "kassad: --admin-token-file (KASSA_ADMIN_TOKEN_FILE): at least 32 characters, "
     "got 5 (e.g. openssl rand -hex 24)\n"),
])
def test_admin_token_file_problems(tmp_path, content, message):
    f = tmp_path / "admin-token"
    if content is not None:
        f.write_text(content)
    db = f"sqlite:{tmp_path}/k.db"
    p = kassad("--db", db, "--admin-token-file", str(f))
    assert p.returncode == 2
    assert p.stderr == message.format(f=f) + "Try 'kassad --help'.\n"
    p = kassad("--db", db, "--check-config", env={"KASSA_ADMIN_TOKEN_FILE": str(f)})
    assert p.returncode == 2
    assert p.stderr == message.format(f=f)
    assert p.stdout == ""
    assert not (tmp_path / "k.db").exists()


def test_admin_token_and_file_together_refused(tmp_path):
    f = tmp_path / "admin-token"
    f.write_text(TOKEN)
    p = kassad("--admin-token", TOKEN, "--admin-token-file", str(f), "--db",
               f"sqlite:{tmp_path}/k.db")
    assert p.returncode == 2
    assert p.stderr == ("kassad: --admin-token and --admin-token-file (KASSA_ADMIN_TOKEN, "
                        "KASSA_ADMIN_TOKEN_FILE): give one, not both\nTry 'kassad --help'.\n")


# ---- --check-config ----

def test_check_config_ok_starts_nothing(tmp_path):
    p = kassad("--check-config", "--admin-token", TOKEN, "--db", f"sqlite:{tmp_path}/d/k.db",
               "--listen", "127.0.0.1:9", "--public-url", "https://pay.example/")
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("kassad: configuration ok (listen 127.0.0.1:9, db SQLite, public URL "
                        "https://pay.example, HTTP)\n")
    assert p.stderr == ""
    assert not (tmp_path / "d").exists()  # nothing created


def test_check_config_reports_every_problem(tmp_path):
    conf = tmp_path / "kassa.conf"
    conf.write_text("threads = many\nnonsense = 1\n")
    (tmp_path / "dir.db").mkdir()
    p = kassad("--check-config", "--config", str(conf), "--listen", "nohost",
               "--db", f"sqlite:{tmp_path}/dir.db", "--tls-cert", "/nonexistent.crt",
               "--public-url", "ftp://pay.example", "--log-level", "loud", "--frobnicate",
               env={"KASSA_MAX_BODY": "1"})
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.splitlines() == [
        f"kassad: {conf}:1: threads: expected auto or an integer between 1 and 256, got 'many'",
        f"kassad: {conf}:2: unknown option 'nonsense'",
        "kassad: KASSA_MAX_BODY: expected an integer between 1024 and 67108864, got '1'",
        "kassad: unknown option --frobnicate",
        "kassad: --listen: expected HOST:PORT, got 'nohost'",
        f"kassad: --db: '{tmp_path}/dir.db' is not a regular file",
        "kassad: --log-level: expected debug, info, warn or error, got 'loud'",
        "kassad: --admin-token (KASSA_ADMIN_TOKEN) or --admin-token-file "
        "(KASSA_ADMIN_TOKEN_FILE) is required",
        "kassad: --tls-cert and --tls-key (KASSA_TLS_CERT, KASSA_TLS_KEY) go together: "
        "--tls-key is missing",
        "kassad: --public-url (KASSA_PUBLIC_URL): expected http(s)://HOST[:PORT][/PATH] "
        "without query or fragment, got 'ftp://pay.example'",
    ]


def test_check_config_opens_what_it_names(tmp_path):
    """The database file is SQLite's, the TLS key is the certificate's, the
    listen host resolves."""
    notdb = tmp_path / "notes.txt"
    notdb.write_text("hello, not a database\n")
    pairs = {}
    for name in ("a", "b"):
        crt, key = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-out",
                        str(crt), "-days", "2", "-subj", f"/CN={name}"],
                       check=True, capture_output=True)
        pairs[name] = (crt, key)
    p = kassad("--check-config", "--admin-token", TOKEN, "--db", f"sqlite:{notdb}",
               "--tls-cert", str(pairs["a"][0]), "--tls-key", str(pairs["b"][1]),
               "--listen", "no-such-host.invalid:8080")
    assert p.returncode == 2
    lines = p.stderr.splitlines()
    assert lines[0].startswith("kassad: --listen: listen address 'no-such-host.invalid:8080': ")
    assert lines[1] == f"kassad: --db: '{notdb}' is not an SQLite database"
    assert lines[2] == (f"kassad: the TLS key {pairs['b'][1]} does not belong to the "
                        f"certificate {pairs['a'][0]}")
    assert len(lines) == 3, lines
    # The right pair, a real database: ok, HTTPS.
    good = tmp_path / "good.db"
    p = kassad("--check-config", "--admin-token", TOKEN, "--db", f"sqlite:{good}",
               "--tls-cert", str(pairs["a"][0]), "--tls-key", str(pairs["a"][1]))
    assert p.returncode == 0, p.stderr
    assert p.stdout == ("kassad: configuration ok (listen 127.0.0.1:8080, db SQLite, public URL "
                        "https://127.0.0.1:8080, HTTPS)\n")


def test_check_config_postgres_connects(tmp_path, pg_server):
    p = kassad("--check-config", "--admin-token", TOKEN, "--db", pg_server.new_database())
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("kassad: configuration ok (listen 127.0.0.1:8080, db PostgreSQL,")
    p = kassad("--check-config", "--admin-token", TOKEN, "--db",
               "postgresql://kassa@127.0.0.1:1/kassa?connect_timeout=2")
    assert p.returncode == 2
    assert p.stderr.startswith("kassad: --db: cannot connect to PostgreSQL: connection to "
                               "server at \"127.0.0.1\", port 1 failed: Connection refused"), p.stderr


# ---- kassad.service ----

def unit_dir():
    """Where meson install puts the unit: systemd.pc's directory, else
    PREFIX/lib/systemd/system (with the default option)."""
    p = subprocess.run(["pkg-config", "--variable=systemdsystemunitdir", "systemd"],
                       capture_output=True, text=True)
    if p.returncode == 0 and p.stdout.strip():
        return p.stdout.strip()
    return None


def test_meson_install_puts_the_unit_in_systemds_directory(tmp_path):
    if not (BUILD / "build.ninja").exists():
        pytest.skip(f"no meson build directory at {BUILD}")
    dest = tmp_path / "dest"
    p = subprocess.run(["meson", "install", "-C", str(BUILD), "--no-rebuild", "--quiet",
                        "--destdir", str(dest)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    intro = subprocess.run(["meson", "introspect", str(BUILD), "--buildoptions"],
                           capture_output=True, text=True, check=True).stdout
    import json
    opts = {o["name"]: o["value"] for o in json.loads(intro)}
    prefix = opts["prefix"]
    sysconf = os.path.join(prefix, opts["sysconfdir"])
    bindir = os.path.join(prefix, opts["bindir"])
    where = opts["systemdsystemunitdir"] or unit_dir() or os.path.join(prefix,
                                                                        "lib/systemd/system")
    unit = dest / where.lstrip("/") / "kassad.service"
    assert unit.is_file(), sorted(str(f) for f in dest.rglob("*.service"))
    text = unit.read_text()
    for line in ("DynamicUser=yes", "StateDirectory=kassa", "ProtectSystem=strict",
                 "ProtectHome=yes", "NoNewPrivileges=yes", "PrivateTmp=yes",
                 f"ExecStart={bindir}/kassad", f"ExecStartPre={bindir}/kassad --check-config",
                 "Environment=KASSA_DB=sqlite:%S/kassa/kassa.db",
                 f"EnvironmentFile=-{sysconf}/kassa/kassad.env",
                 f"LoadCredential=admin-token:{sysconf}/kassa/admin-token"):
        assert re.search(rf"^{re.escape(line)}$", text, re.M), line
    assert "@" not in re.sub(r"@system-service|^#.*$", "", text, flags=re.M)
    installed = dest / bindir.lstrip("/") / "kassad"
    assert os.access(installed, os.X_OK)

    # The installed kassad, started as systemd would (the credential, the
    # state directory as working directory), checks its configuration.
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "admin-token").write_text(TOKEN + "\n")
    state = tmp_path / "state"
    state.mkdir()
    p = subprocess.run([str(installed), "--check-config"], capture_output=True, text=True,
                       env=clean_env({"CREDENTIALS_DIRECTORY": str(creds),
                                      "KASSA_DB": f"sqlite:{state}/kassa.db"}), timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("kassad: configuration ok (listen 127.0.0.1:8080, db SQLite,")

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed: the unit's syntax is not verified")
    # verify wants the ExecStart binaries where the unit says: point them into dest.
    copy = tmp_path / "kassad.service"
    copy.write_text(text.replace(f"{bindir}/kassad", str(installed)))
    p = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout + p.stderr == ""
