// Package api is icpdesk's HTTP API under /api/v1: accounts, filings and
// their stage actions, the work queue, received messages, the outbox and
// the events feed, for the provider's filing system and staff tools. It
// parses requests, calls package desk and maps its errors; it holds no
// rules of its own. The contract is api/openapi.json.
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/store"
	"example.com/icpdesk/throttle"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// OpenAPI is the API's OpenAPI 3.1 document, served at /api/v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// DefaultMaxBody bounds a request body when [http] api_max_body is unset.
const DefaultMaxBody = 1 << 20

// Options configure the API.
type Options struct {
	// MaxBody bounds request bodies (413 beyond it); 0: DefaultMaxBody.
	MaxBody int64
	// MaxWait bounds the events feed's long poll; 0: 60 s.
	MaxWait time.Duration
	// Log receives server errors; personal data is never logged.
	Log *slog.Logger
	// Failures slows repeated failed authentication per client address;
	// nil: 5 free failures, then from 1 s doubling to 1 minute.
	Failures *throttle.Limiter
}

// API is the HTTP handler.
type API struct {
	svc  *desk.Service
	st   *store.Store
	opts Options
	mux  *http.ServeMux
	log  *slog.Logger
	// drain is closed when the server shuts down: feeds waiting for
	// events answer at once.
	drain     chan struct{}
	drainOnce sync.Once
}

// Drain ends the events feed's long polls (the daemon calls it when it
// shuts down, so they do not hold the shutdown up).
func (a *API) Drain() { a.drainOnce.Do(func() { close(a.drain) }) }

// New returns the API's handler, to be mounted at Prefix+"/".
func New(svc *desk.Service, opts Options) *API {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 60 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Failures == nil {
		opts.Failures = throttle.New(5, time.Second, time.Minute, 15*time.Minute)
	}
	a := &API{svc: svc, st: svc.Store(), opts: opts, mux: http.NewServeMux(), log: opts.Log, drain: make(chan struct{})}
	a.routes()
	return a
}

// ServeHTTP serves the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// call is one request as a handler sees it.
type call struct {
	r     *http.Request
	token store.APIToken
	body  []byte
}

// actor is who the audit trail names for this request: the token.
func (c *call) actor() store.Actor { return store.Actor{Name: "api:" + c.token.Name} }

// reply is a handler's answer: a status and a value encoded as JSON.
type reply struct {
	status int
	body   any
}

func ok(v any) (reply, error)      { return reply{http.StatusOK, v}, nil }
func created(v any) (reply, error) { return reply{http.StatusCreated, v}, nil }

type handler func(ctx context.Context, c *call) (reply, error)

// handle registers a route: the scope it needs, and for writes the body
// limit and Idempotency-Key.
func (a *API) handle(pattern, scope string, h handler) {
	method, _, _ := strings.Cut(pattern, " ")
	write := method == http.MethodPost || method == http.MethodPut
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		tok, err := a.authenticate(w, r)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		if !desk.HasScope(tok, scope) {
			a.problem(w, r, &problem{Type: "forbidden", Status: http.StatusForbidden, Title: "Token lacks the scope this needs",
				Detail: "this request needs the " + scope + " scope; the token has " + strings.Join(tok.Scopes, ", ")})
			return
		}
		c := &call{r: r, token: tok}
		if !write {
			rep, err := h(r.Context(), c)
			if err != nil {
				a.problem(w, r, err)
				return
			}
			a.writeJSON(w, rep.status, rep.body)
			return
		}
		body, err := readBody(w, r, a.opts.MaxBody)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		c.body = body
		a.serveWrite(w, r, c, h)
	})
}

