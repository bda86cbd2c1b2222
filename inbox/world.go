package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/senderauth"
	"example.com/icpdesk/store"
)

// World is a fixed state to judge messages against instead of the
// database: the accounts, filings and sent emails a corpus of test mail
// refers to, and the desk's authentication settings. `inbox inspect
// --expect` loads one when the expectations file names it, so a corpus
// decides the same everywhere.
type World struct {
	Now  time.Time `json:"now"`
	Desk struct {
		Addresses       []string `json:"addresses"`
		MessageIDDomain string   `json:"message_id_domain"`
	} `json:"desk"`
	Auth struct {
		TrustedAuthServIDs []string            `json:"trusted_authserv_ids"`
		VerifyDKIM         bool                `json:"verify_dkim"`
		TXT                map[string][]string `json:"txt"`
	} `json:"auth"`
	Accounts []struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Language string `json:"language"`
	} `json:"accounts"`
	Filings []struct {
		Reference    string     `json:"reference"`
		Account      string     `json:"account"`
		Stage        string     `json:"stage"`
		ReturnSource string     `json:"return_source"`
		ReturnedAt   *time.Time `json:"returned_at"`
		Deadline     *time.Time `json:"deadline"`
		Overdue      bool       `json:"overdue"`
		ICPNumber    string     `json:"icp_number"`
		Domains      []string   `json:"domains"`
	} `json:"filings"`
	Sent []struct {
		MessageID   string `json:"message_id"`
		Kind        string `json:"kind"`
		Filing      string `json:"filing"`
		Recipient   string `json:"recipient"`
		BounceToken string `json:"bounce_token,omitempty"`
	} `json:"sent"`
	// BounceAddress is the desk's VERP pattern, if it uses one.
	BounceAddress string `json:"bounce_address,omitempty"`
}

// LoadWorld reads a world file strictly: a typo must not silently change
// what a corpus is judged against.
func LoadWorld(path string) (*World, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var w World
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("world %s: %w", path, err)
	}
	return &w, nil
}

// Own is the desk's own mail as the world describes it.
func (w *World) Own(phrases []string) Own {
	return Own{Addresses: w.Desk.Addresses, MessageIDDomain: w.Desk.MessageIDDomain, SubjectPhrases: phrases, BounceAddress: w.BounceAddress}
}

// AuthConfig is the world's sender authentication, with DNS answered from
// its TXT records.
func (w *World) AuthConfig() senderauth.Config {
	txt := map[string][]string{}
	for k, v := range w.Auth.TXT {
		txt[strings.ToLower(strings.TrimSuffix(k, "."))] = v
	}
	return senderauth.Config{TrustedAuthServIDs: w.Auth.TrustedAuthServIDs, VerifyDKIM: w.Auth.VerifyDKIM,
		LookupTXT: func(_ context.Context, domain string) ([]string, error) {
			if v, ok := txt[strings.ToLower(strings.TrimSuffix(domain, "."))]; ok {
				return v, nil
			}
			return nil, fmt.Errorf("lookup %s: no such TXT record in the world file", domain)
		}}
}

