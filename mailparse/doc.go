// Package mailparse reads an email as Chinese applicants' mailers write it:
// MIME parts within caps on count, depth and text; every charset they use
// (UTF-8, GB2312 read as GBK, GBK, GB18030, Big5 and the aliases mailers
// invent) in bodies, encoded-words (also when a character is split across
// two words), raw 8-bit headers and RFC 2231 parameters; HTML reduced to
// text; delivery status reports. It knows nothing of IMAP, databases or
// filings: give it bytes, get a Message.
//
// NewSpool keeps a message's bytes in memory or, past a size, in an
// unlinked temporary file, so a caller can read from the network at full
// speed and parse afterwards with memory flat in message size.
package mailparse
