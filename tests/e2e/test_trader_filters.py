"""The operator's lists by trader: GET /admin/v1/orders?trader_id= (the
orders on that trader's requisites, from the orders_trader index,
migration 028) and GET /admin/v1/requisites?trader_id=, through the API
and the CLI; a trader's own lists take no trader_id. SQLite and
(KASSA_TEST_DB=postgres) PostgreSQL."""
import json

from kassa_client import SBP_REQUISITE
from test_cli import kassa
from test_trader_api import new_order, rec, two_traders_with_orders  # noqa: F401 (a fixture)

BAD_ID = "trader_id: expected an integer between 1 and 9223372036854775807"


def ids(server, path):
    st, page = server.admin("GET", path)
    assert st == 200, page
    return [x["id"] for x in page["items"]]


def test_orders_and_requisites_by_trader(kassad, rec):  # noqa: F811
    shop, a, b, oa, ob = two_traders_with_orders(kassad, rec)
    # An order of the operator's own pool: on no trader.
    for t in (a, b):
        assert t.post("/trader/v1/online", {"online": False})[0] == 200
    st, own = kassad.admin("POST", "/admin/v1/requisites",
                           dict(SBP_REQUISITE, requisite="+79990000003"))
    assert st == 201, own
    oo = new_order(kassad, shop, amount="700.00")
    assert oo["requisite"]["id"] == own["id"] and oo["trader_id"] is None
    assert (oa["trader_id"], ob["trader_id"]) == (a.id, b.id)

    assert ids(kassad, "/admin/v1/orders") == [oo["id"], ob["id"], oa["id"]]
    assert ids(kassad, f"/admin/v1/orders?trader_id={a.id}") == [oa["id"]]
    assert ids(kassad, f"/admin/v1/orders?trader_id={b.id}") == [ob["id"]]
    assert ids(kassad, "/admin/v1/orders?trader_id=999") == []
    # With the other filters, a page and a cursor.
    assert ids(kassad, f"/admin/v1/orders?trader_id={b.id}&status=pending&currency=RUB"
                       f"&amount_min=500&amount_max=500") == [ob["id"]]
    assert ids(kassad, f"/admin/v1/orders?trader_id={a.id}&status=completed") == []
    assert ids(kassad, f"/admin/v1/orders?trader_id={a.id}&from=2000-01-01T00:00:00Z") == [
        oa["id"]]
    st, page = kassad.admin("GET", f"/admin/v1/orders?trader_id={a.id}&limit=1&order=asc")
    assert (st, [o["id"] for o in page["items"]], page["next_cursor"]) == (200, [oa["id"]], None)
    for bad in ("0", "x", "-1", ""):
        assert kassad.admin("GET", f"/admin/v1/orders?trader_id={bad}") == (
            400, {"error": BAD_ID}), bad

    [ra] = ids(kassad, f"/admin/v1/requisites?trader_id={a.id}")
    [rb] = ids(kassad, f"/admin/v1/requisites?trader_id={b.id}")
    assert (ra, rb) == (oa["requisite"]["id"], ob["requisite"]["id"])
    assert ids(kassad, "/admin/v1/requisites") == [own["id"], rb, ra]
    assert ids(kassad, "/admin/v1/requisites?trader_id=999") == []
    assert ids(kassad, f"/admin/v1/requisites?trader_id={a.id}&active=false") == []
    assert kassad.admin("GET", "/admin/v1/requisites?trader_id=x") == (400, {"error": BAD_ID})
    assert kassad.admin("GET", "/admin/v1/requisites?who=1") == (
        400, {"error": "unknown argument 'who': requisites are listed by type, currency, active "
                       "and trader_id (with limit, cursor, order)"})
    # A trader's own lists are its own: no trader_id taken.
    assert a.get(f"/trader/v1/requisites?trader_id={b.id}") == (
        400, {"error": "unknown argument 'trader_id': requisites are listed by type, currency "
                       "and active (with limit, cursor, order)"})
    st, page = a.get("/trader/v1/orders")
    assert st == 200 and [o["uuid"] for o in page["items"]] == [oa["uuid"]], page

    # The CLI's flags.
    env = {"KASSA_SERVER": kassad.base_url, "KASSA_ADMIN_TOKEN": kassad.admin_token}
    r = kassa("order", "list", "--trader-id", str(b.id), env=env)
    assert r.returncode == 0, r.stderr
    assert [o["id"] for o in json.loads(r.stdout)["items"]] == [ob["id"]]
    r = kassa("requisite", "list", "--trader-id", str(a.id), env=env)
    assert r.returncode == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)["items"]] == [ra]
    r = kassa("requisite", "list", "--active", "true", "--limit", "1", env=env)
    assert r.returncode == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)["items"]] == [own["id"]]
    r = kassa("requisite", "list", "--trader-id", "x", env=env)
    assert (r.returncode, r.stderr.strip()) == (1, f"kassa: HTTP 400 Bad Request: {BAD_ID}")
    r = kassa("order", "export", "--trader-id", str(a.id), env=env)
    assert r.returncode == 0, r.stderr
    assert [line.split(",")[0] for line in r.stdout.splitlines()[1:]] == [str(oa["id"])]
