// Package templates renders icpdesk's emails: one template per email kind and
// language (zh-CN, en), each with a subject, a text/plain body and an HTML
// body, sharing a layout with the desk's name, address and footer.
//
// Files, per language directory (zh-CN, en):
//
//	layout.txt   text/template: defines "layout" (calls "body"), "desk" and
//	             the partials "filing", "todo" and "checklist"
//	layout.html  html/template: the same for HTML, and "reason"
//	<kind>.txt   defines "subject" (one line) and "body"
//	<kind>.html  defines "body"
//
// "desk", the desk's contact block, is rendered once when the Renderer is
// built, with .Desk only; layouts print it as .DeskText / .DeskHTML. The
// layout also picks the footer: for staff, for a staff member's reply (.Reply:
// a person wrote it, so it is signed and not "sent automatically"), or the
// automatic one.
//
// The templates are embedded; a directory from the configuration may override
// any of them file by file (same names). Every template is parsed and
// executed with sample data when the Renderer is built, so a missing or broken
// template stops the daemon at start-up with the file's name rather than at
// the first email of that kind.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"
	"time"
	"unicode"
	"unicode/utf8"

	"example.com/icpdesk/filing"
)

//go:embed files
var embedded embed.FS

// Languages are the languages every kind has templates in.
var Languages = []filing.Language{filing.LangChinese, filing.LangEnglish}

// DeskInfo is what the layout says about the desk. Fields ending in En are
// used in English emails when set.
type DeskInfo struct {
	Name            string
	NameEn          string
	Address         string // the desk mailbox applicants write to
	PostalAddress   string // where applicants bring their materials
	PostalAddressEn string
	Phone           string
	Website         string
	FilingSystemURL string
}

// Email is one rendered email.
type Email struct {
	Subject string // one line, no control characters
	Text    string
	HTML    string
}

// Renderer renders notices. It is safe for concurrent use.
type Renderer struct {
	desk    DeskInfo
	loc     *time.Location
	sets    map[filing.Language]map[filing.EmailKind]*kindTemplates
	desks   map[filing.Language]*deskBlock
	phrases []string // SubjectPhrases, worked out once
}

// deskBlock is the desk in one language, with its contact block rendered
// once: it is the same in every email, and rendering it each time was a
// fifth of the work.
type deskBlock struct {
	view deskView
	text string
	html htmltemplate.HTML // rendered by html/template, so escaped
}

type kindTemplates struct {
	text     *texttemplate.Template // defines "subject" and "layout" (which calls "body")
	html     *htmltemplate.Template // defines "layout" (which calls "body")
	textFile string                 // where each came from, for error messages
	htmlFile string
}

// layoutTextPartials and layoutHTMLPartials are the templates a layout
// defines besides "layout" and "desk", for the kinds' templates to call. An override of a layout must
// define them all; New says so naming the layout, not the first email
// that would have failed.
var (
	layoutTextPartials = []string{"filing", "todo", "checklist"}
	layoutHTMLPartials = []string{"filing", "reason", "todo", "checklist"}
)

// File names, per language directory.
const (
	layoutText = "layout.txt"
	layoutHTML = "layout.html"
)

func kindText(k filing.EmailKind) string { return string(k) + ".txt" }
func kindHTML(k filing.EmailKind) string { return string(k) + ".html" }

