package mailer

import (
	"bytes"
)

// dotStuffer writes a message as SMTP's DATA carries it (RFC 5321
// §4.5.2): every line ends in CRLF, and a line that starts with a dot gets
// a second one. It writes what net/textproto's DotWriter writes, without
// its terminating ".\r\n" (one difference: a CR right after another CR
// keeps a following LF from being doubled here, where DotWriter adds a CR;
// encoded messages have no bare CR). So a message is stuffed once, while it
// is prepared ahead of sending, and goes on the wire in one write: the
// DotWriter goes byte by byte through a 4 KB buffer on the sending path,
// a write system call per 4 KB (issue 14).
type dotStuffer struct {
	dst   *bytes.Buffer
	state stuffState
}

// stuffState is where the writer stands, as DotWriter tracks it.
type stuffState int

const (
	stuffBegin     stuffState = iota // nothing written yet
	stuffLineStart                   // after a line's end
	stuffMidLine                     // after a byte that is not CR
	stuffCR                          // after a CR that may end the line
)

func (d *dotStuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if (d.state == stuffBegin || d.state == stuffLineStart) && p[0] == '.' {
			d.dst.WriteByte('.')
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			d.dst.Write(p)
			d.state = stuffMidLine
			if p[len(p)-1] == '\r' {
				d.state = stuffCR
			}
			return n, nil
		}
		// A bare LF becomes CRLF, also when its CR came in an earlier Write.
		crBefore := i > 0 && p[i-1] == '\r' || i == 0 && d.state == stuffCR
		d.dst.Write(p[:i])
		if crBefore {
			d.dst.WriteByte('\n')
		} else {
			d.dst.WriteString("\r\n")
		}
		d.state = stuffLineStart
		p = p[i+1:]
	}
	return n, nil
}

// end finishes the last line, as DotWriter's Close does before the dot.
func (d *dotStuffer) end() {
	switch d.state {
	case stuffCR:
		d.dst.WriteByte('\n')
	case stuffBegin, stuffMidLine:
		d.dst.WriteString("\r\n")
	}
	d.state = stuffLineStart
}
