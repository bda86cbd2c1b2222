package console_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"example.com/icpdesk/console"
	"example.com/icpdesk/desk"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// identityProvider is a small OpenID Connect provider for the test: the
// discovery document and keys from go-oidc's oidctest, and an authorization
// endpoint that signs in whoever the test says, at once.
type identityProvider struct {
	srv  *httptest.Server
	priv *rsa.PrivateKey

	mu       sync.Mutex
	who      map[string]any // the next sign-in's claims: sub, email, email_verified
	codes    map[string]grant
	badNonce bool
}

type grant struct{ nonce, challenge string }

func newIdentityProvider(t *testing.T) *identityProvider {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &identityProvider{priv: priv, codes: map[string]grant{}}
	disc := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: priv.Public(), KeyID: "k1", Algorithm: oidc.RS256}}}
	mux := http.NewServeMux()
	mux.Handle("/.well-known/openid-configuration", disc)
	mux.Handle("/keys", disc)
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != "icpdesk" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" {
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := randomHex()
		p.mu.Lock()
		p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+q.Get("state"), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		g, found := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		claims := map[string]any{}
		for k, v := range p.who {
			claims[k] = v
		}
		if p.badNonce {
			g.nonce = "not-the-nonce"
		}
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !found || id != "icpdesk" || secret != "s3cret" || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		claims["iss"], claims["aud"], claims["nonce"] = p.srv.URL, "icpdesk", g.nonce
		claims["iat"], claims["exp"] = time.Now().Unix(), time.Now().Add(time.Hour).Unix()
		raw, _ := json.Marshal(claims)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600,
			"id_token": oidctest.SignIDToken(priv, "k1", oidc.RS256, string(raw))})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	disc.SetIssuer(p.srv.URL)
	return p
}

func (p *identityProvider) as(claims map[string]any) {
	p.mu.Lock()
	p.who = claims
	p.mu.Unlock()
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func TestOIDCSignIn(t *testing.T) {
	idp := newIdentityProvider(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := httptest.NewServer(nil)
		defer srv.Close()
		c, err := console.New(desk.New(s, nil, nil), console.Options{PublicURL: srv.URL,
			OIDC: &console.OIDC{Issuer: idp.srv.URL, ClientID: "icpdesk", ClientSecret: "s3cret"}})
		if err != nil {
			t.Fatal(err)
		}
		srv.Config.Handler = c
		for _, m := range []struct{ email, name string }{{"wangfang@example.cn", "王芳"}, {"lisi@example.cn", "李四"}} {
			if _, err := console.AddStaff(ctx, s, m.email, m.name, store.RoleStaff, "", time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		signIn := func(claims map[string]any) (*http.Response, string) {
			t.Helper()
			idp.as(claims)
			jar, _ := cookiejar.New(nil)
			cl := &http.Client{Jar: jar}
			resp, err := cl.Get(srv.URL + "/signin/oidc?next=/filings")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp, string(body)
		}

		// The sign-in page offers the provider.
		resp, err := http.Get(srv.URL + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), `href="/signin/oidc?next=%2fqueue"`) || !strings.Contains(string(page), "使用公司帐号登录") {
			t.Errorf("no provider button on the sign-in page")
		}

		// A member, by their verified address: signed in, and tied to the subject.
		resp, body := signIn(map[string]any{"sub": "u-1001", "email": "WangFang@example.cn", "email_verified": true})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/filings" || !strings.Contains(body, "王芳") {
			t.Fatalf("member's sign-in ended at %s %d", resp.Request.URL, resp.StatusCode)
		}
		// Later the subject alone decides, whatever address the provider says.
		resp, body = signIn(map[string]any{"sub": "u-1001", "email": "fang.wang@example.cn", "email_verified": true})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "王芳") {
			t.Errorf("second sign-in by subject: %d", resp.StatusCode)
		}
		// Not staff, or an address the provider has not verified: refused.
		for _, claims := range []map[string]any{
			{"sub": "u-2", "email": "stranger@example.cn", "email_verified": true},
			{"sub": "u-3", "email": "lisi@example.cn", "email_verified": false},
			{"sub": "u-4", "email": "lisi@example.cn"},
		} {
			if resp, body := signIn(claims); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "不是工作台的员工") {
				t.Errorf("%v: %d", claims, resp.StatusCode)
			}
		}
		// A subject may not take over a member already tied to another.
		if resp, _ := signIn(map[string]any{"sub": "u-9", "email": "wangfang@example.cn", "email_verified": true}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("another subject took over 王芳: %d", resp.StatusCode)
		}
		// A disabled member cannot sign in through the provider either.
		if _, err := s.SetStaffDisabled(ctx, "wangfang@example.cn", true); err != nil {
			t.Fatal(err)
		}
		if resp, _ := signIn(map[string]any{"sub": "u-1001", "email": "wangfang@example.cn", "email_verified": true}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a disabled member signed in: %d", resp.StatusCode)
		}
		// A token for another sign-in (its nonce differs) is refused.
		idp.mu.Lock()
		idp.badNonce = true
		idp.mu.Unlock()
		if resp, _ := signIn(map[string]any{"sub": "u-5", "email": "lisi@example.cn", "email_verified": true}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a token with another nonce: %d", resp.StatusCode)
		}
		idp.mu.Lock()
		idp.badNonce = false
		idp.mu.Unlock()
		// An answer without the flow's cookie (forged, or replayed elsewhere) is refused.
		resp, err = http.Get(srv.URL + "/signin/oidc/callback?code=x&state=y")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("callback without the flow's cookie: %d", resp.StatusCode)
		}
	})
}
