"""The operator's money commands of the kassa CLI against a real kassad:
order complete, shop balances, withdrawal complete/reject, ledger verify
(exit 0 on a consistent ledger, 1 with the finding on a corrupted one)."""

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def kassa(server, *args):
    exe = os.environ.get("KASSA_CLI") or str(ROOT / "build/src/cli/kassa")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
    env.update({"KASSA_SERVER": server.base_url, "KASSA_ADMIN_TOKEN": server.admin_token})
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=60)


def test_complete_balances_and_verify(kassad, shop):
    client = kassad.panda(shop)
    r = client.create_order(amount="1000.4747448348385")
    assert r.status == 200, r
    order = r.json

    done = kassa(kassad, "order", "complete", order["uuid"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "completed"

    again = kassa(kassad, "order", "complete", order["uuid"])
    assert again.returncode == 1
    assert "cannot become completed" in again.stderr

    bal = kassa(kassad, "shop", "balances", str(shop["id"]))
    assert bal.returncode == 0, bal.stderr
    # 1000.47 - 2.5 % (25.01) = 975.46
    assert json.loads(bal.stdout) == {"RUB": {"available": "975.46", "held": "0.00"}}

    ok = kassa(kassad, "ledger", "verify")
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["ok"] is True and report["problems"] == []
    assert report["transactions"] == 1


@pytest.mark.skipif(os.environ.get("KASSA_TEST_DB", "").startswith("postgres"),
                    reason="plants the corruption with sqlite3 in the database file")
def test_verify_reports_a_corrupted_balance(kassad, shop):
    client = kassad.panda(shop)
    r = client.create_order(amount="100")
    assert r.status == 200, r
    assert kassa(kassad, "order", "complete", r.json["uuid"]).returncode == 0

    con = sqlite3.connect(kassad.db_path, timeout=10)
    with con:
        con.execute("UPDATE accounts SET balance = balance + 1 WHERE kind = 'shop_available'")
    con.close()

    bad = kassa(kassad, "ledger", "verify")
    assert bad.returncode == 1
    assert "the ledger is NOT consistent" in bad.stderr
    report = json.loads(bad.stdout)
    assert report["ok"] is False
    assert any("shop_available" in p and "balance 9751 but its postings sum to 9750" in p
               for p in report["problems"]), report


def test_usage_errors(kassad):
    r = kassa(kassad, "withdrawal", "complete", "abc")
    assert r.returncode == 2
    assert "expected one positive numeric ID" in r.stderr
    r = kassa(kassad, "withdrawal", "complete", "999")
    assert r.returncode == 1
    assert "Withdrawal not found" in r.stderr
