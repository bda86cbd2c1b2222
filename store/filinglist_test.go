package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
)

func refs(p store.FilingPage) []string {
	var out []string
	for _, f := range p.Filings {
		out = append(out, f.Reference)
	}
	return out
}

func TestListFilingsFiltersAndPages(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "a@example.cn")
		approvedAccount(t, s, "b@example.cn")
		// Seven filings, each changed a minute after the one before.
		for i := 1; i <= 7; i++ {
			ref := fmt.Sprintf("BA-2026-%06d", i)
			in := filingtest.Individual(ref, "a@example.cn")
			if i%2 == 0 {
				in = filingtest.Enterprise(ref, "b@example.cn")
				in.Website.Domains[0].Name = fmt.Sprintf("shop%d.example.cn", i)
			}
			if _, probs, err := s.ImportFiling(ctx, in, filingtest.Fingerprinter(), "tester"); err != nil || len(probs) > 0 {
				t.Fatalf("import %s: %v %v", ref, err, probs)
			}
			c.Set(c.Now().Add(time.Minute))
		}
		change(t, s, "BA-2026-000003", filing.ActionSubmit, c.Now())

		list := func(f store.FilingFilter) store.FilingPage {
			t.Helper()
			p, err := s.ListFilingsPage(ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			return p
		}
		// Most recently changed first: the submitted one leads.
		if got := refs(list(store.FilingFilter{Limit: 3})); !slices.Equal(got, []string{"BA-2026-000003", "BA-2026-000007", "BA-2026-000006"}) {
			t.Errorf("first page = %v", got)
		}
		// Walking the pages yields each filing once, in order.
		var all []string
		f := store.FilingFilter{Limit: 3}
		for pages := 0; ; pages++ {
			p := list(f)
			all = append(all, refs(p)...)
			if p.Next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			f.After = p.Next
		}
		if want := []string{"BA-2026-000003", "BA-2026-000007", "BA-2026-000006", "BA-2026-000005", "BA-2026-000004", "BA-2026-000002", "BA-2026-000001"}; !slices.Equal(all, want) {
			t.Errorf("all pages = %v, want %v", all, want)
		}
		// An exact page has no next cursor.
		if p := list(store.FilingFilter{Limit: 7}); p.Next != "" || len(p.Filings) != 7 {
			t.Errorf("exact page: %d filings, next %q", len(p.Filings), p.Next)
		}
		_, puny, err := filing.NormalizeDomain("示例.中国")
		if err != nil || puny == "示例.中国" {
			t.Fatalf("punycode: %q %v", puny, err)
		}
		cases := []struct {
			name string
			f    store.FilingFilter
			want []string
		}{
			{"stage", store.FilingFilter{Stage: filing.StageProviderReview}, []string{"BA-2026-000003"}},
			{"account", store.FilingFilter{Account: " B@example.cn "}, []string{"BA-2026-000006", "BA-2026-000004", "BA-2026-000002"}},
			{"domain exact", store.FilingFilter{Domain: "SHOP4.example.cn"}, []string{"BA-2026-000004"}},
			{"domain unicode", store.FilingFilter{Domain: "示例.中国", Account: "b@example.cn", Limit: 1}, []string{"BA-2026-000006"}},
			{"domain punycode", store.FilingFilter{Domain: puny, Limit: 1}, []string{"BA-2026-000006"}},
			{"domain not filed", store.FilingFilter{Domain: "other.example.net"}, nil},
			{"text reference", store.FilingFilter{Text: "000005"}, []string{"BA-2026-000005"}},
			{"text domain part", store.FilingFilter{Text: "shop6"}, []string{"BA-2026-000006"}},
			{"text name", store.FilingFilter{Text: "王五", Stage: filing.StageDraft}, []string{"BA-2026-000007", "BA-2026-000005", "BA-2026-000001"}},
			{"text is literal", store.FilingFilter{Text: "%"}, nil},
			{"text underscore literal", store.FilingFilter{Text: "_"}, nil},
		}
		for _, tc := range cases {
			if got := refs(list(tc.f)); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		for _, bad := range []string{"nonsense!", "MTIz", "LTEuLTE"} {
			if _, err := s.ListFilingsPage(ctx, store.FilingFilter{After: bad}); !errors.Is(err, store.ErrBadCursor) {
				t.Errorf("cursor %q: err = %v, want ErrBadCursor", bad, err)
			}
		}
	})
}
