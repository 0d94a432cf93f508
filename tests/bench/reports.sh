#!/usr/bin/env bash
# The reports benchmark behind BENCHMARKS.md: 1,000,000 tickets over a year with their
# history, SLA targets and surveys (seed.sql, then reports_seed.sql), then each report and
# each group_by for a 30-day period, timed through the API (curl's total time; the best of
# RUNS, after one warm-up).
#   REPORTS_BENCH_DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_reports_bench)
#   RESEED=1 recreates the database (about ten minutes); PROFILE=debug uses a debug build;
#   RUNS (default 5); PORT (default 18089).
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${REPORTS_BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_reports_bench}
admin_url=${url%/*}/postgres
db=${url##*/}
target=${CARGO_TARGET_DIR:-target}
profile=${PROFILE:-release}
runs=${RUNS:-5}
port=${PORT:-18089}
if [ "$profile" = release ]; then cargo build --release --bin ticket-api; else cargo build --bin ticket-api; fi
bin="$target/$profile/ticket-api"

if [ "${RESEED:-0}" = 1 ] || ! psql -qtA "$url" -c "SELECT count(*) FROM surveys" >/dev/null 2>&1; then
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS \"$db\""
    psql -q "$admin_url" -c "CREATE DATABASE \"$db\""
    DATABASE_URL="$url" TICKET__LOG__LEVEL=warn "$bin" migrate
    time psql -q "$url" -f tests/bench/seed.sql
    time psql -q "$url" -f tests/bench/reports_seed.sql
fi
DATABASE_URL="$url" TICKET__LOG__LEVEL=warn "$bin" migrate

email=bench-lead@example.com
password=bench-lead-password-2026
psql -q "$url" -c "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email = '$email')" \
    -c "DELETE FROM users WHERE email = '$email'"
TICKET_ADMIN_PASSWORD="$password" DATABASE_URL="$url" TICKET__LOG__LEVEL=warn "$bin" create-admin --email "$email" >/dev/null

DATABASE_URL="$url" TICKET__LOG__LEVEL=warn TICKET__HTTP__BIND="127.0.0.1:$port" TICKET__WORKER__EMBEDDED=false \
    "$bin" serve &
api=$!
trap 'kill $api 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -fs -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/v1/auth/login" |
    sed -E 's/.*"token":"([^"]+)".*/\1/')

# The last 30 local days ending yesterday (the seed's newest tickets are "now").
to=$(date -u -d yesterday +%F)
from=$(date -u -d '30 days ago' +%F)
echo "period: $from to $to (Europe/Berlin)"
time_one() {
    local path=$1 accept=${2:-application/json} best=""
    curl -fs -o /dev/null -H "Authorization: Bearer $token" -H "Accept: $accept" "http://127.0.0.1:$port$path"
    for _ in $(seq 1 "$runs"); do
        t=$(curl -fs -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" -H "Accept: $accept" \
            "http://127.0.0.1:$port$path")
        best=$(printf '%s\n%s\n' "$best" "$t" | grep . | sort -g | head -1)
    done
    printf '%-70s %s s\n' "$path ($accept)" "$best"
}
q="from=$from&to=$to&time_zone=Europe/Berlin"
for g in "" policy category priority agent; do time_one "/api/v1/reports/sla?$q${g:+&group_by=$g}"; done
for g in "" category agent priority; do time_one "/api/v1/reports/response-times?$q${g:+&group_by=$g}"; done
time_one "/api/v1/reports/volume?$q"
for g in "" agent category period; do time_one "/api/v1/reports/csat?$q${g:+&group_by=$g}"; done
time_one "/api/v1/reports/agents?$q"
time_one "/api/v1/reports/volume?$q" text/csv
time_one "/api/v1/reports/agents?$q" text/csv
