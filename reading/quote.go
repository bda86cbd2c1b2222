package reading

// Quoting clauses back: to the applicant (Interpretation.Understood) and to
// staff (Explain, Interpretation.Why).

// maxQuote bounds one quotation in an explanation, in bytes.
const maxQuote = 240

// maxUnderstood bounds the quotation of what a resubmission was read from
// (Interpretation.Understood), in bytes: emails show a sentence of it, and a
// long message need not be copied whole into every event that names it.
const maxUnderstood = 1024

// quote returns the statements keep picks, as written, cut (with "…") at
// max bytes.
func (r Reading) quote(keep func(*Statement) bool, max int) string {
	q := r.appendQuote(nil, keep, max+1)
	if len(q) <= max {
		return string(q)
	}
	return cutUTF8(string(q), max) + "…"
}

// appendQuote appends the statements keep picks to dst, as written:
// neighbouring clauses with what stood between them ("已修改，请重新审核"),
// line breaks as spaces, others joined by " … ". It appends the first max
// bytes of that (perhaps ending inside a character): a long text's quote
// is cut anyway, and copying it whole was much of the reading's cost.
func (r Reading) appendQuote(dst []byte, keep func(*Statement) bool, max int) []byte {
	n := len(dst)
	limit := n + max
	first, last := -1, -1 // a run of neighbouring clauses, as indexes into Statements
	flush := func() {
		if first < 0 {
			return
		}
		if len(dst) > n {
			dst = append(dst, " … "...)
		}
		f, l := &r.Statements[first], &r.Statements[last]
		if f.start < l.end && l.end <= len(r.text) {
			dst = appendOneLine(dst, r.text[f.start:l.end], limit)
		} else {
			// A Reading built by hand has no text: join the clauses plainly.
			for i := first; i <= last; i++ {
				if i > first {
					dst = append(dst, ' ')
				}
				dst = append(dst, r.Statements[i].Text...)
			}
		}
		first = -1
	}
	for i := range r.Statements {
		if len(dst) >= limit {
			break
		}
		s := &r.Statements[i]
		if !keep(s) {
			continue
		}
		if first >= 0 && s.idx != r.Statements[last].idx+1 {
			flush()
		}
		if first < 0 {
			first = i
		}
		last = i
	}
	if len(dst) < limit {
		flush()
	}
	return dst[:min(len(dst), limit)]
}

// appendOneLine appends s with each run of white space (line breaks
// between clauses) as one space, stopping once dst is limit bytes long.
func appendOneLine(dst []byte, s string, limit int) []byte {
	run := 0 // where the run of text being copied starts
	for i := 0; i <= len(s) && len(dst) < limit; i++ {
		if i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' {
			continue
		}
		if run < i {
			if len(dst) > 0 && run > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, s[run:i]...)
		}
		run = i + 1
	}
	return dst
}

// explanation is a line of `label: "quote"` parts joined by "; ".
type explanation struct {
	line    []byte
	scratch []byte // the quote being added
	buf     [2][256]byte
}

// init starts the line and the quote in buf: most explanations fit.
func (l *explanation) init() {
	l.line, l.scratch = l.buf[0][:0], l.buf[1][:0]
}

// add adds a part quoting the statements keep picks, unless there are none.
// The quote is cut to maxQuote bytes, in double quotes, with quotes and
// backslashes escaped. (strconv.Quote would look up every Chinese
// character in its table of printable ones.)
func (l *explanation) add(label string, r Reading, keep func(*Statement) bool) {
	l.scratch = r.appendQuote(l.scratch[:0], keep, maxQuote+1) // enough to know it is cut, and where
	q := l.scratch
	if len(q) == 0 {
		return
	}
	if len(l.line) > 0 {
		l.line = append(l.line, "; "...)
	}
	l.line = append(l.line, label...)
	l.line = append(l.line, `: "`...)
	cut := len(q) > maxQuote
	if cut {
		q = q[:len(cutUTF8(string(q[:maxQuote+1]), maxQuote))]
	}
	for _, c := range q {
		switch {
		case c == '"' || c == '\\':
			l.line = append(l.line, '\\', c)
		case c < 0x20 || c == 0x7f:
			l.line = append(l.line, ' ')
		default:
			l.line = append(l.line, c)
		}
	}
	if cut {
		l.line = append(l.line, "…"...)
	}
	l.line = append(l.line, '"')
}

func (l *explanation) String() string { return string(l.line) }
