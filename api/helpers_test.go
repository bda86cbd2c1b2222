package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"

	"example.com/icpdesk/api"
	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
	"example.com/icpdesk/throttle"
)

var ctx = context.Background()

// The OpenAPI document, loaded and checked once.
var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func spec(t testing.TB) routers.Router {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			specErr = err
			return
		}
		// Requests in tests go to http://icpdesk.example.cn/api/v1/…
		doc.Servers = openapi3.Servers{{URL: "http://icpdesk.example.cn/api/v1"}}
		specRouter, specErr = legacyrouter.NewRouter(doc)
	})
	if specErr != nil {
		t.Fatalf("openapi.json: %v", specErr)
	}
	return specRouter
}

// env is an API over a fresh store with a token per scope set.
type env struct {
	t   testing.TB
	st  *store.Store
	svc *desk.Service
	api *api.API
	h   http.Handler
	// tokens by name: read, write (filings:write), staff, all (every scope).
	tok map[string]string
}

func newEnv(t testing.TB, st *store.Store, opts ...func(*api.Options)) *env {
	t.Helper()
	e := newEnvNoTokens(t, st, opts...)
	for name, scopes := range map[string][]string{
		"read": {desk.ScopeRead}, "write": {desk.ScopeFilingsWrite}, "staff": {desk.ScopeStaff},
		"fs": {desk.ScopeRead, desk.ScopeFilingsWrite}, "all": {desk.ScopeRead, desk.ScopeFilingsWrite, desk.ScopeStaff},
	} {
		_, secret, err := e.svc.CreateToken(ctx, name, scopes, store.Actor{Name: "tester"})
		if err != nil {
			t.Fatal(err)
		}
		e.tok[name] = secret
	}
	return e
}

func newEnvNoTokens(t testing.TB, st *store.Store, opts ...func(*api.Options)) *env {
	t.Helper()
	proc := inbox.NewProcessor(st, inbox.ProcessorConfig{})
	svc := desk.New(st, proc, func() (*filing.Fingerprinter, error) { return filingtest.Fingerprinter(), nil })
	// Tests fail authentication on purpose more often than a client would.
	o := api.Options{Failures: throttle.New(100, time.Second, time.Minute, time.Hour)}
	for _, f := range opts {
		f(&o)
	}
	a := api.New(svc, o)
	return &env{t: t, st: st, svc: svc, api: a, h: a, tok: map[string]string{}}
}

func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newEnv(t, s)) })
}

// resp is an answer as a test reads it.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem is the body of an error answer.
type problem struct {
	Type, Title, Detail, Field, Instance string
	Status                               int
	Stage                                string `json:"current_stage"`
	Problems                             []filing.Problem
}

func (r resp) problem(t testing.TB) problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, not a problem: %s", r.status, ct, r.body)
	}
	var p problem
	r.json(t, &p)
	if p.Status != r.status || !strings.HasPrefix(p.Type, "urn:icpdesk:problem:") || p.Title == "" {
		t.Fatalf("problem %+v does not match status %d", p, r.status)
	}
	return p
}

// req describes one request.
type req struct {
	method, path, token string
	body                any // a string is sent as is; anything else as JSON
	header              map[string]string
	// invalid: the request breaks the OpenAPI document on purpose (bad
	// input tests); only the response is validated.
	invalid bool
}

// do sends a request to the handler in process, validating the request
// (unless invalid) and the response against the OpenAPI document.
func (e *env) do(r req) resp {
	e.t.Helper()
	var raw []byte
	switch b := r.body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	mk := func() *http.Request {
		hr := httptest.NewRequest(r.method, "http://icpdesk.example.cn"+r.path, bytes.NewReader(raw))
		hr.RemoteAddr = "192.0.2.10:40000"
		if raw != nil {
			hr.Header.Set("Content-Type", "application/json")
		}
		if r.token != "" {
			hr.Header.Set("Authorization", "Bearer "+r.token)
		}
		for k, v := range r.header {
			hr.Header.Set(k, v)
		}
		return hr
	}
	vreq := mk()
	route, params, err := spec(e.t).FindRoute(vreq)
	var in *openapi3filter.RequestValidationInput
	if err == nil {
		in = &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if !r.invalid {
			if verr := openapi3filter.ValidateRequest(ctx, in); verr != nil {
				e.t.Fatalf("%s %s: the request does not match openapi.json: %v", r.method, r.path, verr)
			}
		}
	} else if !r.invalid {
		e.t.Fatalf("%s %s: not in openapi.json: %v", r.method, r.path, err)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, mk())
	out := resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if in != nil {
		in.Request = mk()
		rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: out.status, Header: out.header,
			Body: io.NopCloser(bytes.NewReader(out.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		if verr := openapi3filter.ValidateResponse(ctx, rin); verr != nil {
			e.t.Fatalf("%s %s: the response (%d %s) does not match openapi.json: %v", r.method, r.path, out.status, out.body, verr)
		}
	}
	return out
}

// must sends a request that must answer want.
func (e *env) must(want int, r req) resp {
	e.t.Helper()
	out := e.do(r)
	if out.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", r.method, r.path, out.status, want, out.body)
	}
	return out
}

// countEvents counts the audit events: "nothing changes" checks.
func (e *env) countEvents() int {
	e.t.Helper()
	evs, err := e.st.FeedEvents(ctx, store.FeedCursor{}, 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(evs)
}

// setup adds an approved account and an imported filing through the API.
func (e *env) setup(ref, email string) {
	e.t.Helper()
	e.must(201, req{method: "POST", path: "/api/v1/accounts", token: e.tok["fs"], body: map[string]any{"email": email, "name": "张三", "customer": true}})
	e.must(201, req{method: "PUT", path: "/api/v1/filings/" + ref, token: e.tok["fs"], body: filingtest.Enterprise(ref, email)})
}

func (e *env) act(ref, token string, body map[string]any) resp {
	e.t.Helper()
	return e.do(req{method: "POST", path: "/api/v1/filings/" + ref + "/actions", token: token, body: body})
}

func (e *env) actReq(ref string, body map[string]any) req {
	return req{method: "POST", path: "/api/v1/filings/" + ref + "/actions", token: e.tok["fs"], body: body}
}
