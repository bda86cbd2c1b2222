#!/usr/bin/env bash
# The crash test: `make chaos`, or `bash chaos/run.sh --short` (what .ci/run
# runs: fewer filings and kills, the same checks). It starts what the test
# needs and nothing else: a PostgreSQL database of its own (icpdesk_chaos,
# dropped and created again), a private Dovecot (.ci/dovecot), and the SMTP
# sink as a process of its own; then chaos/main.go runs `icpdesk serve`,
# kills it and checks the outcome. PostgreSQL must be running: the URL
# comes from CHAOS_POSTGRES_URL or ICPDESK_TEST_POSTGRES_URL (only the
# database name is replaced), else postgres://postgres@127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
if [[ "${1:-}" == "--short" ]]; then
	args=(-filings 40 -strangers 10 -kills 3)
fi

log() { printf '== chaos: %s\n' "$*"; }

work=$(mktemp -d /tmp/icpdesk-chaos.XXXXXX)
sink_pid=""
status=1
cleanup() {
	[[ -n "$sink_pid" ]] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null || true
	[[ -n "${ICPDESK_TEST_DOVECOT_DIR:-}" ]] && bash .ci/dovecot stop "$ICPDESK_TEST_DOVECOT_DIR"
	if [[ $status -eq 0 ]]; then
		rm -rf "$work"
	else
		log "logs kept in $work"
	fi
}
trap cleanup EXIT

# --- PostgreSQL: a database of its own --------------------------------------
base=${CHAOS_POSTGRES_URL:-${ICPDESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}}
with_db() { sed -E "s#^(postgres(ql)?://[^/]*/)[^?]*#\\1$1#" <<<"$base"; }
db_url=$(with_db icpdesk_chaos)
admin_url=$(with_db postgres)
if ! psql "$admin_url" -v ON_ERROR_STOP=1 -Atq -c 'DROP DATABASE IF EXISTS icpdesk_chaos' -c 'CREATE DATABASE icpdesk_chaos'; then
	log "cannot create the database icpdesk_chaos with $admin_url: start PostgreSQL (bash .ci/run does) or set CHAOS_POSTGRES_URL"
	exit 1
fi
log "PostgreSQL database icpdesk_chaos created"

# --- Dovecot: a private instance, emptied by the test -----------------------
unset ICPDESK_TEST_DOVECOT_DIR
eval "$(bash .ci/dovecot start)"

# --- the programs -----------------------------------------------------------
go build -o "$work/icpdesk" ./cmd/icpdesk
go build -o "$work/smtpsink" ./internal/smtpsink
go build -o "$work/chaos" ./chaos

# --- the SMTP sink, in a process of its own ---------------------------------
# A few milliseconds per message, so that kills find messages in flight.
"$work/smtpsink" -listen 127.0.0.1:0 -addr-file "$work/sink.addr" -log "$work/deliveries.jsonl" -delay 30ms >"$work/smtpsink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 1 50); do
	[[ -s "$work/sink.addr" ]] && break
	sleep 0.1
done
[[ -s "$work/sink.addr" ]] || { log "the SMTP sink did not start:"; cat "$work/smtpsink.log"; exit 1; }
log "SMTP sink on $(cat "$work/sink.addr")"

set +e
"$work/chaos" -bin "$work/icpdesk" -db "$db_url" -imap "$ICPDESK_TEST_DOVECOT" \
	-sink "$(cat "$work/sink.addr")" -sink-log "$work/deliveries.jsonl" -dir "$work" "${args[@]}"
status=$?
set -e
exit $status
