#!/usr/bin/env bash
# The HTTP load test behind BENCHMARKS.md, on the seeded PostgreSQL database (just seed):
# POST /tickets and a filtered GET /tickets page at concurrency 16 with wrk, then pgbench
# running the SQL of one create at the same concurrency, all in one run. Prints a table.
#   BENCH_DATABASE_URL   (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench)
#   BENCH_SECONDS        duration of each phase (default 30)
#   BENCH_CONCURRENCY    connections (default 16)
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench}
seconds=${BENCH_SECONDS:-30}
conc=${BENCH_CONCURRENCY:-16}
port=${BENCH_PORT:-18790}
target=${CARGO_TARGET_DIR:-target}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is needed: apt-get install postgresql-client"; exit 1; }

cargo build --release --bin ticket-api
work=$(mktemp -d)
base="http://127.0.0.1:$port"
api="$base/api/v1"
DATABASE_URL="$url" \
TICKET__HTTP__BIND="127.0.0.1:$port" \
TICKET__DATABASE__MAX_CONNECTIONS="$conc" \
TICKET__BOOTSTRAP__ADMIN_EMAIL=bench-admin@example.com \
TICKET__BOOTSTRAP__ADMIN_PASSWORD='bench admin password' \
TICKET__WORKER__EMBEDDED=false \
TICKET__LOG__LEVEL=warn \
    "$target/release/ticket-api" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done

json() { curl -sf "$@" -H 'content-type: application/json'; }
token() { python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
# CPU seconds (user + system) used so far by a set of processes.
cpu_of() { for p in "$@"; do [ -r "/proc/$p/stat" ] && awk '{print $14 + $15}' "/proc/$p/stat"; done | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {printf "%.1f", s / hz}'; }
# Busy CPU seconds of the whole machine (everything but idle and iowait).
machine_busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / {printf "%.1f", ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat; }
cpu_split() { # label, then run the rest as the workload; records API and machine CPU seconds
    local label=$1; shift
    local api0 all0 api1 all1
    api0=$(cpu_of "$server"); all0=$(machine_busy)
    "$@"
    api1=$(cpu_of "$server"); all1=$(machine_busy)
    echo "$label|$(echo "$api1 - $api0" | bc)|$(echo "$all1 - $all0" | bc)" >> "$work/cpu.txt"
}
hwm() { awk '/VmHWM/ {print $2}' "/proc/$server/status"; }
admin=$(json "$api/auth/login" -d '{"email":"bench-admin@example.com","password":"bench admin password"}' | token)
json "$api/customers" -H "authorization: Bearer $admin" \
    -d '{"email":"bench-customer@example.com","display_name":"Bench","password":"bench customer pw"}' >/dev/null 2>&1 || true
json "$api/agents" -H "authorization: Bearer $admin" \
    -d '{"email":"bench-agent@example.com","display_name":"Bench agent","password":"bench agent pw"}' >/dev/null 2>&1 || true
customer=$(json "$api/auth/login" -d '{"email":"bench-customer@example.com","password":"bench customer pw"}' | token)
agent=$(json "$api/auth/login" -d '{"email":"bench-agent@example.com","password":"bench agent pw"}' | token)
customer_id=$(curl -sf "$api/me" -H "authorization: Bearer $customer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
tickets_before=$(psql -qtA "$url" -c "SELECT count(*) FROM tickets")
echo "tickets in the database: $tickets_before; rss after start: $(rss) KiB"

parse_wrk() { # file label
    python3 - "$1" "$2" "$seconds" <<'PY'
import re, sys
text = open(sys.argv[1]).read(); label = sys.argv[2]
def lat(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, text, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errs = re.search(r"Socket errors: (.*)", text)
print(f"{label}|{rps:.0f}|{lat(50):.2f}|{lat(99):.2f}|{total}|{int(non2xx.group(1)) if non2xx else 0}|{errs.group(1) if errs else 'none'}")
PY
}

echo "== warm-up (5 s)"
BENCH_TOKEN=$customer wrk -t2 -c"$conc" -d5s -s tests/bench/create_ticket.lua "$base" >/dev/null
BENCH_TOKEN=$agent wrk -t2 -c"$conc" -d5s -s tests/bench/list_tickets.lua "$base" >/dev/null

echo "== POST /api/v1/tickets, $conc connections, ${seconds}s"
cpu_split "POST /api/v1/tickets" sh -c "BENCH_TOKEN=$customer wrk -t2 -c$conc -d${seconds}s --latency -s tests/bench/create_ticket.lua $base > $work/create.txt"
cat "$work/create.txt"
create_rss=$(rss)
echo "== GET /api/v1/tickets (filtered first page), $conc connections, ${seconds}s"
cpu_split "GET /api/v1/tickets (filtered page)" sh -c "BENCH_TOKEN=$agent wrk -t2 -c$conc -d${seconds}s --latency -s tests/bench/list_tickets.lua $base > $work/list.txt"
cat "$work/list.txt"
list_rss=$(rss)

echo "== pgbench: the SQL of one create, $conc clients, ${seconds}s"
token_hash=$(printf '%s' "$customer" | sha256sum | cut -d' ' -f1)
mkdir -p "$work/pgbench"
cpu_split "pgbench (same SQL as one create)" sh -c "cd $work/pgbench && pgbench -n -M prepared -c $conc -j 2 -T $seconds -l \
    -D token_hash=$token_hash -D customer_id=$customer_id -f $PWD/tests/bench/create_ticket.pgbench '$url' > $work/pgbench.txt"
cat "$work/pgbench.txt"
pg_line=$(python3 - "$work/pgbench" "$work/pgbench.txt" <<'PY'
import glob, re, sys
lat = []
for f in glob.glob(sys.argv[1] + "/pgbench_log.*"):
    for line in open(f):
        parts = line.split()
        lat.append(int(parts[2]) / 1000)
lat.sort()
text = open(sys.argv[2]).read()
tps = float(re.search(r"tps = ([\d.]+)", text).group(1))
failed = re.search(r"number of failed transactions: (\d+)", text)
q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
print(f"pgbench (same SQL as one create)|{tps:.0f}|{q(0.5):.2f}|{q(0.99):.2f}|{len(lat)}|{failed.group(1) if failed else 0}|none")
PY
)
create_line=$(parse_wrk "$work/create.txt" "POST /api/v1/tickets")
list_line=$(parse_wrk "$work/list.txt" "GET /api/v1/tickets (filtered page)")
tickets_after=$(psql -qtA "$url" -c "SELECT count(*) FROM tickets")

echo
echo "| workload | req/s | p50 ms | p99 ms | requests | non-2xx / failed | socket errors |"
echo "|---|---|---|---|---|---|---|"
for l in "$create_line" "$list_line" "$pg_line"; do echo "| ${l//|/ | } |"; done
api_rps=$(echo "$create_line" | cut -d'|' -f2); pg_tps=$(echo "$pg_line" | cut -d'|' -f2)
echo
echo "POST /tickets reaches $(( 100 * api_rps / pg_tps )) % of pgbench's rate."
echo "ticket-api resident memory: $create_rss KiB after the create phase, $list_rss KiB after the list phase, peak $(hwm) KiB."
echo "tickets: $tickets_before before, $tickets_after after; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "CPU seconds used during each ${seconds}s phase (of $(( $(nproc) * seconds )) available):"
echo "| workload | ticket-api | whole machine (PostgreSQL, load generator, ticket-api) |"
echo "|---|---|---|"
while IFS= read -r l; do echo "| ${l//|/ | } |"; done < "$work/cpu.txt"
