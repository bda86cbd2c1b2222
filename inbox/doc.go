// Package inbox reads the desk mailbox over IMAP and acts on what applicants
// write: it links each message to its filing, decides from the applicant's
// own words what the message means, and applies that — exactly once, in one
// transaction per batch with everything it causes. docs/architecture.md,
// "Email in", tells the whole path; in short, data flows one way:
//
//  1. the session (session.go, fetch.go, ingest.go, move.go) only speaks
//     IMAP: it searches, fetches in batches (bodies within the size limit,
//     headers beyond it), spools each message and, after the commit, flags
//     and moves what the processor returned as committed;
//  2. Prepare (prepare.go), in parallel with the fetch: parse (package
//     mailparse), mask ID numbers, classify (classify.go), extract the
//     linker's keys, authenticate the sender (package senderauth), read the
//     applicant's own words (package reading);
//  3. in one transaction per Batch (process.go): the lookups for the whole
//     batch in one statement (dircache.go), then per message link
//     (link.go), decide (decide.go) and plan (plan.go) — all pure — and one
//     store.ApplyInbound for the batch; if that fails, each message alone,
//     and one that fails alone is recorded with its error for staff.
//
// Exactly once: a message is recorded under a unique (mailbox, UIDVALIDITY,
// UID) and a unique Message-ID (made from a hash of its bytes when it has
// none), in the transaction that applies its effects. A crash after the
// commit leaves it in the mailbox; the next pass finds it recorded and only
// moves it. A UIDVALIDITY change rescans the mailbox, recognising recorded
// messages by Message-ID. Each pass that completes notes the time of its
// search (store.MarkCaughtUp): the deadline sweep calls nothing late that
// may still be waiting unread in the mailbox.
//
// The daemon builds a Watcher with NewWatcher (FromConfig reads the [imap]
// and [inbox] sections) and calls Run until shutdown; one watcher per
// mailbox runs across replicas (a store lease), publishing its status for
// the standbys. The command line and package desk use the Processor:
// InspectFile and InspectAll (`inbox inspect`, read-only, against the
// database or a World), Relink and Reprocess (staff).
package inbox
