package filing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewAccount(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, tc := range []struct {
		name     string
		email    string
		accName  string
		lang     Language
		customer bool
		want     Account // zero: refused
	}{
		{"applicant", " ZhangSan@Example.CN ", " 张三丰 ", "", false,
			Account{Email: "zhangsan@example.cn", Name: "张三丰", Language: LangChinese, Status: AccountPending}},
		{"hosting customer is approved on creation", "ops@example.com", "Example Ltd", LangEnglish, true,
			Account{Email: "ops@example.com", Name: "Example Ltd", Language: LangEnglish, Status: AccountApproved, Customer: true}},
		{"explicit Chinese", "a@example.cn", "李四", LangChinese, false,
			Account{Email: "a@example.cn", Name: "李四", Language: LangChinese, Status: AccountPending}},
		{"control characters in the name", "a@example.cn", "李四\r\nBcc: x@example.com", "", false,
			Account{Email: "a@example.cn", Name: "李四 Bcc: x@example.com", Language: LangChinese, Status: AccountPending}},
		{"bad email", "Zhang <z@example.cn>", "张三", "", false, Account{}},
		{"empty email", "", "张三", "", false, Account{}},
		{"empty name", "a@example.cn", " \t ", "", false, Account{}},
		{"unknown language", "a@example.cn", "张三", "fr", false, Account{}},
		{"unparsed language spelling", "a@example.cn", "张三", "zh", false, Account{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewAccount(tc.email, tc.accName, tc.lang, tc.customer, now)
			if tc.want == (Account{}) {
				if err == nil {
					t.Fatalf("NewAccount accepted %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.CreatedAt.Equal(now) || !got.UpdatedAt.Equal(now) || got.CreatedAt.Location() != time.UTC {
				t.Errorf("times %v / %v, want %v in UTC", got.CreatedAt, got.UpdatedAt, now)
			}
			got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}
			if got != tc.want {
				t.Errorf("account = %+v\nwant      %+v", got, tc.want)
			}
		})
	}
}

func TestDecideAccount(t *testing.T) {
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	base := Account{ID: 1, Email: "a@example.cn", Name: "张三", Language: LangChinese, CreatedAt: created, UpdatedAt: created}
	for _, tc := range []struct {
		name       string
		from       AccountStatus
		oldReason  string
		action     AccountAction
		reason     string
		to         AccountStatus
		email      EmailKind
		wantReason string
		wantErr    error // ErrAccountTransition, or errAny for another error
	}{
		{name: "approve pending", from: AccountPending, action: AccountApprove, to: AccountApproved, email: EmailAccountApproved},
		{name: "approve pending ignores a reason", from: AccountPending, action: AccountApprove, reason: "ok", to: AccountApproved, email: EmailAccountApproved},
		{name: "reject pending", from: AccountPending, action: AccountReject, reason: " 姓名与身份证\n不符 ", to: AccountRejected,
			email: EmailAccountRejected, wantReason: "姓名与身份证 不符"},
		{name: "approve rejected clears the reason", from: AccountRejected, oldReason: "姓名有误", action: AccountApprove,
			to: AccountApproved, email: EmailAccountApproved},
		{name: "reject without reason", from: AccountPending, action: AccountReject, reason: "  ", wantErr: errAny},
		{name: "reject approved", from: AccountApproved, action: AccountReject, reason: "x", wantErr: ErrAccountTransition},
		{name: "reject rejected", from: AccountRejected, action: AccountReject, reason: "x", wantErr: ErrAccountTransition},
		{name: "approve approved", from: AccountApproved, action: AccountApprove, wantErr: ErrAccountTransition},
		{name: "unknown action", from: AccountPending, action: "suspend", wantErr: ErrAccountTransition},
		{name: "unknown status", from: "frozen", action: AccountApprove, wantErr: ErrAccountTransition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := base
			a.Status, a.RejectReason = tc.from, tc.oldReason
			got, email, err := DecideAccount(a, tc.action, tc.reason, now)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("DecideAccount allowed %s from %s", tc.action, tc.from)
				}
				if tc.wantErr != errAny && !errors.Is(err, tc.wantErr) {
					t.Errorf("error %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr == ErrAccountTransition {
					for _, s := range []string{string(tc.from), a.Email} {
						if !strings.Contains(err.Error(), s) {
							t.Errorf("error %q does not mention %q", err, s)
						}
					}
				}
				if got != a || email != "" {
					t.Errorf("refused decision changed the account or sent %q: %+v", email, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.to || email != tc.email || got.RejectReason != tc.wantReason {
				t.Errorf("status %s email %s reason %q, want %s %s %q", got.Status, email, got.RejectReason, tc.to, tc.email, tc.wantReason)
			}
			if !got.UpdatedAt.Equal(now) || got.UpdatedAt.Location() != time.UTC || !got.CreatedAt.Equal(created) {
				t.Errorf("times: created %v updated %v", got.CreatedAt, got.UpdatedAt)
			}
		})
	}
}

var errAny = errors.New("any error")
