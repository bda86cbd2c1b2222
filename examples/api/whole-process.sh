#!/bin/sh
# whole-process.sh — drive one filing through the whole filing process over
# icpdesk's HTTP API, with nothing but curl (and grep/sed to read answers):
# an account, the import, submit, to the bureau, the bureau's return, the
# applicant's resubmission *by email* seen on the events feed, and the
# approval with ICP number and filing password.
#
#   ICPDESK_URL=http://127.0.0.1:8080 ICPDESK_TOKEN=icpd_… examples/api/whole-process.sh
#
# The token needs the read and filings:write scopes:
#   icpdesk token create --name filing-system --scope read --scope filings:write
#
# When the filing is returned the script waits (up to WAIT_RESUBMISSION
# seconds, default 600) for the applicant's email to the desk mailbox saying
# the filing was corrected ("已修改并重新提交，请审核"), following the events
# feed. Set SEND_RESUBMISSION to a command that sends that email (a test does
# this with swaks), or send it yourself from the applicant's mail client.
set -eu

URL=${ICPDESK_URL:-http://127.0.0.1:8080}/api/v1
: "${ICPDESK_TOKEN:?set ICPDESK_TOKEN to an API token (icpdesk token create)}"
REF=${REF:-BA-2026-000123}
APPLICANT=${APPLICANT:-zhangsan@example.cn}
DOC=${DOC:-$(dirname "$0")/../enterprise.json}
RUN=${RUN:-$(date +%s)}   # makes the Idempotency-Keys of this run unique

# api METHOD PATH [JSON] — one request; prints the body, fails on an error
# status with the problem it returned. Every write carries an
# Idempotency-Key, so running a step again after a network error is safe.
api() {
  method=$1 path=$2
  shift 2
  set -- -sS -X "$method" -H "Authorization: Bearer $ICPDESK_TOKEN" -w '\n%{http_code}' "$@"
  case $method in
    POST|PUT) set -- "$@" -H "Idempotency-Key: $RUN-$method-$path-$step" -H 'Content-Type: application/json' ;;
  esac
  out=$(curl "$@" "$URL$path")
  code=$(printf '%s\n' "$out" | tail -n 1)
  body=$(printf '%s\n' "$out" | sed '$d')
  case $code in
    2??) printf '%s\n' "$body" ;;
    *) echo "whole-process: $method $path: HTTP $code: $body" >&2; exit 1 ;;
  esac
}
# field NAME — the first string value of NAME in the JSON on stdin.
field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed 's/^"[^"]*":"//; s/"$//'; }
step=0
say() { step=$((step + 1)); printf '%2d. %s\n' "$step" "$*"; }

say "account $APPLICANT"
api POST /accounts --data "{\"email\":\"$APPLICANT\",\"name\":\"张三\",\"language\":\"zh-CN\"}" | field status
say "approve it (the applicant is emailed)"
api POST "/accounts/$APPLICANT/approve" --data '{}' | field status
say "import $REF from $(basename "$DOC")"
sed "s/\"ref\": *\"[^\"]*\"/\"ref\": \"$REF\"/; s/\"account\": *\"[^\"]*\"/\"account\": \"$APPLICANT\"/" "$DOC" |
  api PUT "/filings/$REF" --data-binary @- | field stage

act() { api POST "/filings/$REF/actions" --data "$1" | field stage; }
say "submitted in the filing system (the materials checklist is emailed)"; act '{"action":"submit"}'
say "the desk sends it to the bureau";                                      act '{"action":"to_bureau"}'

# From here on, follow the feed: start at its end.
cursor=$(api GET '/events?after=end' | field next)
say "the bureau returns it (the applicant is emailed the reason and the deadline)"
act '{"action":"return","by":"bureau","reason":"网站名称与主体不符，请修改网站名称"}'

say "waiting for the applicant's resubmission email on the events feed (cursor $cursor)"
if [ -n "${SEND_RESUBMISSION:-}" ]; then sh -c "$SEND_RESUBMISSION"; fi
deadline=$(( $(date +%s) + ${WAIT_RESUBMISSION:-600} ))
while :; do
  page=$(api GET "/events?after=$cursor&wait=30s")
  # Each event is one object; the feed gives them in commit order.
  printf '%s\n' "$page" | grep -o '{"cursor":"[^"]*","id":[0-9]*,"action":"[^"]*","actor":"[^"]*"[^{}]*' |
    sed 's/^{"cursor":"\([^"]*\)","id":[0-9]*,"action":"\([^"]*\)","actor":"\([^"]*\)".*"filing":"\([^"]*\)".*/    feed: \1 \2 by \3 on \4/; t; s/^{"cursor":"\([^"]*\)","id":[0-9]*,"action":"\([^"]*\)","actor":"\([^"]*\)".*/    feed: \1 \2 by \3/'
  if printf '%s\n' "$page" | grep -q "\"action\":\"resubmit\",\"actor\":\"applicant\",[^{}]*\"filing\":\"$REF\""; then
    break
  fi
  cursor=$(printf '%s\n' "$page" | field next)
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "whole-process: no resubmission email within ${WAIT_RESUBMISSION:-600} s" >&2; exit 1; fi
done
echo "    the applicant resubmitted by email: $REF is back in provider review"

say "the desk sends it to the bureau again";                                act '{"action":"to_bureau"}'
say "the bureau approves it (ICP number and filing password are emailed)"
act '{"action":"approve","icp_number":"浙ICP备12345678号-1","password":"Xy7-kP2q-9mWz"}'
say "the filing now"
api GET "/filings/$REF" | grep -o '"stage":"[^"]*"\|"icp_number":"[^"]*"' | head -n 2
