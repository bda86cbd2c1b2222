package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
	"example.com/icpdesk/templates"
)

// page is what every template gets.
type page struct {
	L     lang
	User  *user
	Name  string // the template, also the nav entry it highlights
	Path  string // the request's path and query, for the language switch
	Done  string // a finished action's result, from ?done=
	Data  any
	Now   time.Time
	Zone  *time.Location
	Admin bool
}

func (p page) LangSwitch() string {
	to := "en"
	if p.L.code == filing.LangEnglish {
		to = "zh-CN"
	}
	return "/lang?to=" + to + "&back=" + urlEscape(p.Path)
}

func parsePages() (map[string]*template.Template, error) {
	layout, err := fs.ReadFile(files, "files/layout.html")
	if err != nil {
		return nil, fmt.Errorf("console: layout: %w", err)
	}
	names, err := fs.Glob(files, "files/pages/*.html")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("console: no page templates: %v", err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		body, err := fs.ReadFile(files, n)
		if err != nil {
			return nil, fmt.Errorf("console: %s: %w", n, err)
		}
		t, err := template.New("layout").Funcs(funcs).Parse(string(layout))
		if err == nil {
			_, err = t.Parse(string(body))
		}
		if err != nil {
			return nil, fmt.Errorf("console: %s: %w", n, err)
		}
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out, nil
}

var funcs = template.FuncMap{
	"kindLabel": func(l lang, k filing.WorkKind) string { return k.Label(l.code) },
	"stageLabel": func(l lang, s string) string {
		return filing.Stage(s).Label(l.code)
	},
	"emailLabel": func(l lang, k string) string { return templates.KindLabel(filing.EmailKind(k), l.code) },
	"actionLabel": func(l lang, a string) string {
		return l.T("action." + a)
	},
	// eventLabel names an audit event for people where the catalog knows
	// it, else shows its code (new events appear before their wording).
	"eventLabel": func(l lang, a string) string {
		if l.has("event." + a) {
			return l.T("event." + a)
		}
		if l.has("action." + a) {
			return l.T("action." + a)
		}
		return a
	},
	// word is a code in words where the catalog has it (decisions,
	// classifications), else the code itself.
	"word": func(l lang, prefix, code string) string {
		if l.has(prefix + code) {
			return l.T(prefix + code)
		}
		return code
	},
	"mask": filing.MaskEmail,
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"lines": func(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") },
	"json": func(raw []byte) string {
		if len(raw) == 0 || string(raw) == "{}" || string(raw) == "null" {
			return ""
		}
		return string(raw)
	},
	"join": strings.Join,
	// failure is a delivery failure in a few words, with its status:
	// "收件地址不存在（550 5.1.1）"; the raw error stays on the email's page.
	"failure": func(l lang, errText string) string {
		if errText == "" {
			return ""
		}
		r, status := filing.ClassifyFailure(errText)
		if status == "" {
			return r.Label(l.code)
		}
		return l.Tf("emails.failure", r.Label(l.code), status)
	},
	"inc": func(i int) int { return i + 1 },
}

// render writes a page; status is the HTTP status.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, u *user, data any) {
	t, ok := c.pages[name]
	if !ok {
		c.fail(w, r, fmt.Errorf("console: no page %q", name))
		return
	}
	p := page{L: c.lang(r), User: u, Name: name, Path: r.URL.RequestURI(), Data: data, Now: c.desk.Store().Now(),
		Zone: c.desk.Store().Policy().Location, Admin: u != nil && u.Admin()}
	if d := r.URL.Query().Get("done"); d != "" && p.L.has("done."+d) {
		p.Done = p.L.T("done." + d)
	}
	if p.Zone == nil {
		p.Zone = time.UTC
	}
	b := bufs.Get().(*bytes.Buffer)
	defer bufs.Put(b)
	b.Reset()
	if err := t.ExecuteTemplate(b, "layout", p); err != nil {
		c.fail(w, r, fmt.Errorf("console: render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// bufs keeps page buffers between requests: a long filing page is a few
// hundred kilobytes, grown anew each time without them.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// refuse shows a refusal in one line, with the status.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, status int, why string) {
	var u *user
	if status != http.StatusUnauthorized {
		u, _ = c.currentUser(r)
	}
	c.render(w, r, status, "refused", u, map[string]any{"Why": why, "Status": status})
}

// fail reports an unexpected error: logged in full, shown in one line.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.log.ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "err", logSafe(err))
	t, ok := c.pages["refused"]
	if !ok {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	p := page{L: c.lang(r), Name: "refused", Path: r.URL.RequestURI(), Data: map[string]any{"Why": c.lang(r).T("err.internal"), "Status": 500}}
	if t.ExecuteTemplate(&b, "layout", p) != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(b.Bytes())
}

// refusal turns an action's error into a status and one line saying why:
// the class of refusal in the page's language, then the detail the service
// gave.
func (c *Console) refusal(w http.ResponseWriter, r *http.Request, err error) {
	l := c.lang(r)
	var status int
	var why string
	switch {
	case errors.Is(err, store.ErrNotFound):
		status, why = http.StatusNotFound, l.T("err.notfound")
	case errors.Is(err, filing.ErrTransition), errors.Is(err, filing.ErrAccountTransition), errors.Is(err, store.ErrRefused):
		status, why = http.StatusConflict, l.T("err.refused")
	case errors.Is(err, store.ErrExists):
		status, why = http.StatusConflict, l.T("err.exists")
	case errors.Is(err, desk.ErrInput), errors.Is(err, filing.ErrICPNumber):
		status, why = http.StatusBadRequest, l.T("err.input")
	default:
		var probs filing.Problems
		if errors.As(err, &probs) {
			status, why = http.StatusBadRequest, l.T("err.input")
			break
		}
		if !isUserError(err) {
			c.fail(w, r, err)
			return
		}
		status, why = http.StatusBadRequest, l.T("err.input")
	}
	c.log.InfoContext(r.Context(), "console action refused", "path", r.URL.Path, "err", logSafe(err))
	c.refuse(w, r, status, why+"："+oneLine(err.Error()))
}

var emailInText = regexp.MustCompile(`[^\s<>"'(),;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

// logSafe is an error as the log may keep it: addresses and ID numbers in
// it masked (the services name the account or filing they refused).
func logSafe(err error) string {
	if err == nil {
		return ""
	}
	return emailInText.ReplaceAllStringFunc(filing.MaskIDNumbersInText(err.Error()), filing.MaskEmail)
}

// isUserError says whether an error that carries no class is still about
// the request (an address that does not parse) rather than the system.
func isUserError(err error) bool {
	var probs filing.Problems
	if errors.As(err, &probs) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"address", "invalid", "empty", "want ", "needs "} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}
