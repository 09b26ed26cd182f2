"""kassad's answers checked against kassa's OpenAPI documents (docs/openapi/).

Unless ``KASSA_OPENAPI_CHECK=0``, the end-to-end harness (conftest.py) records
every exchange the tests have with a kassad through kassa_client's HTTP
helpers (``urllib_request``, ``send_raw``, and so the panda and tegro
clients): method, path, status, content type and body. At the end of the
session each one is looked up in the documents and its body validated
against the documented response's schema with Debian's python3-jsonschema
(JSON Schema draft 2020-12, the dialect of OpenAPI 3.1). The session fails
with the list of mismatches:

* a path, method or status the documents do not have (the server answers
  something the documents do not say it does);
* a content type the documented response does not have, or a body where
  the document has none;
* a JSON body its schema refuses (a member missing, one too many where the
  schema is closed, a wrong type or format).

One exception: a 404 or 405 to a path or method no document has, with the
API's error body (``{"error": "..."}``) or an HTML error page, is the server
refusing what is outside its contract, and passes.

Path templates are matched as kassad routes: segment by segment, a literal
segment before a template (``/orders/merchant/x`` is the merchant lookup,
not an order ``merchant``'s action), and among the matching paths the
first with the request's method (HEAD is checked as GET).
"""

import json
import re
import threading
import time
import urllib.parse
from collections import namedtuple
from pathlib import Path

import jsonschema

DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi"
NAMES = ("panda", "tegro", "admin", "device", "trader", "console", "merchant")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# One exchange with kassad. `path` is the request target's path as sent
# (percent-encoded), `ctype` the answer's Content-Type, `body` its bytes.
Exchange = namedtuple("Exchange", "method path status ctype body test")

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}},
          "required": ["error"], "additionalProperties": False}


class Route:
    """One path template of one document."""

    def __init__(self, doc_name, doc, template, item):
        self.doc_name = doc_name
        self.doc = doc
        self.template = template
        self.item = item
        segs = template.split("/")
        parts = []
        for seg in segs:
            pieces = re.split(r"(\{[^}]+\})", seg)
            parts.append("".join("[^/]+" if p.startswith("{") else re.escape(p)
                                 for p in pieces))
        self.regex = re.compile("^" + "/".join(parts) + "$")
        # A literal segment before a template, left to right.
        self.rank = tuple(0 if "{" in seg else 1 for seg in segs)


