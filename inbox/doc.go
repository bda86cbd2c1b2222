// Package inbox reads the desk mailbox over IMAP and acts on what applicants
// write: it links each message to its filing, moves a returned filing back
// into review on a resubmission notice, and acknowledges it — exactly once,
// in every charset Chinese mailers use.
//
// For each message (DESIGN.md, "Email in"):
//
//  1. fetch it unseen (BODY.PEEK[]) in batches, bounded in size, spooled to
//     memory or a temporary file, and parse it (Parse) in parallel with the
//     rest of the fetch: GBK, GB18030, Big5 and their aliases, raw 8-bit
//     headers, encoded-words split inside a character, RFC 2231 file names,
//     HTML reduced to text, part count and depth capped;
//  2. classify it (Classify): bounce, own mail, auto-reply or human;
//  3. link it (Linker): our Message-ID in In-Reply-To or References, the tag
//     in the subject, a reference, ICP number or domain in the text, the
//     sender's only open filing — the first rule that finds one filing wins,
//     several leave the message for staff;
//  4. verify the sender against the filing account's address and decide;
//  5. record the batch and every effect in one transaction (store.Tx), the
//     checkpoint (UIDVALIDITY, last UID) with them: messages with effects
//     together, in a savepoint, and one by one, each in its own savepoint,
//     if that fails, so one bad message never rolls back the others; batches
//     fetched while a commit runs are merged into the next one;
//  6. only then flag the messages and move them to the processed mailbox
//     (during a backlog, on a second connection while the first fetches).
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
// What is kept of a message has ID numbers masked (subject, text, the raw
// bytes of one that could not be parsed). Mail about a filing from an
// address not registered for it changes nothing; the account holder is
// told (without the stranger's subject) at most once a day per filing.
//
// The daemon builds a Watcher with NewWatcher (FromConfig reads the [imap]
// section) and calls Run until shutdown; Status, Ready and CheckReady serve
// /readyz, Stats and Hooks serve metrics. One watcher per mailbox runs
// across replicas (a store lease); the others stand by. The command line
// uses PollOnce (`inbox poll`) and a Processor (`inbox inspect`, `inbox link`).
package inbox
