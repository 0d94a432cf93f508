#!/usr/bin/env bash
# Creates (or recreates with RESEED=1) the SQLite search benchmark database, applies the
# migrations with ticket-api and seeds it with seed_sqlite.sql: 1,000,000 tickets and
# 300,000 comments, the same data as `just seed` followed by search_seed.sql.
#   SQLITE_BENCH_DATABASE_URL (default sqlite://data/bench.db)
#   SEED_TICKETS              how many tickets (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${SQLITE_BENCH_DATABASE_URL:-sqlite://data/bench.db}
path=${url#sqlite://}
path=${path#sqlite:}
target=${CARGO_TARGET_DIR:-target}
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3"; exit 1; }

cargo build --release --bin ticket-api
if [ "${RESEED:-0}" = 1 ]; then rm -f "$path" "$path-wal" "$path-shm"; fi
mkdir -p "$(dirname "$path")"
DATABASE_URL="sqlite://$path" TICKET__LOG__LEVEL=warn "$target/release/ticket-api" migrate
tickets=${SEED_TICKETS:-1000000}
time sed "s|1000000 /\* SEED_TICKETS \*/|$tickets|g" tests/bench/seed_sqlite.sql | sqlite3 "$path"