// Directory answers the linker from the world.
func (w *World) Directory() (Directory, error) {
	d := &worldDirectory{sent: map[string]store.SentMessage{}, tokens: map[string]store.SentMessage{}}
	accounts := map[string]int{}
	for i, a := range w.Accounts {
		accounts[strings.ToLower(a.Email)] = i
	}
	for i, f := range w.Filings {
		ai, ok := accounts[strings.ToLower(f.Account)]
		if !ok {
			return nil, fmt.Errorf("world: filing %s: no account %s", f.Reference, f.Account)
		}
		a := w.Accounts[ai]
		stage, err := filing.ParseStage(f.Stage)
		if err != nil {
			return nil, fmt.Errorf("world: filing %s: %w", f.Reference, err)
		}
		ref, err := filing.NormalizeReference(f.Reference)
		if err != nil {
			return nil, fmt.Errorf("world: filing %s: %w", f.Reference, err)
		}
		lf := store.LinkFiling{ID: int64(i + 1), Reference: ref, Stage: stage, ReturnSource: filing.ReturnSource(f.ReturnSource),
			ReturnedAt: utcPtr(f.ReturnedAt), Deadline: utcPtr(f.Deadline), Overdue: f.Overdue, AccountID: int64(ai + 1),
			AccountEmail: strings.ToLower(a.Email), AccountName: a.Name, AccountLanguage: a.Language}
		d.filings = append(d.filings, lf)
		if f.ICPNumber != "" {
			n, err := filing.ParseICPNumber(f.ICPNumber)
			if err != nil {
				return nil, fmt.Errorf("world: filing %s: %w", f.Reference, err)
			}
			d.icp = append(d.icp, icpEntry{number: n.String(), id: lf.ID})
		}
		for _, name := range f.Domains {
			_, ascii, err := filing.NormalizeDomain(name)
			if err != nil {
				return nil, fmt.Errorf("world: filing %s: %w", f.Reference, err)
			}
			d.domains = append(d.domains, domainEntry{ascii: ascii, id: lf.ID})
		}
	}
	for i, s := range w.Sent {
		var fid, aid int64
		if s.Filing != "" {
			f, ok := d.byRef(s.Filing)
			if !ok {
				return nil, fmt.Errorf("world: sent %s: no filing %s", s.MessageID, s.Filing)
			}
			fid, aid = f.ID, f.AccountID
		}
		d.sent[s.MessageID] = store.SentMessage{OutboxID: int64(i + 1), MessageID: s.MessageID, Kind: s.Kind, FilingID: fid,
			AccountID: aid, Status: store.OutboxSent, Recipient: strings.ToLower(s.Recipient)}
		if s.BounceToken != "" {
			d.tokens[strings.ToLower(s.BounceToken)] = d.sent[s.MessageID]
		}
	}
	return d, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

type icpEntry struct {
	number string
	id     int64
}

type domainEntry struct {
	ascii string
	id    int64
}

// worldDirectory is a Directory over a World's filings.
type worldDirectory struct {
	filings []store.LinkFiling
	sent    map[string]store.SentMessage
	tokens  map[string]store.SentMessage
	icp     []icpEntry
	domains []domainEntry
}

func (d *worldDirectory) byRef(ref string) (store.LinkFiling, bool) {
	norm, err := filing.NormalizeReference(ref)
	if err != nil {
		return store.LinkFiling{}, false
	}
	for _, f := range d.filings {
		if f.Reference == norm {
			return f, true
		}
	}
	return store.LinkFiling{}, false
}

func (d *worldDirectory) byID(id int64) (store.LinkFiling, bool) {
	if id < 1 || int(id) > len(d.filings) {
		return store.LinkFiling{}, false
	}
	return d.filings[id-1], true
}

func (d *worldDirectory) SentMessages(_ context.Context, ids []string) (map[string]store.SentMessage, error) {
	out := map[string]store.SentMessage{}
	for _, id := range ids {
		if s, ok := d.sent[id]; ok {
			out[id] = s
		}
	}
	return out, nil
}

func (d *worldDirectory) LinkFilingsByID(_ context.Context, ids []int64) (map[int64]store.LinkFiling, error) {
	out := map[int64]store.LinkFiling{}
	for _, id := range ids {
		if f, ok := d.byID(id); ok {
			out[id] = f
		}
	}
	return out, nil
}

func (d *worldDirectory) LinkFilingsByRef(_ context.Context, refs []string) (map[string]store.LinkFiling, error) {
	out := map[string]store.LinkFiling{}
	for _, r := range refs {
		if f, ok := d.byRef(r); ok {
			out[r] = f
		}
	}
	return out, nil
}

func (d *worldDirectory) LinkFilingsByICPNumber(_ context.Context, nums []string) (map[string][]store.LinkFiling, error) {
	out := map[string][]store.LinkFiling{}
	for _, n := range nums {
		for _, e := range d.icp {
			if e.number == n || strings.HasPrefix(e.number, n+"-") {
				f, _ := d.byID(e.id)
				out[n] = append(out[n], f)
			}
		}
	}
	return out, nil
}

func (d *worldDirectory) LinkFilingsByDomain(_ context.Context, names []string) (map[string][]store.LinkFiling, error) {
	out := map[string][]store.LinkFiling{}
	for _, n := range names {
		for _, e := range d.domains {
			if e.ascii == n {
				f, _ := d.byID(e.id)
				out[n] = append(out[n], f)
			}
		}
	}
	return out, nil
}

func (d *worldDirectory) OpenLinkFilingsOf(_ context.Context, emails []string) (map[string][]store.LinkFiling, error) {
	out := map[string][]store.LinkFiling{}
	for _, e := range emails {
		for _, f := range d.filings {
			if f.AccountEmail == strings.ToLower(e) && f.Stage.Open() {
				out[e] = append(out[e], f)
			}
		}
	}
	return out, nil
}

// Processor returns a processor that decides as the desk would against the
// world, and the inspect options that go with it (its directory and clock).
func (w *World) Processor(subjectPhrases []string, ackLimitPerHour int) (*Processor, InspectOptions, error) {
	dir, err := w.Directory()
	if err != nil {
		return nil, InspectOptions{}, err
	}
	p := NewProcessor(nil, ProcessorConfig{Own: w.Own(subjectPhrases), AckLimitPerHour: ackLimitPerHour, Auth: w.AuthConfig()})
	return p, InspectOptions{Dir: dir, Now: w.Now}, nil
}

func (d *worldDirectory) SentByBounceTokens(_ context.Context, tokens []string) (map[string]store.SentMessage, error) {
	out := map[string]store.SentMessage{}
	for _, t := range tokens {
		if s, ok := d.tokens[strings.ToLower(t)]; ok {
			out[t] = s
		}
	}
	return out, nil
}
