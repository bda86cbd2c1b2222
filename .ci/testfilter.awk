# Filters `go test -v` output: drops the RUN/PAUSE/CONT chatter and passing
# subtests, keeps failures, skips (with their reasons), package results and
# the dialect level of each database suite (TestX/sqlite, TestX/postgres).
/^=== (RUN|PAUSE|CONT|NAME)/ { next }
/^PASS$/ { next }
/^ *--- PASS: / {
	if ($0 ~ /--- PASS: Test[^\/ ]+\/(sqlite|postgres|dovecot|memory) \(/) print
	next
}
{ print }
