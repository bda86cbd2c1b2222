package inbox

import (
	"context"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

// cachedDirectory answers the linker from lookups made once per batch: a
// batch's messages cost one statement (prefetch) instead of six per message
// (docs/architecture.md: backlog ingest must reach a quarter of the raw FETCH rate).
// Misses are remembered too. It lives for one transaction.
type cachedDirectory struct {
	under Directory

	sent   map[string]*store.SentMessage // nil: not ours
	byID   map[int64]*store.LinkFiling   // nil: no such filing
	byRef  map[string]int64              // 0: no such filing
	byICP  map[string][]int64
	byDom  map[string][]int64
	openOf map[string][]int64
}

func newCachedDirectory(under Directory) *cachedDirectory {
	return &cachedDirectory{
		under: under,
		sent:  map[string]*store.SentMessage{}, byID: map[int64]*store.LinkFiling{}, byRef: map[string]int64{},
		byICP: map[string][]int64{}, byDom: map[string][]int64{}, openOf: map[string][]int64{},
	}
}

// prefetch makes every lookup the messages' keys need, in one statement,
// leaving the cache as the six single-kind lookups would.
func (d *cachedDirectory) prefetch(ctx context.Context, l linkLookuper, keys []linkKeys) error {
	var sent, refs, icps, doms, senders []string
	for _, k := range keys {
		sent = append(append(append(sent, k.inReplyTo...), k.references...), k.bounced...)
		refs = append(append(refs, k.tags...), k.refs...)
		icps = append(icps, k.icps...)
		for _, m := range k.domains {
			doms = append(doms, m.candidates...)
		}
		if k.sender != "" {
			senders = append(senders, k.sender)
		}
	}
	needSent, needRefs, needICPs := missing(d.sent, sent), missing(d.byRef, refs), missing(d.byICP, icps)
	needDoms, needSenders := missing(d.byDom, doms), missing(d.openOf, senders)
	got, err := l.LinkLookups(ctx, store.LinkLookup{SentMessageIDs: needSent, Refs: needRefs, ICPNumbers: needICPs,
		Domains: needDoms, Senders: needSenders})
	if err != nil {
		return err
	}
	for _, id := range needSent {
		if s, ok := got.Sent[id]; ok {
			d.sent[id] = &s
		} else {
			d.sent[id] = nil
		}
	}
	var ids []int64
	for _, id := range sent {
		if s := d.sent[id]; s != nil && s.FilingID != 0 {
			ids = append(ids, s.FilingID)
		}
	}
	for _, id := range missing(d.byID, ids) {
		if f, ok := got.SentFilings[id]; ok {
			d.byID[id] = &f
		} else {
			d.byID[id] = nil
		}
	}
	for _, r := range needRefs {
		if f, ok := got.ByRef[r]; ok {
			d.byRef[r] = d.remember(f)[0]
		} else {
			d.byRef[r] = 0
		}
	}
	for _, n := range needICPs {
		d.byICP[n] = d.remember(got.ByICPNumber[n]...)
	}
	for _, n := range needDoms {
		d.byDom[n] = d.remember(got.ByDomain[n]...)
	}
	for _, e := range needSenders {
		d.openOf[e] = d.remember(got.OpenOf[e]...)
	}
	return nil
}

// linkLookuper makes all the lookups at once (*store.Tx does).
type linkLookuper interface {
	LinkLookups(ctx context.Context, l store.LinkLookup) (store.LinkLookupResult, error)
}

// setStage records a stage change made in this transaction, so later
// messages of the batch are decided on the filing as it now is.
func (d *cachedDirectory) setStage(id int64, stage filing.Stage) {
	if f := d.byID[id]; f != nil {
		f.Stage = stage
		if stage != filing.StageReturned {
			f.Deadline, f.ReturnedAt = nil, nil
		}
	}
}

func missing[K comparable, V any](m map[K]V, keys []K) []K {
	var out []K
	seen := map[K]bool{}
	for _, k := range keys {
		if _, ok := m[k]; !ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func (d *cachedDirectory) remember(fs ...store.LinkFiling) []int64 {
	ids := make([]int64, len(fs))
	for i, f := range fs {
		if d.byID[f.ID] == nil {
			f := f
			d.byID[f.ID] = &f
		}
		ids[i] = f.ID
	}
	return ids
}

func (d *cachedDirectory) filings(ids []int64) []store.LinkFiling {
	var out []store.LinkFiling
	for _, id := range ids {
		if f := d.byID[id]; f != nil {
			out = append(out, *f)
		}
	}
	return out
}

func (d *cachedDirectory) SentMessages(ctx context.Context, ids []string) (map[string]store.SentMessage, error) {
	if need := missing(d.sent, ids); len(need) > 0 {
		got, err := d.under.SentMessages(ctx, need)
		if err != nil {
			return nil, err
		}
		for _, id := range need {
			if s, ok := got[id]; ok {
				d.sent[id] = &s
			} else {
				d.sent[id] = nil
			}
		}
	}
	out := map[string]store.SentMessage{}
	for _, id := range ids {
		if s := d.sent[id]; s != nil {
			out[id] = *s
		}
	}
	return out, nil
}

func (d *cachedDirectory) LinkFilingsByID(ctx context.Context, ids []int64) (map[int64]store.LinkFiling, error) {
	if need := missing(d.byID, ids); len(need) > 0 {
		got, err := d.under.LinkFilingsByID(ctx, need)
		if err != nil {
			return nil, err
		}
		for _, id := range need {
			if f, ok := got[id]; ok {
				d.byID[id] = &f
			} else {
				d.byID[id] = nil
			}
		}
	}
	out := map[int64]store.LinkFiling{}
	for _, id := range ids {
		if f := d.byID[id]; f != nil {
			out[id] = *f
		}
	}
	return out, nil
}

func (d *cachedDirectory) LinkFilingsByRef(ctx context.Context, refs []string) (map[string]store.LinkFiling, error) {
	if need := missing(d.byRef, refs); len(need) > 0 {
		got, err := d.under.LinkFilingsByRef(ctx, need)
		if err != nil {
			return nil, err
		}
		for _, r := range need {
			if f, ok := got[r]; ok {
				d.byRef[r] = d.remember(f)[0]
			} else {
				d.byRef[r] = 0
			}
		}
	}
	out := map[string]store.LinkFiling{}
	for _, r := range refs {
		if id := d.byRef[r]; id != 0 && d.byID[id] != nil {
			out[r] = *d.byID[id]
		}
	}
	return out, nil
}

func (d *cachedDirectory) LinkFilingsByICPNumber(ctx context.Context, nums []string) (map[string][]store.LinkFiling, error) {
	if need := missing(d.byICP, nums); len(need) > 0 {
		got, err := d.under.LinkFilingsByICPNumber(ctx, need)
		if err != nil {
			return nil, err
		}
		for _, n := range need {
			d.byICP[n] = d.remember(got[n]...)
		}
	}
	out := map[string][]store.LinkFiling{}
	for _, n := range nums {
		if fs := d.filings(d.byICP[n]); len(fs) > 0 {
			out[n] = fs
		}
	}
	return out, nil
}

func (d *cachedDirectory) LinkFilingsByDomain(ctx context.Context, names []string) (map[string][]store.LinkFiling, error) {
	if need := missing(d.byDom, names); len(need) > 0 {
		got, err := d.under.LinkFilingsByDomain(ctx, need)
		if err != nil {
			return nil, err
		}
		for _, n := range need {
			d.byDom[n] = d.remember(got[n]...)
		}
	}
	out := map[string][]store.LinkFiling{}
	for _, n := range names {
		if fs := d.filings(d.byDom[n]); len(fs) > 0 {
			out[n] = fs
		}
	}
	return out, nil
}

func (d *cachedDirectory) OpenLinkFilingsOf(ctx context.Context, emails []string) (map[string][]store.LinkFiling, error) {
	if need := missing(d.openOf, emails); len(need) > 0 {
		got, err := d.under.OpenLinkFilingsOf(ctx, need)
		if err != nil {
			return nil, err
		}
		for _, e := range need {
			d.openOf[e] = d.remember(got[e]...)
		}
	}
	out := map[string][]store.LinkFiling{}
	for _, e := range emails {
		if fs := d.filings(d.openOf[e]); len(fs) > 0 {
			out[e] = fs
		}
	}
	return out, nil
}

// SentByBounceTokens is not cached: a bounce with a token is looked up once.
func (d *cachedDirectory) SentByBounceTokens(ctx context.Context, tokens []string) (map[string]store.SentMessage, error) {
	return d.under.SentByBounceTokens(ctx, tokens)
}
