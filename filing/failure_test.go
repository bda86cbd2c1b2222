package filing

import "testing"

func TestClassifyFailure(t *testing.T) {
	for _, c := range []struct {
		in     string
		want   FailureReason
		status string
	}{
		{"550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox table", FailureRecipientUnknown, "550 5.1.1"},
		{"SMTP RCPT TO failed: 550 Mailbox unavailable", FailureRecipientUnknown, "550"},
		{"552 5.2.2 mailbox full", FailureMailboxFull, "552 5.2.2"},
		{"554 5.7.1 Message rejected as spam", FailureRejected, "554 5.7.1"},
		{"dial tcp 192.0.2.1:25: connect: connection refused", FailureUnreachable, ""},
		{"451 4.3.0 try again later (kept failing for 72h)", FailureTemporary, "451 4.3.0"},
		{"550 5.1.2 bad destination domain", FailureDomainUnknown, "550 5.1.2"},
		{"something odd", FailureOther, ""},
	} {
		got, status := ClassifyFailure(c.in)
		if got != c.want || status != c.status {
			t.Errorf("ClassifyFailure(%q) = %s %q, want %s %q", c.in, got, status, c.want, c.status)
		}
		if got.Label(LangChinese) == "" || got.Label(LangEnglish) == "" {
			t.Errorf("%s has no label", got)
		}
	}
	if FailureRecipientUnknown.Label(LangChinese) != "收件地址不存在" {
		t.Error("label")
	}
}
