#!/usr/bin/env bash
# Fuzzes the running API with schemathesis against its own OpenAPI document, once as an
# admin and once as a customer, and fails on any 5xx, any response the document does not
# describe, or a panic in the server log.
#
#   tests/fuzz/run.sh                  # 100 examples per operation and caller
#   FUZZ_EXAMPLES=500 tests/fuzz/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

profile=${PROFILE:-release}
target=${CARGO_TARGET_DIR:-target}
examples=${FUZZ_EXAMPLES:-100}
port=${FUZZ_PORT:-18765}
venv=${FUZZ_VENV:-$HOME/.cache/ticketing-fuzz-venv}

if [ "$profile" = release ]; then cargo build --release --bin ticket-api; else cargo build --bin ticket-api; fi
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'schemathesis>=4,<5'
fi

work=$(mktemp -d)
base="http://127.0.0.1:$port"
api="$base/api/v1"
TICKET__HTTP__BIND="127.0.0.1:$port" \
TICKET__BOOTSTRAP__ADMIN_EMAIL=admin@example.com \
TICKET__BOOTSTRAP__ADMIN_PASSWORD='fuzzing admin password' \
TICKET__LOG__LEVEL=warn \
DATABASE_URL="sqlite://$work/tickets.db" \
    "$target/$profile/ticket-api" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done

json() { curl -sf "$@" -H 'content-type: application/json'; }
token() { python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
admin=$(json "$api/auth/login" -d '{"email":"admin@example.com","password":"fuzzing admin password"}' | token)
for slug in general billing; do json "$api/categories" -H "authorization: Bearer $admin" -d "{\"slug\":\"$slug\",\"name\":\"$slug\"}" >/dev/null; done
json "$api/customers" -H "authorization: Bearer $admin" -d '{"email":"cu@example.com","display_name":"Cu","password":"customer password"}' >/dev/null
customer=$(json "$api/auth/login" -d '{"email":"cu@example.com","password":"customer password"}' | token)
# A policy for every priority, so tickets carry SLA targets.
json "$api/sla/policies" -H "authorization: Bearer $admin" \
    -d '{"name":"All","priorities":["low","normal","high","urgent"],"first_response_minutes":60,"resolution_minutes":480}' >/dev/null
for i in 1 2 3; do
    json "$api/tickets" -H "authorization: Bearer $customer" -d "{\"subject\":\"seed $i\",\"description\":\"d\",\"category\":\"general\"}" >/dev/null
done
# A conversation with files, so the comment and attachment operations have targets.
printf 'seed file\n' >"$work/seed.txt"
curl -sf "$api/tickets/1/comments" -H "authorization: Bearer $customer" -F body='a comment' -F "files=@$work/seed.txt;type=text/plain" >/dev/null
curl -sf "$api/tickets/1/comments" -H "authorization: Bearer $admin" -F body='a note' -F visibility=internal -F "files=@$work/seed.txt;type=text/plain" >/dev/null

status=0
for who in admin customer; do
    tok=${!who}
    echo "== schemathesis as $who, $examples examples per operation"
    # Logout is left out: it would revoke the token the run uses.
    "$venv/bin/schemathesis" run "$api/openapi.json" \
        --url "$base" \
        --header "Authorization: Bearer $tok" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
        --exclude-path /api/v1/auth/logout \
        --max-examples "$examples" \
        --phases examples,coverage,fuzzing \
        --generation-database none \
        --no-color \
        --seed 20261127 || status=1
done

if grep -q panicked "$work/server.log"; then
    echo "the server panicked:"; grep -A5 panicked "$work/server.log"; status=1
fi
exit $status
