#!/usr/bin/env bash
# run.sh: start a local kassad with a demo shop, print its credentials and a
# ready-to-paste order request, then keep kassad in the foreground (Ctrl-C
# stops it cleanly). `make run` builds first and then runs this.
#
# State lives in var/ (KASSA_RUN_VAR overrides): the admin token
# (var/admin-token, mode 600, generated once), the SQLite database and the
# demo shop's credentials (var/demo-shop.json, created once per database).
# KASSA_LISTEN, KASSA_DB, KASSA_ADMIN_TOKEN and KASSA_PUBLIC_URL override the
# defaults; every other KASSA_* variable reaches kassad unchanged.
# KASSA_BUILD (default build) is the build directory; KASSAD (default
# $KASSA_BUILD/kassad) the kassad to run.
#
# The admin token never appears on a command line (every local user sees
# those in ps): kassad gets it in KASSA_ADMIN_TOKEN, curl in a header read
# from a pipe, and the demo shop's secret is used by python3, not openssl.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=/usr/bin/python3
BUILD=${KASSA_BUILD:-build}
KASSAD=${KASSAD:-$BUILD/kassad}
VAR=${KASSA_RUN_VAR:-var}

if [ ! -x "$KASSAD" ]; then
    echo "run: $KASSAD not found; run 'make build' first" >&2
    exit 1
fi
mkdir -p "$VAR"

listen=${KASSA_LISTEN:-127.0.0.1:8080}
db=${KASSA_DB:-sqlite:$VAR/kassa.db}
token_file=$VAR/admin-token
if [ -n "${KASSA_ADMIN_TOKEN:-}" ]; then
    token=$KASSA_ADMIN_TOKEN
else
    if [ ! -s "$token_file" ]; then
        (umask 077 && openssl rand -hex 24 >"$token_file")
    fi
    chmod 600 "$token_file"
    token=$(cat "$token_file")
fi

# Where this script (on this machine) reaches kassad.
host=${listen%:*}
port=${listen##*:}
case "$host" in
    "" | 0.0.0.0 | "[::]" | "::") host=127.0.0.1 ;;
esac
base="http://$host:$port"
public_url=${KASSA_PUBLIC_URL:-$base}
public_url=${public_url%/}

# The demo shop belongs to one database: forget it when that database is gone.
shop_file=$VAR/demo-shop.json
case "$db" in
    sqlite:*)
        if [ -f "$shop_file" ] && [ ! -f "${db#sqlite:}" ]; then
            echo "run: ${db#sqlite:} is gone; a new demo shop will be created" >&2
            rm -f "$shop_file"
        fi
        ;;
esac
if [ -f "$shop_file" ] && [ "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("db",""))' "$shop_file")" != "$db" ]; then
    rm -f "$shop_file"
fi

# The demo shop's callback URL is the seed's webhook server on this machine
# (127.0.0.1:3000): a loopback address, refused by the SSRF guard unless
# private callbacks are allowed. Allowed here, for the local demo only;
# KASSA_ALLOW_PRIVATE_CALLBACKS=0 turns it off.
private_flag=--allow-private-callbacks
case "${KASSA_ALLOW_PRIVATE_CALLBACKS:-1}" in 0 | false | no | off) private_flag= ;; esac

