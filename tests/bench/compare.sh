#!/usr/bin/env bash
# Two ticket-api builds in one run, on one PostgreSQL database: POST /tickets and a filtered
# GET /tickets page at concurrency 16 with wrk, alternating the builds phase by phase
# (A B B A for each workload) so drift in the machine's state weighs on both alike.
# Prints one table row per build and workload, the two phases of each averaged.
#   BEFORE_BIN, AFTER_BIN  the two ticket-api binaries (release builds)
#   BENCH_DATABASE_URL     a database this script may drop and recreate
#                          (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_compare)
#   BENCH_SECONDS          duration of each phase (default 20)
#   BENCH_CONCURRENCY      connections (default 16)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${BEFORE_BIN:?the ticket-api binary before the change}" "${AFTER_BIN:?the ticket-api binary after it}"
url=${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_compare}
seconds=${BENCH_SECONDS:-20}
conc=${BENCH_CONCURRENCY:-16}
admin_url=${url%/*}/postgres
db=${url##*/}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }

psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

start() { # binary port label
    DATABASE_URL="$url" TICKET__HTTP__BIND="127.0.0.1:$2" TICKET__DATABASE__MAX_CONNECTIONS="$conc" \
    TICKET__BOOTSTRAP__ADMIN_EMAIL=bench-admin@example.com TICKET__BOOTSTRAP__ADMIN_PASSWORD='bench admin password' \
    TICKET__WORKER__EMBEDDED=false TICKET__LOG__LEVEL=warn "$1" >"$work/$3.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.2; done
    echo "$3 did not start:"; cat "$work/$3.log"; exit 1
}
# The build before migrates first; the one after finds the schema up to date (or adds its
# own migrations, which must then be backward compatible with the one before).
start "$BEFORE_BIN" 18791 before
start "$AFTER_BIN" 18792 after

api=http://127.0.0.1:18791/api/v1
json() { curl -sf "$@" -H 'content-type: application/json'; }
token() { python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
admin=$(json "$api/auth/login" -d '{"email":"bench-admin@example.com","password":"bench admin password"}' | token)
for c in billing hardware account shipping general; do
    json "$api/categories" -H "authorization: Bearer $admin" -d "{\"slug\":\"$c\",\"name\":\"$c\"}" >/dev/null
done
json "$api/customers" -H "authorization: Bearer $admin" \
    -d '{"email":"bench-customer@example.com","display_name":"Bench","password":"bench customer pw"}' >/dev/null
json "$api/agents" -H "authorization: Bearer $admin" \
    -d '{"email":"bench-agent@example.com","display_name":"Bench agent","password":"bench agent pw"}' >/dev/null
customer=$(json "$api/auth/login" -d '{"email":"bench-customer@example.com","password":"bench customer pw"}' | token)
agent=$(json "$api/auth/login" -d '{"email":"bench-agent@example.com","password":"bench agent pw"}' | token)

phase() { # label port script token
    BENCH_TOKEN=$4 wrk -t2 -c"$conc" -d"${seconds}s" --latency -s "tests/bench/$3" "http://127.0.0.1:$2" >"$work/$1.txt"
}
echo "== warm-up: 10 s of creates on each build (the table then holds tens of thousands of tickets)"
BENCH_TOKEN=$customer wrk -t2 -c"$conc" -d10s -s tests/bench/create_ticket.lua http://127.0.0.1:18791 >/dev/null
BENCH_TOKEN=$customer wrk -t2 -c"$conc" -d10s -s tests/bench/create_ticket.lua http://127.0.0.1:18792 >/dev/null
BENCH_TOKEN=$agent wrk -t2 -c"$conc" -d5s -s tests/bench/list_tickets.lua http://127.0.0.1:18791 >/dev/null
BENCH_TOKEN=$agent wrk -t2 -c"$conc" -d5s -s tests/bench/list_tickets.lua http://127.0.0.1:18792 >/dev/null
for w in create list; do
    script=create_ticket.lua; tok=$customer
    if [ $w = list ]; then script=list_tickets.lua; tok=$agent; fi
    echo "== $w: before, after, after, before (${seconds}s each)"
    phase "$w-before-1" 18791 $script "$tok"
    phase "$w-after-1" 18792 $script "$tok"
    phase "$w-after-2" 18792 $script "$tok"
    phase "$w-before-2" 18791 $script "$tok"
done
tickets=$(psql -qtA "$url" -c "SELECT count(*) FROM tickets")

python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
def parse(name):
    text = open(f"{work}/{name}.txt").read()
    def lat(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, text, re.M)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)), lat(50), lat(99),
            int(non2xx.group(1)) if non2xx else 0)
print("| workload | build | req/s (phase 1, phase 2) | p50 ms | p99 ms | non-2xx |")
print("|---|---|---|---|---|---|")
for w, label in (("create", "POST /api/v1/tickets"), ("list", "GET /api/v1/tickets (filtered page)")):
    for b in ("before", "after"):
        a, c = parse(f"{w}-{b}-1"), parse(f"{w}-{b}-2")
        print(f"| {label} | {b} | {(a[0] + c[0]) / 2:.0f} ({a[0]:.0f}, {c[0]:.0f}) | {(a[1] + c[1]) / 2:.2f} "
              f"| {(a[2] + c[2]) / 2:.2f} | {a[3] + c[3]} |")
PY
echo
echo "tickets at the end: $tickets; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