class Checker:
    """The documents, and the check of one exchange against them."""

    def __init__(self, docs_dir=DOCS, names=NAMES):
        self.docs = {}
        for n in names:
            with open(Path(docs_dir) / f"{n}.json", encoding="utf-8") as f:
                self.docs[n] = json.load(f)
        self.routes = [Route(n, d, t, item) for n, d in self.docs.items()
                       for t, item in d.get("paths", {}).items()]
        self._validators = {}
        self._lock = threading.Lock()

    # ---- lookup ----
    def deref(self, doc, obj):
        """Follow a local $ref (a Response, a Parameter) to what it names."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj and seen < 16:
            target = doc
            for part in obj["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            obj = target
            seen += 1
        return obj

    def find(self, method, path):
        """(route, operation) for a request, or (None, why)."""
        # Decoded segment by segment, as kassad reads it: an encoded "/"
        # stays inside its segment (a merchant order id "1/2").
        path = "/".join(urllib.parse.unquote(seg).replace("/", "%2F")
                        for seg in path.split("/"))
        matches = sorted((r for r in self.routes if r.regex.match(path)),
                         key=lambda r: r.rank, reverse=True)
        if not matches:
            return None, "path"
        m = method.lower()
        for r in matches:
            op = r.item.get(m) or (r.item.get("get") if m == "head" else None)
            if op is not None:
                return r, op
        return None, "method"

    def validator(self, doc_name, schema):
        """A draft 2020-12 validator of a schema of a document, whose local
        $refs (#/components/schemas/...) resolve in that document."""
        key = (doc_name, id(schema))
        with self._lock:
            entry = self._validators.get(key)
            if entry is None:
                resolver = jsonschema.RefResolver.from_schema(self.docs[doc_name],
                                                              id_of=lambda _: "")
                v = jsonschema.Draft202012Validator(
                    schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
                entry = self._validators[key] = (v, schema)  # schema kept: its id() stays its
            return entry[0]

    def operations(self):
        """Every documented operation: {(document, path template, METHOD)}."""
        return {(r.doc_name, r.template, m.upper()) for r in self.routes
                for m in r.item if m in METHODS}

    # ---- the check ----
    def check(self, ex):
        """The problems of one exchange (a list of strings; empty: it is as
        documented)."""
        what = f"{ex.method} {ex.path} -> {ex.status}"
        if _static(ex.path):
            return []
        body_json = _json(ex.body)
        route, op = self.find(ex.method, ex.path)
        if route is None:
            if ex.status in (404, 405) and (_is_error(body_json) or _is_html(ex.ctype)):
                return []
            return [f"{what}: the {op} is in no document"]
        responses = op.get("responses", {})
        code = str(ex.status)
        resp = (responses.get(code) or responses.get(code[0] + "XX")
                or responses.get("default"))
        if resp is None:
            return [f"{what}: status {ex.status} is not documented for "
                    f"{ex.method} {route.template} ({route.doc_name}.json)"]
        resp = self.deref(route.doc, resp)
        content = resp.get("content") or {}
        if ex.method == "HEAD" or (not ex.body and not content):
            return []
        if not content:
            return [f"{what}: a body where {route.doc_name}.json documents none"]
        ctype = (ex.ctype or "").split(";")[0].strip().lower()
        media = content.get(ctype)
        if media is None:
            return [f"{what}: content type {ctype or '(none)'} is not documented "
                    f"(documented: {', '.join(content)})"]
        schema = media.get("schema")
        if ctype != "application/json" or schema is None:
            return []
        if body_json is _NOT_JSON:
            return [f"{what}: the body is not JSON: {ex.body[:80]!r}"]
        errors = sorted(self.validator(route.doc_name, schema).iter_errors(body_json),
                        key=lambda e: list(e.absolute_path))
        return [f"{what}: {_where(e)}: {e.message[:300]} "
                f"({route.doc_name}.json {ex.method.upper()} {route.template} {code})"
                for e in errors[:5]]


_NOT_JSON = object()


def _static(path):
    """The console's application files (not an API: /console/api/ is)."""
    return (path == "/console" or path.startswith("/console/")) and \
        not path.startswith("/console/api/")


def _json(body):
    if not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


def _is_error(v):
    return isinstance(v, dict) and set(v) == {"error"} and isinstance(v["error"], str)


def _is_html(ctype):
    return (ctype or "").lower().startswith("text/html")


def _where(err):
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                         for p in err.absolute_path)


class Recorder:
    """The exchanges of a test session with kassad, checked at its end."""

    def __init__(self):
        self.exchanges = []
        self.test = None
        self.unexercised = []  # after check(): documented operations no test met
        self._lock = threading.Lock()

    def observe(self, method, path, status, ctype, body):
        ex = Exchange(method.upper(), path, status, ctype, body, self.test)
        with self._lock:
            self.exchanges.append(ex)

    def check(self, checker=None):
        """(problems, summary): each distinct problem once, with how many
        exchanges had it and the first test that did."""
        started = time.monotonic()
        checker = checker or Checker()
        seen = {}
        ops = set()
        for ex in self.exchanges:
            route, op = checker.find(ex.method, ex.path)
            if route is not None:
                m = ex.method if ex.method.lower() in route.item else "GET"  # HEAD
                ops.add((route.doc_name, route.template, m))
            for p in checker.check(ex):
                # The same problem of many orders is one problem: ids out.
                key = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\b[0-9]+\b", "N", p)
                if key in seen:
                    seen[key][1] += 1
                else:
                    seen[key] = [p, 1, ex.test]
        problems = [f"{p}  [{n}x, first in {t}]" for p, n, t in seen.values()]
        documented = checker.operations()
        self.unexercised = sorted(documented - ops)
        summary = (f"{len(self.exchanges)} answers of kassad checked against "
                   f"docs/openapi/ ({len(ops & documented)} of {len(documented)} documented "
                   f"operations exercised), {len(problems)} problems, in "
                   f"{time.monotonic() - started:.1f} s")
        return problems, summary
