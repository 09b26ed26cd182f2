"""kassad's bank notification templates (docs/p2p.md, "Bank notification
templates"): an operator's --bank-templates file is read at start, and a
bad one stops kassad with the file, the template and the field named."""

import json
import os
import subprocess
from pathlib import Path

from kassa_client import clean_env, kassad_binary

TOKEN = "tpl-token-0123456789abcdef0123456789abcdef"

GOOD = {"templates": [
    {"id": "mybank.credit", "bank": "My Bank", "senders": ["MYBANK"], "kind": "credit",
     "currency": "RUB", "pattern": "^приход ([0-9 ]+)", "groups": {"amount": 1}},
    {"id": "vtb.credit", "disabled": True},
]}
BAD = {"templates": [
    {"id": "sber.credit", "bank": "Sber", "senders": ["900"], "kind": "credit",
     "pattern": "^зачисление ([0-9 ]+)р", "groups": {"amount": 2}},
]}


def kassad(*args, env=None):
    return subprocess.run([kassad_binary(), *args], capture_output=True, text=True,
                          env=clean_env(env), timeout=60)


def write(tmp_path, doc, name="banks.json"):
    f = tmp_path / name
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return f


def test_good_file_starts(tmp_path, kassad_factory):
    f = write(tmp_path, GOOD)
    k = kassad_factory("k", extra_args=["--bank-templates", str(f)])
    assert k.admin("GET", "/admin/v1/me")[0] == 200
    k.stop()


def test_bad_file_stops_kassad(tmp_path):
    f = write(tmp_path, BAD)
    want = (f'kassad: {f}: template "sber.credit": "groups.amount": must be a group of the '
            "pattern, 1 to 1\n")
    db = f"sqlite:{tmp_path}/k.db"
    p = kassad("--admin-token", TOKEN, "--db", db, "--bank-templates", str(f))
    assert p.returncode == 2
    assert p.stderr == want
    assert not (tmp_path / "k.db").exists()  # stopped before the database
    # The environment variable and the config file key say the same.
    p = kassad("--admin-token", TOKEN, "--db", db, env={"KASSA_BANK_TEMPLATES": str(f)})
    assert p.returncode == 2
    assert p.stderr == want
    conf = tmp_path / "kassa.conf"
    conf.write_text(f"bank-templates = {f}\n")
    p = kassad("--admin-token", TOKEN, "--db", db, "--config", str(conf))
    assert p.returncode == 2
    assert p.stderr == want
    # --check-config reports it among the other problems.
    p = kassad("--check-config", "--admin-token", TOKEN, "--db", db, "--bank-templates", str(f))
    assert p.returncode == 2
    assert p.stderr == want
    assert p.stdout == ""


def test_unreadable_and_malformed_files(tmp_path):
    db = f"sqlite:{tmp_path}/k.db"
    missing = tmp_path / "none.json"
    p = kassad("--admin-token", TOKEN, "--db", db, "--bank-templates", str(missing))
    assert p.returncode == 2
    assert p.stderr == f"kassad: {missing}: No such file or directory\n"
    broken = tmp_path / "broken.json"
    broken.write_text('{"templates": [}')
    p = kassad("--admin-token", TOKEN, "--db", db, "--bank-templates", str(broken))
    assert p.returncode == 2
    assert p.stderr == f"kassad: {broken}:1:16: unexpected token near '}}'\n"
    p = kassad("--check-config", "--admin-token", TOKEN, "--db", db,
               "--bank-templates", str(write(tmp_path, GOOD)))
    assert p.returncode == 0, p.stderr
