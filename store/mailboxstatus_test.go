package store_test

import (
	"testing"
	"time"

	"example.com/icpdesk/store"
)

// TestMailboxStatus: the holder's status is read back as written, with the
// holder's name and when it was written; the latest write wins.
func TestMailboxStatus(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		key := store.MailboxKey("desk", "imap.example.cn", 993, "INBOX")
		if key != "inbox:desk@imap.example.cn:993/INBOX" {
			t.Fatalf("key %q", key)
		}
		if _, ok, err := s.MailboxStatus(ctx, key); ok || err != nil {
			t.Fatalf("status before any was written: %v %v", ok, err)
		}
		pass := c.Now().Add(-2 * time.Second)
		if err := s.SaveMailboxStatus(ctx, store.MailboxStatus{Mailbox: key, Connected: true, Mode: "idle", LastPass: &pass}); err != nil {
			t.Fatal(err)
		}
		st, ok, err := s.MailboxStatus(ctx, key)
		if err != nil || !ok || st.Holder != store.ProcessName() || !st.Connected || st.Mode != "idle" ||
			st.LastPass == nil || !st.LastPass.Equal(pass) || !st.UpdatedAt.Equal(c.Now()) || st.LastError != "" {
			t.Fatalf("status %+v %v %v", st, ok, err)
		}
		c.Set(c.Now().Add(5 * time.Second))
		errAt := c.Now()
		if err := s.SaveMailboxStatus(ctx, store.MailboxStatus{Mailbox: key, Holder: "web2:42", Mode: "disconnected",
			LastError: "dial tcp: connection refused", LastErrorAt: &errAt}); err != nil {
			t.Fatal(err)
		}
		st, _, err = s.MailboxStatus(ctx, key)
		if err != nil || st.Holder != "web2:42" || st.Connected || st.LastPass != nil || st.LastError != "dial tcp: connection refused" ||
			st.LastErrorAt == nil || !st.UpdatedAt.Equal(c.Now()) {
			t.Fatalf("second status %+v %v", st, err)
		}
		if _, ok, _ := s.MailboxStatus(ctx, store.MailboxKey("desk", "imap.example.cn", 993, "Other")); ok {
			t.Fatal("another mailbox has a status")
		}
	})
}