// serveWrite runs a POST or PUT, honouring Idempotency-Key: the first
// request under a key is carried out and its response stored; a retry with
// the same request gets that response again without acting; another
// request under the same key is refused with 422.
func (a *API) serveWrite(w http.ResponseWriter, r *http.Request, c *call, h handler) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		status, ctype, body := a.run(r, c, h)
		writeRaw(w, status, ctype, body)
		return
	}
	if len(key) > 255 {
		a.problem(w, r, &problem{Type: "invalid-idempotency-key", Status: http.StatusBadRequest, Title: "Idempotency-Key is too long",
			Detail: "an Idempotency-Key is at most 255 characters", Field: "Idempotency-Key"})
		return
	}
	sum := sha256.New()
	sum.Write([]byte(r.Method + " " + r.URL.RequestURI() + "\n"))
	sum.Write(c.body)
	hash := hex.EncodeToString(sum.Sum(nil))
	ctx := r.Context()
	rec, claimed, err := a.st.ClaimIdempotency(ctx, c.token.ID, key, hash)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if !claimed {
		switch {
		case rec.RequestHash != hash:
			a.problem(w, r, &problem{Type: "idempotency-key-reused", Status: http.StatusUnprocessableEntity,
				Title: "Idempotency-Key was used for another request", Field: "Idempotency-Key",
				Detail: "this key was first used with a different method, path or body; use a new key for a new request"})
		case rec.Status == 0:
			a.problem(w, r, &problem{Type: "idempotency-key-in-progress", Status: http.StatusConflict,
				Title: "The first request with this Idempotency-Key has not finished", Field: "Idempotency-Key",
				Detail: "retry in a little while: the first request is still being carried out"})
		case rec.Status == store.IdempotencyApplied:
			a.problem(w, r, &problem{Type: "idempotency-key-applied", Status: http.StatusConflict,
				Title: "The first request with this Idempotency-Key took effect, but its answer was lost", Field: "Idempotency-Key",
				Detail: "the server stopped after carrying it out and before storing its answer; it is not done again: read the resource"})
		default:
			w.Header().Set("Idempotent-Replayed", "true")
			writeRaw(w, rec.Status, rec.ContentType, rec.Body)
		}
		return
	}
	status, ctype, body := a.run(r.WithContext(store.WithIdempotencyKey(ctx, c.token.ID, key)), c, h)
	// Keep the answer whatever it was, but a failure on our side: nothing
	// was done then, and a retry should try again.
	bg := context.WithoutCancel(ctx)
	if status >= 500 {
		if err := a.st.ForgetIdempotency(bg, c.token.ID, key); err != nil {
			a.log.Error("api: forget idempotency key", "err", err)
		}
	} else if err := a.st.FinishIdempotency(bg, c.token.ID, key, status, ctype, body); err != nil {
		a.log.Error("api: store idempotent response", "err", err)
	}
	writeRaw(w, status, ctype, body)
}

// writeTimeout bounds a write once started.
const writeTimeout = time.Minute

// run calls a write handler and encodes its answer or its error. A client
// that goes away does not cut a write short: it runs to its end (within
// writeTimeout), so its answer can be stored for the retry.
func (a *API) run(r *http.Request, c *call, h handler) (int, string, []byte) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), writeTimeout)
	defer cancel()
	rep, err := h(ctx, c)
	if err != nil {
		p := a.toProblem(r, err)
		b, _ := json.Marshal(p)
		return p.Status, problemType, b
	}
	b, err := encodeJSON(rep.body)
	if err != nil {
		a.log.Error("api: encode response", "path", r.URL.Path, "err", err)
		p := internalProblem()
		b, _ := json.Marshal(p)
		return p.Status, problemType, b
	}
	return rep.status, jsonType, b
}

const (
	jsonType    = "application/json"
	problemType = "application/problem+json"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func encodeJSON(v any) ([]byte, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

func (a *API) writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		a.log.Error("api: encode response", "err", err)
		p := internalProblem()
		b, _ := json.Marshal(p)
		writeRaw(w, p.Status, problemType, b)
		return
	}
	writeRaw(w, status, jsonType, buf.Bytes())
}

func writeRaw(w http.ResponseWriter, status int, ctype string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// authenticate checks the bearer token. Repeated failures from one address
// are slowed down: an attempt while that address must wait is refused
// (429) without checking the token, so hurrying teaches a guesser nothing.
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (store.APIToken, error) {
	ip := clientAddr(r)
	if d := a.opts.Failures.Wait(ip); d > 0 {
		secs := int(d/time.Second) + 1
		w.Header().Set("Retry-After", itoa(secs))
		return store.APIToken{}, &problem{Type: "too-many-failures", Status: http.StatusTooManyRequests,
			Title: "Too many failed authentications from this address", Detail: "wait " + itoa(secs) + " s before trying again"}
	}
	fail := func(detail string) (store.APIToken, error) {
		a.opts.Failures.Fail(ip)
		w.Header().Set("WWW-Authenticate", `Bearer realm="icpdesk"`)
		return store.APIToken{}, &problem{Type: "unauthorized", Status: http.StatusUnauthorized, Title: "Authentication required", Detail: detail}
	}
	h := r.Header.Get("Authorization")
	scheme, secret, found := strings.Cut(h, " ")
	if h == "" {
		return fail("send a token: Authorization: Bearer TOKEN (icpdesk token create)")
	}
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return fail("the Authorization header must be: Bearer TOKEN")
	}
	tok, err := a.svc.Authenticate(r.Context(), strings.TrimSpace(secret))
	if errors.Is(err, desk.ErrUnauthorized) {
		return fail("the token is unknown or revoked")
	}
	if err != nil {
		return store.APIToken{}, err
	}
	a.opts.Failures.Succeed(ip)
	return tok, nil
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
