"""Times GET /api/v1/tickets?q=... for each search kind, alone and with filters and
sorts, as staff and as a customer; prints a markdown table (tests/bench/search.sh)."""
import json
import os
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request

API = os.environ["BENCH_URL"]
RUNS = int(os.environ.get("RUNS", "25"))


def call(method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(API + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def login(email, password):
    return call("POST", "/auth/login", body={"email": email, "password": password})["token"]


admin = login("bench-admin@example.com", "bench admin password")
try:
    call("POST", "/agents", admin, {"email": "bench-agent@example.com", "display_name": "Bench agent",
                                    "password": "bench agent pw"})
except urllib.error.HTTPError:
    pass  # already there from an earlier run
staff = login("bench-agent@example.com", "bench agent pw")
customer = login(os.environ["CUSTOMER_EMAIL"], os.environ["CUSTOMER_PASSWORD"])
me = call("GET", "/me", customer)["id"]

KINDS = [
    ("nothing", "xylophone"),
    ("one ticket", "zanzibar"),
    ("one in eight", "flickers"),
    ("two words", "printer jams"),
    ("comments only", "router"),
]
VARIANTS = [
    ("staff", ""),
    ("staff", "&status=new&priority=high"),
    ("staff", "&category=hardware"),
    ("staff", "&tag=vip"),
    ("staff", f"&customer_id={me}"),
    ("staff", "&assignee_id=1"),
    ("staff", "&created_after=2026-06-01T00:00:00Z&created_before=2026-07-01T00:00:00Z"),
    ("staff", "&sort=created_at"),
    ("staff", "&sort=-updated_at"),
    ("staff", "&sort=updated_at"),
    ("staff", "&sort=-priority"),
    ("staff", "&sort=priority"),
    ("staff", "&sort=sla_due_at"),
    ("staff", "&status=new&sort=-priority"),
    ("customer", ""),
    ("customer", "&sort=-priority"),
]


def timed(path, token):
    """Milliseconds and the page's item count (the status code instead on an error)."""
    start = time.perf_counter()
    try:
        items = len(call("GET", path, token)["items"])
    except urllib.error.HTTPError as e:
        items = f"HTTP {e.code}"
    return (time.perf_counter() - start) * 1000, items


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.99 * (len(xs) - 1)))]


print(f"database: {os.environ.get('DATABASE_LABEL', '?')}; {RUNS} sequential requests per row, after one warm-up")
print()
print("| q | as | filters / sort | items | median ms | p99 ms |")
print("|---|---|---|---|---|---|")
worst = 0.0
for kind, q in KINDS:
    for who, extra in VARIANTS:
        token = staff if who == "staff" else customer
        path = "/tickets?q=" + urllib.parse.quote(q) + extra
        timed(path, token)
        times, items = [], 0
        for _ in range(RUNS):
            ms, items = timed(path, token)
            times.append(ms)
        worst = max(worst, p99(times))
        print(f"| {kind} (`{q}`) | {who} | `{extra.lstrip('&') or '-'}` | {items} "
              f"| {statistics.median(times):.1f} | {p99(times):.1f} |")
print()
print(f"worst p99: {worst:.1f} ms")