KASSA_ADMIN_TOKEN=$token "$KASSAD" --db "$db" --listen "$listen" $private_flag &
pid=$!
stop() {
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Wait for GET /healthz = 200.
ready=0
for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" || true
        echo "run: kassad exited during startup" >&2
        exit 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" || true)
    if [ "$code" = 200 ]; then
        ready=1
        break
    fi
    sleep 0.1
done
if [ "$ready" != 1 ]; then
    echo "run: kassad did not answer $base/healthz within 15 s" >&2
    exit 1
fi

# admin METHOD PATH JSON: the response body on 2xx, else an error and exit.
admin() {
    local out code
    out=$(mktemp)
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$1" "$base$2" \
        -H @<(printf 'Authorization: Bearer %s\n' "$token") -H 'Content-Type: application/json' \
        --data-binary "$3") || code=000
    if [ "${code:0:1}" != 2 ]; then
        echo "run: $1 $2 answered $code: $(cat "$out")" >&2
        rm -f "$out"
        return 1
    fi
    cat "$out"
    rm -f "$out"
}

# A remembered shop whose panda key kassad no longer knows (another database
# at the same path, say) is forgotten too: a signed GET answers 401 then.
if [ -f "$shop_file" ]; then
    read -r k ts sig < <($PY -c '
import hashlib, hmac, json, sys, time
d = json.load(open(sys.argv[1]))["shop"]["panda"]
ts = str(int(time.time()))
print(d["api_key"], ts, hmac.new(d["secret"].encode(), ts.encode(), hashlib.sha256).hexdigest())
' "$shop_file")
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/orders/00000000-0000-0000-0000-000000000000" \
        -H "X-API-Key: $k" -H "X-Timestamp: $ts" -H "X-Signature: $sig" || true)
    if [ "$code" = 401 ] || [ "$code" = 403 ]; then
        echo "run: the remembered demo shop is unknown to this database; creating a new one" >&2
        rm -f "$shop_file"
    fi
fi

if [ ! -f "$shop_file" ]; then
    shop=$(admin POST /admin/v1/shops \
        '{"name":"Demo shop","url":"http://localhost","callback_url":"http://127.0.0.1:3000/webhook","fee_percent":"2.5"}')
    requisite=$(admin POST /admin/v1/requisites \
        '{"type":"SBP","requisite":"+79001234567","owner_full_name":"Ivan Ivanov","bank_code":"Sber","bank_name_ru":"Сбербанк","bank_name_en":"Sberbank","currency":"RUB","country_code":"RUS"}')
    # An exchange rate, so orders show their amount_usdt.
    admin PUT /admin/v1/rates/USDT-RUB '{"rate":"95.00"}' >/dev/null
    # The demo's one requisite takes one pending order per amount: the seed's
    # script run again gets its amount raised by a unit (1001.47, ...)
    # rather than traderNotFound (docs/p2p.md "Unambiguous amounts").
    shop_id=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$shop")
    admin PATCH "/admin/v1/shops/$shop_id" '{"amount_adjust_max":100}' >/dev/null
    (umask 077 && $PY -c 'import json,sys; json.dump({"db": sys.argv[1], "shop": json.loads(sys.argv[2]), "requisite": json.loads(sys.argv[3])}, open(sys.argv[4], "w"), indent=2)' \
        "$db" "$shop" "$requisite" "$shop_file")
fi

# Console sign-ins (once per database): an owner operator and the demo
# shop's merchant user, each with a password of its own.
if ! $PY -c 'import json,sys; sys.exit(0 if "console" in json.load(open(sys.argv[1])) else 1)' "$shop_file"; then
    op_pass=$(openssl rand -hex 10)
    mu_pass=$(openssl rand -hex 10)
    merchant_id=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["shop"]["merchant_id"])' "$shop_file")
    if admin POST /admin/v1/operators \
        '{"name":"Demo operator","role":"owner","login":"operator","password":"'"$op_pass"'"}' >/dev/null &&
        admin POST "/admin/v1/merchants/$merchant_id/users" \
            '{"name":"Demo merchant","login":"merchant","password":"'"$mu_pass"'"}' >/dev/null; then
        (umask 077 && $PY -c 'import json,sys; d = json.load(open(sys.argv[1])); d["console"] = {"operator": sys.argv[2], "merchant": sys.argv[3]}; json.dump(d, open(sys.argv[1], "w"), indent=2)' \
            "$shop_file" "$op_pass" "$mu_pass")
    else
        echo "run: the console's demo sign-ins could not be created (see above)" >&2
    fi
fi
read -r op_pass mu_pass < <($PY -c '
import json, sys
c = json.load(open(sys.argv[1])).get("console", {})
print(c.get("operator", "-"), c.get("merchant", "-"))
' "$shop_file")

read -r shop_id panda_key panda_secret tegro_shop tegro_key tegro_secret < <($PY -c '
import json, sys
d = json.load(open(sys.argv[1]))["shop"]
print(d["id"], d["panda"]["api_key"], d["panda"]["secret"], d["shop_id"], d["tegro"]["api_key"], d["tegro"]["secret"])
' "$shop_file")

cat <<EOF

kassad is running at $base (pid $pid); Ctrl-C stops it.

  admin token        $token
  demo shop id       $shop_id
  panda api_key      $panda_key
  panda secret       $panda_secret
  tegro shop_id      $tegro_shop
  tegro api_key      $tegro_key
  tegro secret       $tegro_secret

The console: $public_url/console/
  operator           login operator, password $op_pass
  merchant           login merchant, password $mu_pass

Create an order (panda API, the integration example's script):

API_KEY=$panda_key SECRET_KEY=$panda_secret API_HOST=$public_url /usr/bin/python3 - <<'PY'
EOF
cat <<'EOF'
import os
import json
import time
import uuid
import hmac
import hashlib
import urllib.request
import urllib.error


def generate_signature(secret: str, payload: str) -> tuple[str, str]:
    ts = str(int(time.time()))
    string_to_sign = ts + payload
    signature = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return signature, ts


def main() -> None:
    api_key = os.getenv("API_KEY", "apiKey")
    secret = os.getenv("SECRET_KEY", "secret")
    api_host = os.getenv("API_HOST", "https://api.pandapay24.com")

    payload_dict = {
        "amount_rub": 1000.4747448348385,
        "requisite_type": "SBP",
        "idempotency_key": str(uuid.uuid4()),
    }

    json_payload = json.dumps(payload_dict, separators=(",", ":"))
    signature, timestamp = generate_signature(secret, json_payload)

    req = urllib.request.Request(
        url=f"{api_host.rstrip('/')}/orders",
        data=json_payload.encode(),
        headers={
            "Content-Type": "application/json",
            "X-API-Key": api_key,
            "X-Signature": signature,
            "X-Timestamp": timestamp,
        },
        method="POST",
    )

    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read().decode("utf-8", errors="replace")
            print(f"Response: {resp.status} {resp.reason}")
            if body:
                print(body)
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", errors="replace")
        print(f"Response: {e.code} {e.reason}")
        if body:
            print(body)
    except urllib.error.URLError as e:
        print(f"Request failed: {e.reason}")


if __name__ == "__main__":
    main()
PY
EOF
cat <<EOF

Receive the shop's callbacks (the integration example's webhook server, in C), in another terminal:

API_KEY=$panda_key API_SECRET=$panda_secret PORT=3000 $BUILD/examples/webhook_server

Mark an order paid as the operator (the callback then arrives), and check the money:

curl -sS -X POST -H 'Authorization: Bearer $token' $public_url/admin/v1/orders/<uuid>/complete; echo
curl -sS -H 'Authorization: Bearer $token' $public_url/admin/v1/shops/$shop_id/balances; echo

The same order with curl:

BODY='{"amount_rub":1000.4747448348385,"requisite_type":"SBP","idempotency_key":"'\$(cat /proc/sys/kernel/random/uuid)'"}'; TS=\$(date +%s); SIG=\$(printf '%s%s' "\$TS" "\$BODY" | openssl dgst -sha256 -hmac '$panda_secret' | awk '{print \$NF}'); curl -sS -X POST '$public_url/orders' -H 'Content-Type: application/json' -H 'X-API-Key: $panda_key' -H "X-Timestamp: \$TS" -H "X-Signature: \$SIG" --data-raw "\$BODY"; echo

EOF

# Foreground until kassad exits or Ctrl-C (the EXIT trap stops it cleanly).
set +e
wait "$pid"
rc=$?
trap - EXIT
exit $rc
