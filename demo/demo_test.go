package demo

import (
	"context"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/password"
	"example.com/icpdesk/store"
)

// TestStory runs the demo's story in process and checks each step where a
// user would see it: in the database and in the mailboxes, read over IMAP.
func TestStory(t *testing.T) {
	ctx := context.Background()
	var out strings.Builder
	d, err := Start(ctx, Options{Out: &out, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	t.Cleanup(func() {
		// What the daemon logged is what explains a step that never came.
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(d.Dir, "icpdesk.log")); err == nil {
				t.Logf("daemon log:\n%s", log)
			}
		}
	})
	sum, err := d.Story(ctx)
	if err != nil {
		t.Fatalf("story: %v\n%s", err, out.String())
	}
	if !strings.Contains(sum, "each sent and delivered exactly once") {
		t.Fatalf("summary:\n%s", sum)
	}

	// The database.
	ent, err := d.Store.FilingByRef(ctx, EnterpriseRef)
	if err != nil {
		t.Fatal(err)
	}
	ind, err := d.Store.FilingByRef(ctx, IndividualRef)
	if err != nil {
		t.Fatal(err)
	}
	if ent.Filing.Stage != filing.StageApproved || ent.Filing.ICPNumber != ICPNumber {
		t.Errorf("enterprise filing: %s %q", ent.Filing.Stage, ent.Filing.ICPNumber)
	}
	if ind.Filing.Stage != filing.StageReturned || !ind.Filing.Overdue {
		t.Errorf("individual filing: %s overdue=%v", ind.Filing.Stage, ind.Filing.Overdue)
	}
	inbound, err := d.Store.ListInbound(ctx, store.InboundFilter{})
	if err != nil {
		t.Fatal(err)
	}
	decisions := map[string]string{}
	for _, m := range inbound {
		decisions[m.Sender] = m.Classification + "/" + m.Decision + "/" + m.FilingRef
		if m.MovedAt == nil {
			t.Errorf("message from %s was not moved to the processed folder", m.Sender)
		}
	}
	want := map[string]string{
		ZhangSan: "human/resubmission/" + EnterpriseRef,
		WangWu:   "auto_reply/ignored/" + IndividualRef,
		Forger:   "human/unverified/" + IndividualRef,
	}
	for who, w := range want {
		if decisions[who] != w {
			t.Errorf("message from %s: %s, want %s", who, decisions[who], w)
		}
	}
	rows, err := d.Store.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status != store.OutboxSent {
			t.Errorf("email #%d %s is %s", r.ID, r.Kind, r.Status)
		}
		if r.Recipient == Forger {
			t.Errorf("an email went to the forger: %s", r.Kind)
		}
	}

	// The mailboxes, as a mail client sees them.
	tags := func(user string) []string { return d.subjects(t, user, "INBOX") }
	zhang := strings.Join(tags(ZhangSan), "\n")
	for _, want := range []string{"[ICP#BA-2026-000123] 备案信息已提交", "管局退回备案", "已收到您的重新提交", "备案成功：" + ICPNumber} {
		if !strings.Contains(zhang, want) {
			t.Errorf("张三's INBOX lacks %q:\n%s", want, zhang)
		}
	}
	wang := strings.Join(tags(WangWu), "\n")
	for _, want := range []string{"Filing submitted", "Filing returned", "from another address", "deadline to resubmit your filing has passed"} {
		if !strings.Contains(wang, want) {
			t.Errorf("王五's INBOX lacks %q:\n%s", want, wang)
		}
	}
	if strings.Contains(wang, "received your resubmission") {
		t.Errorf("the forged message was acknowledged:\n%s", wang)
	}
	staff := strings.Join(tags(StaffAddress), "\n")
	if !strings.Contains(staff, "每日摘要") || !strings.Contains(staff, IndividualRef) {
		t.Errorf("staff INBOX:\n%s", staff)
	}
	if got := tags(Forger); len(got) != 0 {
		t.Errorf("the forger got mail: %v", got)
	}
	if got := d.subjects(t, DeskAddress, "INBOX"); len(got) != 0 {
		t.Errorf("the desk INBOX still holds %v", got)
	}
	if got := d.subjects(t, DeskAddress, "Processed"); len(got) != 3 {
		t.Errorf("the processed folder holds %d messages, want 3", len(got))
	}
}

// subjects lists a mailbox's decoded subjects over IMAP.
func (d *Demo) subjects(t *testing.T, user, mailbox string) []string {
	t.Helper()
	c, err := imapclient.DialInsecure(d.Mail.IMAPAddr().String(), &imapclient.Options{
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, Password).Wait(); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	msgs, err := c.Fetch(imap.SeqSetNum(seq(sel.NumMessages)...), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Envelope.Subject)
	}
	return out
}

func seq(n uint32) []uint32 {
	s := make([]uint32, n)
	for i := range s {
		s[i] = uint32(i + 1)
	}
	return s
}

// TestQueue runs the story and then the queue's part: every kind of work
// item is left open for the console, and a message that arrives after the
// clock jumped is judged on the moved clock.
func TestQueue(t *testing.T) {
	ctx := context.Background()
	var out strings.Builder
	d, err := Start(ctx, Options{Out: &out, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	if _, err := d.Story(ctx); err != nil {
		t.Fatalf("story: %v\n%s", err, out.String())
	}
	if err := d.Queue(ctx); err != nil {
		if log, rerr := os.ReadFile(filepath.Join(d.Dir, "icpdesk.log")); rerr == nil {
			t.Logf("daemon log:\n%s", log)
		}
		t.Fatalf("queue: %v\n%s", err, out.String())
	}
	counts, err := d.Store.CountOpenWorkItems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	open := map[filing.WorkKind]int{}
	for _, c := range counts {
		open[c.Kind] = c.Open
	}
	for _, k := range filing.WorkKinds {
		if open[k] == 0 {
			t.Errorf("no open %s item", k)
		}
	}
	// 王五's resubmission came after the deadline on the demo's clock.
	ind, err := d.Store.FilingByRef(ctx, IndividualRef)
	if err != nil {
		t.Fatal(err)
	}
	if !ind.Filing.Late || ind.Filing.Stage != filing.StageProviderReview {
		t.Errorf("王五's resubmission after the clock jump: stage %s, late %v", ind.Filing.Stage, ind.Filing.Late)
	}
	if !strings.Contains(out.String(), "decision late_resubmission") {
		t.Errorf("the timeline does not say the resubmission was late:\n%s", out.String())
	}
	// The demo's console sign-in works.
	u, err := d.Store.StaffUserByEmail(ctx, StaffAddress)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := password.Verify(Password, u.PasswordHash); !ok || err != nil {
		t.Errorf("the demo sign-in's password does not match: %v", err)
	}
	if !strings.Contains(d.Connection(), "sign in as "+StaffAddress+", password "+Password) {
		t.Errorf("the connection text lacks the sign-in:\n%s", d.Connection())
	}
}
