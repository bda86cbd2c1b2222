package console

import (
	"net/http"
	"net/url"
	"sort"
)

// confirmation is the step between asking and doing: what the action will
// change and send, to whom, with the form's fields carried along.
type confirmation struct {
	Action string // where the confirmed form posts
	Fields []field
	Lines  []string
	Quote  string // text that will be sent, shown as it will read
	Back   string
}

type field struct{ Name, Value string }

// confirmed says whether the member confirmed the action; if not, it shows
// the confirmation page and the handler stops.
func (c *Console) confirmed(w http.ResponseWriter, r *http.Request, u *user, back string, lines []string, quote string) bool {
	if r.PostFormValue("confirm") == "yes" {
		return true
	}
	cf := confirmation{Action: r.URL.Path, Lines: lines, Quote: quote, Back: back}
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		if k != "confirm" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.PostForm[k] {
			cf.Fields = append(cf.Fields, field{k, v})
		}
	}
	c.render(w, r, http.StatusOK, "confirm", u, cf)
	return false
}

// done redirects to a page after an action, with its result.
func done(w http.ResponseWriter, r *http.Request, to, result string) {
	u, err := url.Parse(to)
	if err != nil {
		u = &url.URL{Path: "/queue"}
	}
	q := u.Query()
	q.Set("done", result)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
