// Package senderauth decides whether a message's From address is
// authenticated, so that a forged From cannot move someone else's filing.
//
// # Evidence
//
// The preferred evidence is the Authentication-Results field (RFC 8601) that
// the desk's own MTA adds after checking DMARC (RFC 7489), DKIM (RFC 6376) and
// SPF (RFC 7208). A result counts only when it passes for a domain aligned
// with the From domain in the relaxed sense: the same organizational domain,
// taken from the public suffix list. A dmarc=fail is final even when DKIM or
// SPF passed, because it is the From domain owner saying the mail is not
// theirs. Without a trusted field, Check can verify DKIM signatures itself
// (Config.VerifyDKIM), looking keys up in DNS; SPF and DMARC policy need the
// SMTP session and are left to the MTA.
//
// # Trust model
//
// An Authentication-Results field is just text: anyone can write one,
// naming any server. Check therefore trusts a field only if its authserv-id
// is one of Config.TrustedAuthServIDs, and only the topmost such field.
// Each MTA prepends its own field, so the topmost field with our id is the
// one our MTA wrote on arrival; fields above it come from our own later hops
// and are ignored, and every field below it came with the message from
// outside. A field down there naming our id is a forgery meant to vouch for
// the sender; the MTA should have removed it, but Check does not rely on
// that.
//
// It does rely on the MTA for the rest, and the desk's MX must:
//
//   - add Authentication-Results with a fixed authserv-id (the value of
//     TrustedAuthServIDs), for DKIM, SPF and DMARC: with Postfix, the
//     AuthservID setting of OpenDKIM and of OpenDMARC (and of the SPF policy
//     service, if it writes its own field); with rspamd, the
//     authentication-results routine of its milter_headers module;
//   - strip incoming Authentication-Results fields that claim that id before
//     adding its own: with Postfix, a header_checks rule that IGNOREs them
//     (fields that milters add later are not subject to header_checks); with
//     rspamd, the remove option of that same routine;
//   - preferably refuse messages with more than one From field (OpenDMARC can
//     be told to require RFC 5322's header field counts), since the MTA may
//     judge one From while the desk reads the other. Check fails a DMARC
//     result whose header.from differs from the From it was given.
//
// Only mail reaching the desk's mailbox through that MX can be judged by
// header: mail injected another way (a relay with no checks, IMAP APPEND)
// carries no field with our id, so it gets None, or in-process DKIM.
//
// # In-process DKIM
//
// When no trusted field exists and VerifyDKIM is set, Check verifies the
// signatures of the raw message with go-msgauth and passes when one verifies
// for a domain aligned with From. The message must carry exactly one From
// field, with the address the caller passed: a signature covers the bottom
// From field while readers show the top one, so a second From added after
// signing would borrow the signature. DNS lookups of one message share
// Config.Timeout; a temporary DNS failure fails the check with
// Verdict.Temporary set, so the caller may try again later.
//
// DKIM proves the domain, not the mailbox: anyone able to send through the
// From domain's servers can pass, which is as much as any receiver can know.
package senderauth
