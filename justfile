# Development recipes. `just` comes from `cargo install just` or `pip install rust-just`.
set shell := ["bash", "-euo", "pipefail", "-c"]

pg_url := env_var_or_default("TEST_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/ticketing_test")

# List the recipes.
default:
    @just --list

# Run the API on the embedded SQLite database (./data/tickets.db).
dev:
    cargo run --bin ticket-api

# The README's test command: everything, PostgreSQL cases skip without TEST_DATABASE_URL.
test:
    cargo test --workspace

# The whole suite with the PostgreSQL half (needs a PostgreSQL reachable at pg_url).
test-pg:
    TEST_DATABASE_URL={{pg_url}} REQUIRE_POSTGRES=1 cargo test --workspace

# What CI runs: starts PostgreSQL (installing it if needed), fmt, clippy, tests.
ci:
    bash .ci/run

# Formatting and lints as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Apply migrations to DATABASE_URL (default: the SQLite file).
migrate:
    cargo run --release --bin ticket-api -- migrate

# Schemathesis against /api/v1/openapi.json (FUZZ_EXAMPLES per operation, default 100).
fuzz:
    tests/fuzz/run.sh

# Seed PostgreSQL (BENCH_DATABASE_URL) with 1,000,000 tickets (and the search benchmark's
# 300,000 comments) for the load test.
seed:
    tests/bench/seed.sh

# Seed a SQLite file (SQLITE_BENCH_DATABASE_URL, default sqlite://data/bench.db) with the
# same 1,000,000 tickets and 300,000 comments as `just seed`, for the search benchmark.
seed-sqlite:
    tests/bench/seed_sqlite.sh

# The search benchmark at 1,000,000 tickets on PostgreSQL (BENCH_DATABASE_URL, `just seed`).
bench-search:
    SEARCH_BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench}" tests/bench/search.sh

# The search benchmark at 1,000,000 tickets on SQLite (SQLITE_BENCH_DATABASE_URL, `just seed-sqlite`).
bench-search-sqlite:
    SEARCH_BENCH_DATABASE_URL="${SQLITE_BENCH_DATABASE_URL:-sqlite://data/bench.db}" tests/bench/search.sh

# The PostgreSQL load test behind BENCHMARKS.md (issue 17): POST /tickets and filtered
# pages against pgbench running the minimal create transaction, in one run; then the
# search benchmark (BENCH_SEARCH=0 skips it).
bench:
    tests/bench/run.sh
    if [ "${BENCH_SEARCH:-1}" = 1 ]; then just bench-search; fi

# The embedded default's load test (SQLite, worker loops in-process): creates, then
# pages and searches at 100,000 tickets (SQLITE_BENCH_DATABASE_URL, default
# sqlite://data/bench-100k.db: SEED_TICKETS=100000 SQLITE_BENCH_DATABASE_URL=… just seed-sqlite),
# then the search benchmark at 1,000,000 (BENCH_SEARCH=0 skips it).
bench-sqlite:
    tests/bench/run_sqlite.sh
    if [ "${BENCH_SEARCH:-1}" = 1 ]; then just bench-search-sqlite; fi

# The SLA monitor benchmark behind BENCHMARKS.md (1,000,000 open tickets).
bench-sla:
    tests/bench/sla.sh

# The escalation and notification loops over 1,000,000 open tickets (BENCHMARKS.md);
# runs on the SLA benchmark's database.
bench-escalation:
    tests/bench/escalation.sh

# The assignment queue benchmark: 10,000 queued tickets, 200 agents (BENCHMARKS.md).
bench-queue:
    tests/bench/queue.sh

# The reports over 1,000,000 tickets with history, SLA targets and surveys: each report
# and group_by for a 30-day period (BENCHMARKS.md).
bench-reports:
    tests/bench/reports.sh
