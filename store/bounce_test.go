package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

// TestBounceTokens: every email gets its own random token, whatever path
// enqueued it; two emails about the same filing to the same recipient get
// different ones; the token finds its email and nothing else does.
func TestBounceTokens(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		enqueueMail(t, s, "same", 1, 0)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			var items []store.OutboxItem
			for i := 0; i < 3; i++ {
				items = append(items, store.OutboxItem{DedupKey: fmt.Sprintf("many:%d", i), Notice: filing.Notice{
					Kind: filing.EmailFilingApproved, Language: filing.LangChinese, To: "same0@example.cn", Reference: "BA-2026-000123", At: c.Now()}})
			}
			_, err := tx.EnqueueMany(ctx, items)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute)
		if err != nil || len(got) != 4 {
			t.Fatalf("claimed %d (%v)", len(got), err)
		}
		seen := map[string]bool{}
		for _, m := range got {
			tok := m.BounceToken
			if len(tok) != 32 || strings.Trim(tok, "0123456789abcdef") != "" || seen[tok] {
				t.Fatalf("row %d: token %q (seen before: %v)", m.ID, tok, seen[tok])
			}
			seen[tok] = true
			for _, part := range []string{m.Recipient, "same0", "BA-2026-000123", m.MessageID, strings.TrimPrefix(strings.Split(m.MessageID, "@")[0], store.MessageIDPrefix)} {
				if strings.Contains(tok, strings.ToLower(part)) || strings.Contains(m.MessageID, tok) {
					t.Fatalf("row %d: token %q relates to %q", m.ID, tok, part)
				}
			}
			row, ok, err := s.OutboxByBounceToken(ctx, strings.ToUpper(tok))
			if err != nil || !ok || row.ID != m.ID || row.Recipient != m.Recipient {
				t.Fatalf("token of row %d found %+v %v %v", m.ID, row, ok, err)
			}
		}
		for _, bad := range []string{"", "0123456789abcdef0123456789abcdef", "not-a-token", "' OR 1=1 --", strings.Repeat("g", 32)} {
			if row, ok, err := s.OutboxByBounceToken(ctx, bad); ok || err != nil {
				t.Errorf("token %q found %+v (%v)", bad, row, err)
			}
		}
		// The database refuses a second row with the same token.
		var tok string
		if err := store.GetForTest(ctx, s, &tok, `SELECT bounce_token FROM outbox WHERE id = ?`, got[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := store.ExecForTest(ctx, s, `UPDATE outbox SET bounce_token = ? WHERE id = ?`, tok, got[1].ID); err == nil {
			t.Fatal("two emails share a bounce token")
		}
	})
}
