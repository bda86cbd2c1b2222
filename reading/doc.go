// Package reading reads what an applicant wrote to the filing desk: their
// own words in a reply (OwnText), and what those words say (Read), down to
// the one question the inbox must answer before it tells an applicant
// "已收到您的重新提交": did they say they corrected and resubmitted the
// filing (Reading.Interpret)? It is pure: no IMAP, database, model or
// network, only text in and a Reading out, the same on every run.
//
// # A reply is never an intent by itself
//
// Applicants answer a return notice with a reply for everything: to say
// they resubmitted, but also to ask how, to ask for more time, to say they
// will do it tomorrow, or to ask the desk to do it for them. That a mail
// replies to a return notice, or contains 重新提交, says nothing: our own
// notice, quoted below the reply, says "请在期限前完成修改并重新提交" and
// "提交后直接回复本邮件告知我们". So the reader first keeps only the
// applicant's own words (quotes and signatures removed, for the mail clients
// Chinese applicants use), and then reads them clause by clause.
//
// # Clauses, and negation scoped to them
//
// The own text is split into clauses at Chinese and English punctuation,
// line breaks and conjunctions of contrast (但是, 不过, but). Each clause is
// scanned once for the words of a table of named rules and of word classes,
// in simplified Chinese, traditional Chinese and English; the longest word
// wins its characters, so 没问题 is no negation and 按要求 no 要. The reader
// then decides, for each verb of work (修改, 提交, resubmit), what its clause
// says of it: a negation anywhere before it in the clause makes it not done
// (还没有来得及重新提交: a window of a few characters would miss the 没 six
// characters back), but never one in another clause (没问题，已经重新提交了);
// a request before it makes it an instruction to someone else (请你们重新
// 提交) or, for a verb of review, a review request (请重新审核); the nearest
// of 已, 会/明天 or 需要 before it makes it done, promised or merely needed;
// 了 after it makes it done (改好了) unless the clause is a question
// (提交了吗？). A closing offer (如有问题请联系) makes what follows it in its
// sentence conditional (…，我们会及时修改 promises nothing about the work at
// hand). Which rule gave each act is kept, so staff see why
// (Reading.Explain, Interpretation.Why).
//
// # A conservative reader
//
// Telling an applicant "we received your resubmission" when they did not
// resubmit is the worst failure the desk can have: they stop working on a
// filing that then runs out its deadline. So when in doubt the reader does
// not say Done: a question, an if or a hedge (应该, 上次, I think) in a
// clause takes its done back; a clause saying the work is not done takes
// back every done in the message; a promise, a condition or a question
// about the work, an extension request or an instruction marks the reading
// Contradicted. What it does not recognise it leaves unread, and an unread
// mail goes to staff, never to an acknowledgement. Done and not
// Contradicted is what a resubmission notice looks like.
//
// The work is bounded: at most MaxText bytes, 200 clauses and 128 words a
// clause are read, with no regular expression; a clause costs one pass over
// its bytes that looks closer only where a known word may start.
//
// # Files
//
//   - owntext.go, quoteheaders.go, signature.go: OwnText, the quote openers
//     of each mail client, signatures.
//   - subject.go: StripSubjectPrefixes.
//   - reading.go: Act, Statement, Reading and what it reports.
//   - vocabulary.go, rules.go: the tables, as data: word classes and named
//     rules, per script.
//   - lexicon.go: the tables as one lexicon, and the scan of a clause.
//   - clause.go: splitting the own text into clauses.
//   - read.go, clausereader.go, clausewords.go: Read, the rules applied to
//     a clause, and what stands around a word in it.
//   - interpret.go, quote.go: Interpret, and quoting clauses back.
package reading
