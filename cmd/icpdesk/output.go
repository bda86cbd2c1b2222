package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// writeJSON prints v indented, with Chinese and <> left as they are.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// table prints rows in aligned columns. Chinese characters take two cells in
// a terminal, which text/tabwriter does not know.
type table struct {
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// localTime formats t in the desk's zone, e.g. "2026-12-08 23:59:59 CST".
func localTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

func localTimePtr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return localTime(*t, loc)
}

// until says how far away t is, for deadlines: "in 6d 3h" or "3h ago".
func until(t, now time.Time) string {
	d := t.Sub(now)
	suffix := ""
	if d < 0 {
		d, suffix = -d, " ago"
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	var s string
	switch {
	case days > 0:
		s = fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		s = fmt.Sprintf("%dh %dm", hours, int(d%time.Hour/time.Minute))
	default:
		s = fmt.Sprintf("%dm", int(d/time.Minute))
	}
	if suffix == "" {
		return "in " + s
	}
	return s + suffix
}