// New parses the embedded templates, replaced file by file by those in
// overrideDir (if not empty: <overrideDir>/<language>/<file>), and checks
// every one by rendering sample notices. Errors name the file.
func New(desk DeskInfo, overrideDir string, loc *time.Location) (*Renderer, error) {
	if loc == nil {
		return nil, errors.New("templates: no time zone")
	}
	if strings.TrimSpace(desk.Name) == "" || strings.TrimSpace(desk.Address) == "" {
		return nil, errors.New("templates: the desk needs a name and an address")
	}
	src, err := sources(overrideDir)
	if err != nil {
		return nil, err
	}
	r := &Renderer{desk: desk, loc: loc, sets: map[filing.Language]map[filing.EmailKind]*kindTemplates{},
		desks: map[filing.Language]*deskBlock{}}
	for _, lang := range Languages {
		set, err := r.parseLanguage(lang, src)
		if err != nil {
			return nil, err
		}
		r.sets[lang] = set
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	r.phrases = r.subjectPhrases()
	return r, nil
}

// source is one template file's text and where it came from.
type source struct {
	name string // for messages: "embedded:zh-CN/layout.txt" or the override path
	text string
}

// sources reads every expected file: embedded first, then the override
// directory's files in their place.
func sources(overrideDir string) (map[string]source, error) {
	want := expectedFiles()
	out := make(map[string]source, len(want))
	for rel := range want {
		b, err := fs.ReadFile(embedded, "files/"+rel)
		if err != nil {
			// The embedded set is complete (a test checks); this is a build mistake.
			return nil, fmt.Errorf("templates: embedded template %s is missing: %w", rel, err)
		}
		out[rel] = source{name: "embedded:" + rel, text: string(b)}
	}
	if overrideDir == "" {
		return out, nil
	}
	info, err := os.Stat(overrideDir)
	if err != nil {
		return nil, fmt.Errorf("templates: override directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("templates: override directory %s is not a directory", overrideDir)
	}
	// Every file must be one we know: a misspelt name would otherwise be
	// ignored silently and the embedded template sent instead.
	err = filepath.WalkDir(overrideDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		if strings.HasPrefix(d.Name(), ".") && p != overrideDir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(overrideDir, p)
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		rel = filepath.ToSlash(rel)
		if !want[rel] {
			return fmt.Errorf("templates: %s is not a template icpdesk knows (want <language>/<kind>.txt, <kind>.html, layout.txt or layout.html, with language zh-CN or en)", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		if !utf8.Valid(b) {
			return fmt.Errorf("templates: %s is not valid UTF-8", p)
		}
		out[rel] = source{name: p, text: string(b)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// expectedFiles lists every template file by its path relative to a
// templates directory.
func expectedFiles() map[string]bool {
	want := map[string]bool{}
	for _, lang := range Languages {
		want[path.Join(string(lang), layoutText)] = true
		want[path.Join(string(lang), layoutHTML)] = true
		for _, k := range filing.EmailKinds {
			want[path.Join(string(lang), kindText(k))] = true
			want[path.Join(string(lang), kindHTML(k))] = true
		}
	}
	return want
}

// ExpectedFiles lists the template files (relative to a templates directory),
// sorted, for documentation and for staff writing overrides.
func ExpectedFiles() []string {
	var out []string
	for f := range expectedFiles() {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func (r *Renderer) parseLanguage(lang filing.Language, src map[string]source) (map[filing.EmailKind]*kindTemplates, error) {
	fm := funcs()
	lt := src[path.Join(string(lang), layoutText)]
	textBase, err := texttemplate.New(layoutText).Option("missingkey=error").Funcs(texttemplate.FuncMap(fm)).Parse(lt.text)
	if err != nil {
		return nil, fmt.Errorf("templates: %s: %w", lt.name, err)
	}
	if textBase.Lookup("layout") == nil {
		return nil, fmt.Errorf("templates: %s: does not define \"layout\"", lt.name)
	}
	lh := src[path.Join(string(lang), layoutHTML)]
	htmlBase, err := htmltemplate.New(layoutHTML).Option("missingkey=error").Funcs(htmltemplate.FuncMap(fm)).Parse(lh.text)
	if err != nil {
		return nil, fmt.Errorf("templates: %s: %w", lh.name, err)
	}
	if htmlBase.Lookup("layout") == nil {
		return nil, fmt.Errorf("templates: %s: does not define \"layout\"", lh.name)
	}
	for _, name := range layoutTextPartials {
		if textBase.Lookup(name) == nil {
			return nil, fmt.Errorf("templates: %s: does not define %q", lt.name, name)
		}
	}
	for _, name := range layoutHTMLPartials {
		if htmlBase.Lookup(name) == nil {
			return nil, fmt.Errorf("templates: %s: does not define %q", lh.name, name)
		}
	}
	db := &deskBlock{view: deskFor(r.desk, lang)}
	dv := &view{Lang: lang, Desk: db.view}
	var b bytes.Buffer
	if textBase.Lookup("desk") == nil {
		return nil, fmt.Errorf("templates: %s: does not define \"desk\"", lt.name)
	}
	if err := textBase.ExecuteTemplate(&b, "desk", dv); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", lt.name, err)
	}
	db.text = b.String()
	b.Reset()
	// An html/template that has run cannot be cloned: run a copy.
	once, err := htmlBase.Clone()
	if err != nil {
		return nil, fmt.Errorf("templates: %s: %w", lh.name, err)
	}
	if once.Lookup("desk") == nil {
		return nil, fmt.Errorf("templates: %s: does not define \"desk\"", lh.name)
	}
	if err := once.ExecuteTemplate(&b, "desk", dv); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", lh.name, err)
	}
	db.html = htmltemplate.HTML(b.String())
	r.desks[lang] = db
	set := map[filing.EmailKind]*kindTemplates{}
	for _, k := range filing.EmailKinds {
		ts := src[path.Join(string(lang), kindText(k))]
		tt, err := textBase.Clone()
		if err != nil {
			return nil, fmt.Errorf("templates: %s: %w", ts.name, err)
		}
		if _, err := tt.New(kindText(k)).Parse(ts.text); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", ts.name, err)
		}
		for _, name := range []string{"subject", "body"} {
			if tt.Lookup(name) == nil {
				return nil, fmt.Errorf("templates: %s: does not define %q", ts.name, name)
			}
		}
		hs := src[path.Join(string(lang), kindHTML(k))]
		ht, err := htmlBase.Clone()
		if err != nil {
			return nil, fmt.Errorf("templates: %s: %w", hs.name, err)
		}
		if _, err := ht.New(kindHTML(k)).Parse(hs.text); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", hs.name, err)
		}
		if ht.Lookup("body") == nil {
			return nil, fmt.Errorf("templates: %s: does not define \"body\"", hs.name)
		}
		set[k] = &kindTemplates{text: tt, html: ht, textFile: ts.name, htmlFile: hs.name}
	}
	return set, nil
}

// check renders every kind in every language with a full and a minimal sample,
// so a template that refers to a missing field, or breaks when an optional
// part is absent, fails now.
func (r *Renderer) check() error {
	for _, lang := range Languages {
		for _, k := range filing.EmailKinds {
			for _, n := range samples(k, lang) {
				if _, err := r.Render(n); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Render renders a notice in its language (Chinese when unknown).
func (r *Renderer) Render(n filing.Notice) (Email, error) {
	lang := n.Language.OrDefault()
	set, ok := r.sets[lang][n.Kind]
	if !ok {
		return Email{}, fmt.Errorf("templates: no template for email kind %q", n.Kind)
	}
	v, err := r.view(n, lang)
	if err != nil {
		return Email{}, fmt.Errorf("templates: %s: %w", n.Kind, err)
	}
	b := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(b)
	b.Reset()
	if err := set.text.ExecuteTemplate(b, "subject", v); err != nil {
		return Email{}, fmt.Errorf("templates: %s (subject): %w", set.textFile, err)
	}
	subject := OneLine(b.String())
	if subject == "" {
		return Email{}, fmt.Errorf("templates: %s: the subject is empty", set.textFile)
	}
	if v.Tag != "" && !strings.Contains(subject, v.Tag) {
		// Replies are linked by this tag: an override that drops it breaks the inbox.
		return Email{}, fmt.Errorf("templates: %s: the subject %q lacks the reference tag %s", set.textFile, subject, v.Tag)
	}
	v.Subject = subject
	b.Reset()
	if err := set.text.ExecuteTemplate(b, "layout", v); err != nil {
		return Email{}, fmt.Errorf("templates: %s: %w", set.textFile, err)
	}
	text := tidyText(b.String())
	b.Reset()
	if err := set.html.ExecuteTemplate(b, "layout", v); err != nil {
		return Email{}, fmt.Errorf("templates: %s: %w", set.htmlFile, err)
	}
	return Email{Subject: subject, Text: text, HTML: b.String()}, nil
}

// minPhraseRunes is the shortest subject phrase SubjectPhrases reports:
// shorter pieces ("：", "Re:", "（") say nothing about who wrote a subject.
const minPhraseRunes = 4

// SubjectPhrases returns the fixed wording of every subject icpdesk writes,
// in every language: the literal text between the actions of each kind's
// "subject" template (and of templates it calls), trimmed, at least four
// characters long, without duplicates, longest first. The inbox takes them
// out of a reply's subject to tell the applicant's own words from ours.
func (r *Renderer) SubjectPhrases() []string {
	return append([]string(nil), r.phrases...)
}

func (r *Renderer) subjectPhrases() []string {
	seen := map[string]bool{}
	var out []string
	for _, lang := range Languages {
		for _, k := range filing.EmailKinds {
			t := r.sets[lang][k].text
			walkText(t, t.Lookup("subject").Tree.Root, map[string]bool{"subject": true}, func(s string) {
				s = strings.TrimSpace(s)
				if utf8.RuneCountInString(s) >= minPhraseRunes && !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ni, nj := utf8.RuneCountInString(out[i]), utf8.RuneCountInString(out[j])
		if ni != nj {
			return ni > nj
		}
		return out[i] < out[j]
	})
	return out
}

// walkText calls f with the text of every text node under n, following
// {{template}} calls into the templates of t (each once per path).
func walkText(t *texttemplate.Template, n parse.Node, calling map[string]bool, f func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkText(t, c, calling, f)
		}
	case *parse.TextNode:
		f(string(n.Text))
	case *parse.IfNode:
		walkText(t, n.List, calling, f)
		walkText(t, n.ElseList, calling, f)
	case *parse.RangeNode:
		walkText(t, n.List, calling, f)
		walkText(t, n.ElseList, calling, f)
	case *parse.WithNode:
		walkText(t, n.List, calling, f)
		walkText(t, n.ElseList, calling, f)
	case *parse.TemplateNode:
		called := t.Lookup(n.Name)
		if called == nil || called.Tree == nil || calling[n.Name] {
			return
		}
		calling[n.Name] = true
		walkText(t, called.Tree.Root, calling, f)
		delete(calling, n.Name)
	}
}

// bufPool keeps rendering from growing a fresh buffer for every email.
var bufPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 32<<10)) }}

// maxSubjectRunes keeps subjects readable; RFC 5322 has no limit but long
// subjects are cut by every client anyway.
const maxSubjectRunes = 200

// OneLine makes s safe for a header value: control characters (CR and LF
// above all, which could start a new header) and Unicode line separators
// become spaces, runs of space collapse, and the result is trimmed and cut
// to a readable length.
func OneLine(s string) string {
	if isOneLine(s) {
		return s // the common case, without allocating
	}
	s = filing.OneLine(s)
	if utf8.RuneCountInString(s) > maxSubjectRunes {
		rs := []rune(s)
		s = strings.TrimSpace(string(rs[:maxSubjectRunes-1])) + "…"
	}
	return s
}

// isOneLine reports whether OneLine would return s unchanged.
func isOneLine(s string) bool {
	if len(s) > maxSubjectRunes || s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return s == ""
	}
	prevSpace := false
	for _, r := range s {
		if r == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		}
		prevSpace = false
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// tidyText normalises a rendered text body: no trailing spaces, at most one
// blank line in a row, one final newline. Templates can then be written for
// readability without fighting text/template's white space.
func tidyText(s string) string {
	var out strings.Builder
	out.Grow(len(s))
	blanks := 0
	started := false // drop leading blank lines
	for len(s) > 0 {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			blanks++
			continue
		}
		if started {
			out.WriteByte('\n')
			if blanks > 0 {
				out.WriteByte('\n')
			}
		}
		started, blanks = true, 0
		out.WriteString(line)
	}
	out.WriteByte('\n')
	return out.String()
}
