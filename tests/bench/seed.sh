#!/usr/bin/env bash
# Creates (or recreates with RESEED=1) the bench database, applies the migrations with
# ticket-api and seeds 1,000,000 tickets, then the search benchmark's comments and words
# (search_seed.sql).
#   BENCH_DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench)
#   SEED_TICKETS       how many tickets (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench}
admin_url=${url%/*}/postgres
db=${url##*/}
target=${CARGO_TARGET_DIR:-target}

cargo build --release --bin ticket-api
if [ "${RESEED:-0}" = 1 ]; then psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db"; fi
if ! psql -qtA "$admin_url" -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql -q "$admin_url" -c "CREATE DATABASE $db"
fi
DATABASE_URL="$url" TICKET__LOG__LEVEL=warn "$target/release/ticket-api" migrate
time psql -q "$url" -v tickets="${SEED_TICKETS:-1000000}" -f tests/bench/seed.sql
time psql -q "$url" -f tests/bench/search_seed.sql
