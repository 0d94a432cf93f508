# Shell helpers of the HTTP load tests (run.sh, run_sqlite.sh), sourced after `server`,
# `worker` (may be empty) and `work` (a scratch folder) are set.
hz=$(getconf CLK_TCK)
json() { curl -sf "$@" -H 'content-type: application/json'; }
token() { python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
# CPU seconds (user + system) used so far by a set of processes.
cpu_of() { for p in "$@"; do [ -r "/proc/$p/stat" ] && awk '{print $14 + $15}' "/proc/$p/stat"; done | awk -v hz="$hz" '{s += $1} END {printf "%.2f", s / hz}'; }
# CPU seconds used so far by PostgreSQL: every live server process, plus the postmaster's
# reaped children (backends of connections that have closed); 0 without PostgreSQL.
pg_cpu() {
    local master
    master=$(pgrep -o -u postgres -x postgres || true)
    [ -n "$master" ] || { echo 0; return; }
    { for p in $(pgrep -u postgres -x postgres); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done
      awk '{print $16 + $17}' "/proc/$master/stat"; } | awk -v hz="$hz" '{s += $1} END {printf "%.2f", s / hz}'
}
# Busy CPU seconds of the whole machine (everything but idle and iowait).
machine_busy() { awk -v hz="$hz" '/^cpu / {printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat; }
# label, output file, then the load generator's command: records the CPU seconds each
# party used while it ran (the load generator's through its rusage) as
# label|ticket-api|ticket-worker|PostgreSQL|load generator|machine.
measure() {
    local label=$1 out=$2; shift 2
    local a0 w0 p0 m0
    a0=$(cpu_of "$server"); w0=$(cpu_of $worker); p0=$(pg_cpu); m0=$(machine_busy)
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[2:], check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.2f" % (r.ru_utime + r.ru_stime))' "$work/loadgen.cpu" "$@"
    echo "$label|$(cpu_of "$server")-$a0|$(cpu_of $worker)-$w0|$(pg_cpu)-$p0|$(cat "$work/loadgen.cpu")|$(machine_busy)-$m0" \
        | awk -F'|' '{ split($2, a, "-"); split($3, w, "-"); split($4, p, "-"); split($6, m, "-");
            printf "%s|%.2f|%.2f|%.2f|%.2f|%.2f\n", $1, a[1] - a[2], w[1] - w[2], p[1] - p[2], $5, m[1] - m[2] }' > "$out"
}
hwm() { awk '/VmHWM/ {print $2}' "/proc/$server/status"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
# wrk's output file and a label: label|req/s|p50|p99|requests|non-2xx|socket errors.
parse_wrk() {
    python3 - "$1" "$2" <<'PY'
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
# The CPU table: one row per "phase:line" argument (line as parse_wrk prints it, its
# CPU in $work/cpu.<phase>), in milliseconds per request.
cpu_table() {
    echo "| workload | whole machine | ticket-api | ticket-worker | PostgreSQL | load generator |"
    echo "|---|---|---|---|---|---|"
    local pair phase line n
    for pair in "$@"; do
        phase=${pair%%:*}; line=${pair#*:}
        n=$(echo "$line" | cut -d'|' -f5)
        awk -F'|' -v n="$n" '{ printf "| %s | %.3f | %.3f | %.3f | %.3f | %.3f |\n", $1, 1000 * $6 / n, 1000 * $2 / n, 1000 * $3 / n, 1000 * $4 / n, 1000 * $5 / n }' "$work/cpu.$phase"
    done
}
# Logs in the bench accounts (creating the customer and agent), setting $customer,
# $agent and $customer_id; $api is the API's base URL.
bench_accounts() {
    local admin
    admin=$(json "$api/auth/login" -d '{"email":"bench-admin@example.com","password":"bench admin password"}' | token)
    json "$api/customers" -H "authorization: Bearer $admin" \
        -d '{"email":"bench-customer@example.com","display_name":"Bench","password":"bench customer pw"}' >/dev/null 2>&1 || true
    json "$api/agents" -H "authorization: Bearer $admin" \
        -d '{"email":"bench-agent@example.com","display_name":"Bench agent","password":"bench agent pw"}' >/dev/null 2>&1 || true
    customer=$(json "$api/auth/login" -d '{"email":"bench-customer@example.com","password":"bench customer pw"}' | token)
    agent=$(json "$api/auth/login" -d '{"email":"bench-agent@example.com","password":"bench agent pw"}' | token)
    customer_id=$(curl -sf "$api/me" -H "authorization: Bearer $customer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
}
