package mailparse

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	"golang.org/x/text/encoding"
)

// partFilename returns an attachment's file name from Content-Disposition
// filename or Content-Type name. Parameters are parsed here rather than with
// mime.ParseMediaType, which silently drops RFC 2231 values in any charset
// but UTF-8 (an RFC 2231 filename* in GBK, as Foxmail writes it).
func partFilename(h message.Header, fb encoding.Encoding) string {
	for _, f := range []struct{ key, param string }{{"Content-Disposition", "filename"}, {"Content-Type", "name"}} {
		raw := h.Get(f.key)
		if raw == "" {
			continue
		}
		if name := paramValue(raw, f.param, fb); name != "" {
			name = strings.ReplaceAll(name, `\`, "/")
			return TruncateUTF8(path.Base(name), 255)
		}
	}
	return ""
}

// paramValue decodes one parameter of a structured header, in any of its
// forms: name="…" (possibly RFC 2047 encoded or raw 8-bit), name*=charset'lang'%XX…,
// or RFC 2231 continuations name*0*=…; name*1=….
func paramValue(raw, name string, fb encoding.Encoding) string {
	params := parseParams(raw)
	name = strings.ToLower(name)
	if v, ok := params[name+"*"]; ok {
		if s := decodeExtValue(v, fb); s != "" {
			return oneLine(s)
		}
	}
	// Continuations: name*0, name*1*, … in order; the charset is in the first.
	type seg struct {
		n       int
		v       string
		encoded bool
	}
	var segs []seg
	for k, v := range params {
		rest, ok := strings.CutPrefix(k, name+"*")
		if !ok || rest == "" {
			continue
		}
		enc := strings.HasSuffix(rest, "*")
		n, err := strconv.Atoi(strings.TrimSuffix(rest, "*"))
		if err != nil || n < 0 || n > 100 {
			continue
		}
		segs = append(segs, seg{n, v, enc})
	}
	if len(segs) > 0 {
		sort.Slice(segs, func(i, j int) bool { return segs[i].n < segs[j].n })
		var cs string
		var buf []byte
		for i, s := range segs {
			v := s.v
			if s.encoded {
				if i == 0 {
					parts := strings.SplitN(v, "'", 3)
					if len(parts) == 3 {
						cs, v = parts[0], parts[2]
					}
				}
				buf = append(buf, pctDecode(v)...)
			} else {
				buf = append(buf, v...)
			}
		}
		if cs == "" {
			return oneLine(toUTF8(buf, fb))
		}
		if s, ok := decodeCharset(cs, buf); ok {
			return oneLine(s)
		}
	}
	if v, ok := params[name]; ok {
		return decodeHeaderText(v, fb)
	}
	return ""
}

// decodeExtValue decodes an RFC 2231 extended value: charset'lang'%XX….
func decodeExtValue(v string, fb encoding.Encoding) string {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return toUTF8(pctDecode(v), fb)
	}
	b := pctDecode(parts[2])
	if parts[0] == "" {
		return toUTF8(b, fb)
	}
	s, ok := decodeCharset(parts[0], b)
	if !ok {
		return toUTF8(b, fb)
	}
	return s
}

func pctDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// parseParams splits "type; a=b; c=\"d;e\"" into lower-case parameter names
// and their values (quotes removed, backslash escapes resolved). It accepts
// what mailers send: missing quotes, stray semicolons, 8-bit bytes.
func parseParams(raw string) map[string]string {
	out := map[string]string{}
	_, rest, ok := strings.Cut(raw, ";")
	if !ok {
		return out
	}
	for len(rest) > 0 && len(out) < 64 {
		rest = strings.TrimLeft(rest, " \t\r\n;")
		eq := strings.IndexAny(rest, "=;")
		if eq < 0 {
			break
		}
		if rest[eq] == ';' {
			rest = rest[eq:]
			continue
		}
		key := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t\r\n")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest); i++ {
				c := rest[i]
				if c == '\\' && i+1 < len(rest) {
					i++
					b.WriteByte(rest[i])
					continue
				}
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
			if i < len(rest) {
				i++
			}
			rest = rest[i:]
			if j := strings.IndexByte(rest, ';'); j >= 0 {
				rest = rest[j:]
			} else {
				rest = ""
			}
		} else {
			j := strings.IndexByte(rest, ';')
			if j < 0 {
				val, rest = strings.TrimSpace(rest), ""
			} else {
				val, rest = strings.TrimSpace(rest[:j]), rest[j:]
			}
		}
		if key != "" {
			if _, dup := out[key]; !dup {
				out[key] = val
			}
		}
	}
	return out
}
