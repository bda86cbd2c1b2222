package mailer

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"time"

	"github.com/wneessen/go-mail"

	"example.com/icpdesk/filing"
)

// SendTest checks the SMTP settings by sending one short email to `to`
// outside the outbox. It returns the Message-ID sent. An error wrapping
// ErrUnreachable means no session could be started (address, TLS or
// authentication); any other error is the server refusing the message.
func SendTest(ctx context.Context, set Settings, to string, now time.Time) (string, error) {
	if err := set.validate(); err != nil {
		return "", err
	}
	addr, err := filing.NormalizeEmail(to)
	if err != nil {
		return "", fmt.Errorf("--to: %w", err)
	}
	c, err := newConn(set)
	if err != nil {
		return "", err
	}
	defer c.close()
	if err := c.connect(ctx); err != nil {
		return "", err
	}
	id := newMessageID(set.FromAddress)
	m, err := newMsg(set, filing.LangChinese, &netmail.Address{Address: addr}, "icpdesk 发信测试 / SMTP test", id, now, "auto-generated")
	if err != nil {
		return "", err
	}
	m.SetBodyString(mail.TypeTextPlain, fmt.Sprintf(
		"这是 icpdesk 发出的测试邮件，用于检查发信设置，无需回复。\n"+
			"This is a test email from icpdesk, checking its SMTP settings. No reply is needed.\n\n"+
			"服务器 / Server: %s (%s)\n发件人 / From: %s\n时间 / Time: %s\n",
		set.Addr(), set.Security, set.FromAddress, now.In(zoneOr(set.Location)).Format(time.RFC3339)))
	out := encode(m, set.FromAddress, []string{addr}, id)
	defer out.free()
	if err := c.sendEncoded(out, ending{}); err != nil {
		if what, _ := classify(err); what == outcomeConnCheck || what == outcomeDropped {
			return "", &unreachableError{addr: set.Addr(), err: redactSecret(err, set.Password)}
		}
		return "", fmt.Errorf("the server refused the test email: %w", redactSecret(err, set.Password))
	}
	return id, nil
}

func zoneOr(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// JanitorStore is what the outbox janitor needs (*store.Store has it).
type JanitorStore interface {
	RequeueExpiredLeases(ctx context.Context, now time.Time) (int, error)
	EraseOldSecrets(ctx context.Context, olderThan time.Time) (int, error)
}

// Janitor is the scheduler's outbox-janitor job: it puts back rows whose
// claim expired (a mailer died holding them) and erases filing passwords
// from emails that were not sent and were queued more than keepSecrets ago
// (until then staff can still retry them).
func Janitor(st JanitorStore, keepSecrets time.Duration) func(ctx context.Context, now time.Time) (string, error) {
	return func(ctx context.Context, now time.Time) (string, error) {
		requeued, err1 := st.RequeueExpiredLeases(ctx, now)
		erased, err2 := st.EraseOldSecrets(ctx, now.Add(-keepSecrets))
		return fmt.Sprintf("requeued %d expired claims, erased %d old secrets", requeued, erased), errors.Join(err1, err2)
	}
}
