#!/usr/bin/env bash
# The search benchmark behind BENCHMARKS.md ("Search at 1,000,000 tickets"), on either
# backend's seeded database: `just seed` (PostgreSQL) or `just seed-sqlite` (SQLite).
# Starts the release ticket-api on it (worker loops off), logs in staff and a seeded
# customer, and times each search kind alone and with filters and sorts (RUNS sequential
# requests each, after one warm-up); prints a markdown table of median and p99 in ms.
#   SEARCH_BENCH_DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench;
#                              sqlite://data/bench.db for SQLite)
#   RUNS (default 25), PORT (default 18791), TICKET_API_BIN (default: the release build of
#   this checkout; another binary measures a "before")
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${SEARCH_BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench}
runs=${RUNS:-25}
port=${PORT:-18791}
target=${CARGO_TARGET_DIR:-target}
bin=${TICKET_API_BIN:-$target/release/ticket-api}

if [ -z "${TICKET_API_BIN:-}" ]; then cargo build --release --bin ticket-api; fi
work=$(mktemp -d)
# A seeded customer who can log in: seed-customer-243 owns ticket 424242 (the one with
# "zanzibar").
customer_email=seed-customer-243@example.com
customer_password='search bench customer'
DATABASE_URL="$url" TICKET__LOG__LEVEL=warn TICKET_NEW_PASSWORD="$customer_password" \
    "$bin" user set-password --email "$customer_email" >/dev/null
DATABASE_URL="$url" \
TICKET__HTTP__BIND="127.0.0.1:$port" \
TICKET__BOOTSTRAP__ADMIN_EMAIL=bench-admin@example.com \
TICKET__BOOTSTRAP__ADMIN_PASSWORD='bench admin password' \
TICKET__WORKER__EMBEDDED=false \
TICKET__LOG__LEVEL=warn \
    "$bin" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

BENCH_URL="http://127.0.0.1:$port/api/v1" RUNS="$runs" CUSTOMER_EMAIL="$customer_email" \
CUSTOMER_PASSWORD="$customer_password" DATABASE_LABEL="$url" \
    python3 -u tests/bench/search_bench.py
