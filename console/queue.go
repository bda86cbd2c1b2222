package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

// queueRows is how many items the queue page lists; the counts are true
// totals whatever it lists.
const queueRows = 200

type kindCount struct {
	Kind   filing.WorkKind
	Open   int
	Oldest *time.Time
}

type queueData struct {
	Kind   filing.WorkKind
	Counts []kindCount
	Total  int
	Shown  int
	More   int
	Items  []store.WorkItem
}

func (c *Console) queuePage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	var kind filing.WorkKind
	if k := r.URL.Query().Get("kind"); k != "" {
		pk, err := filing.ParseWorkKind(k)
		if err != nil {
			c.refuse(w, r, http.StatusBadRequest, c.lang(r).T("err.input")+"："+oneLine(err.Error()))
			return
		}
		kind = pk
	}
	counts, err := c.desk.QueueCounts(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	items, err := c.desk.Queue(ctx, store.WorkFilter{Kind: kind, Limit: queueRows})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := queueData{Kind: kind, Items: items, Shown: len(items)}
	byKind := map[filing.WorkKind]store.WorkCount{}
	for _, wc := range counts {
		byKind[wc.Kind] = wc
		d.Total += wc.Open
	}
	for _, k := range filing.WorkKinds {
		wc := byKind[k]
		d.Counts = append(d.Counts, kindCount{Kind: k, Open: wc.Open, Oldest: wc.Oldest})
	}
	listed := d.Total
	if kind != "" {
		listed = byKind[kind].Open
	}
	d.More = max(0, listed-len(items))
	// Listed by kind in the queue's order, oldest first within a kind.
	order := map[filing.WorkKind]int{}
	for i, k := range filing.WorkKinds {
		order[k] = i
	}
	sortStable(d.Items, func(a, b store.WorkItem) bool { return order[a.Kind] < order[b.Kind] })
	c.render(w, r, http.StatusOK, "queue", u, d)
}

func sortStable(items []store.WorkItem, less func(a, b store.WorkItem) bool) {
	// Insertion sort keeps the store's oldest-first order inside a kind;
	// at most queueRows rows.
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && less(items[j], items[j-1]); j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
}

// pathID is the {id} of the request's path; when it is not one, the
// visitor has been answered "not found" and ok is false.
func (c *Console) pathID(w http.ResponseWriter, r *http.Request) (id int64, ok bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.refuse(w, r, http.StatusNotFound, c.lang(r).T("err.notfound"))
		return 0, false
	}
	return id, true
}

// itemRedirect opens the page an item is about: its message, its email or
// its filing. The digest links here.
func (c *Console) itemRedirect(w http.ResponseWriter, r *http.Request, u *user) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	it, err := c.desk.Item(ctx, id)
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	c.log.DebugContext(ctx, "item opened", "item", it.ID, "staff", u.Name)
	http.Redirect(w, r, itemPath(it), http.StatusSeeOther)
}

func itemPath(it store.WorkItem) string {
	switch {
	case it.InboundID != nil:
		return "/messages/" + strconv.FormatInt(*it.InboundID, 10)
	case it.OutboxID != nil:
		return "/emails/" + strconv.FormatInt(*it.OutboxID, 10)
	case it.FilingRef != "":
		return "/filings/" + it.FilingRef
	}
	return "/queue"
}

func (c *Console) closeItem(w http.ResponseWriter, r *http.Request, u *user) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	l := c.lang(r)
	note := strings.TrimSpace(r.PostFormValue("note"))
	back := strings.TrimSpace(r.PostFormValue("back"))
	if !c.confirmed(w, r, u, safeNext(back), []string{l.Tf("confirm.close", id, note), l.T("common.nomail")}, "") {
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	if _, err := c.desk.CloseItem(ctx, id, note, u.Actor()); err != nil {
		c.refusal(w, r, err)
		return
	}
	done(w, r, safeNext(back), "closed")
}
