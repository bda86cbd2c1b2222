// Package console is the staff console: the desk's work in a browser,
// served by `icpdesk serve` beside /healthz and the API. It is server-rendered
// html/template with embedded CSS and a little JavaScript (search as you
// type), under a strict Content-Security-Policy, in zh-CN first with English
// switchable. Every action calls package desk, which holds the rules; the
// console only asks for what an action needs, confirms what it will send to
// whom, and shows the result.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/desk"
	"example.com/icpdesk/templates"
	"example.com/icpdesk/throttle"
)

//go:embed files
var files embed.FS

// Options configure the console.
type Options struct {
	// SessionIdle ends a session nobody used for this long; SessionMax ends
	// any session this long after sign-in.
	SessionIdle, SessionMax time.Duration
	// SetupValid is how long a set-password link works.
	SetupValid time.Duration
	// PublicURL is where staff reach the console ([http] public_url); the
	// set-password links in emails start with it.
	PublicURL string
	// Emails renders a queued or sent email for reading; nil shows only its
	// envelope.
	Emails *templates.Renderer
	Log    *slog.Logger
	// Throttle slows failed sign-ins, per account and per address; nil: a
	// default (3 free, then 1 s doubling to 5 min).
	Throttle *throttle.Limiter
	// TrustedOrigins may post to the console across origins (a reverse
	// proxy that rewrites Origin); normally none.
	TrustedOrigins []string
	// OIDC, when set, adds sign-in through an identity provider; it needs
	// PublicURL (the provider redirects to PublicURL/signin/oidc/callback).
	OIDC *OIDC
}

// FromConfig is the console's options from the configuration; r renders
// emails for reading.
func FromConfig(cfg *config.Config, r *templates.Renderer, log *slog.Logger) Options {
	o := Options{SessionIdle: cfg.Console.SessionIdle.Duration, SessionMax: cfg.Console.SessionMax.Duration,
		SetupValid: cfg.Console.SetupLinkValid.Duration, PublicURL: cfg.HTTP.PublicURL, Emails: r,
		Log: log.With("service", "console"), TrustedOrigins: cfg.Console.TrustedOrigins}
	if oc := cfg.Console.OIDC; oc.Issuer != "" {
		o.OIDC = &OIDC{Issuer: oc.Issuer, ClientID: oc.ClientID, ClientSecret: string(cfg.Secrets.OIDCClientSecret), Label: oc.Label}
	}
	return o
}

// Console is the staff console's HTTP handler.
type Console struct {
	desk     *desk.Service
	opts     Options
	log      *slog.Logger
	pages    map[string]*template.Template
	static   fs.FS
	throttle *throttle.Limiter
	oidc     *oidcClient
	handler  http.Handler
}

// New builds the console over svc; the templates are parsed and checked now.
func New(svc *desk.Service, opts Options) (*Console, error) {
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 2 * time.Hour
	}
	if opts.SessionMax <= 0 {
		opts.SessionMax = 12 * time.Hour
	}
	if opts.SetupValid <= 0 {
		opts.SetupValid = 72 * time.Hour
	}
	c := &Console{desk: svc, opts: opts, log: opts.Log, throttle: opts.Throttle}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.throttle == nil {
		c.throttle = throttle.New(3, time.Second, 5*time.Minute, time.Hour)
	}
	if o := opts.OIDC; o != nil {
		if opts.PublicURL == "" || o.Issuer == "" || o.ClientID == "" {
			return nil, errors.New("console: OIDC sign-in needs an issuer, a client ID and the public URL")
		}
		c.oidc = &oidcClient{cfg: *o, redirect: strings.TrimRight(opts.PublicURL, "/") + "/signin/oidc/callback"}
	}
	var err error
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if c.static, err = fs.Sub(files, "files/static"); err != nil {
		return nil, fmt.Errorf("console: static files: %w", err)
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range opts.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("console: trusted origin %q: %w", o, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.refuse(w, r, http.StatusForbidden, c.lang(r).T("err.crossorigin"))
	}))
	c.handler = c.headers(cop.Handler(c.routes()))
	return c, nil
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// csp allows only the console's own files: no inline script or style, no
// frames, forms posting only here.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (c *Console) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		defer func() {
			if v := recover(); v != nil {
				c.log.ErrorContext(r.Context(), "console panicked", "panic", v, "path", r.URL.Path)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", c.staticFiles()))
	mux.HandleFunc("GET /signin", c.signinPage)
	mux.HandleFunc("POST /signin", c.signin)
	mux.HandleFunc("GET /set-password", c.setPasswordPage)
	mux.HandleFunc("POST /set-password", c.setPassword)
	mux.HandleFunc("GET /lang", c.switchLang)
	if c.oidc != nil {
		mux.HandleFunc("GET /signin/oidc", c.oidcStart)
		mux.HandleFunc("GET /signin/oidc/callback", c.oidcCallback)
	}

	auth := func(pattern string, h func(http.ResponseWriter, *http.Request, *user)) {
		mux.Handle(pattern, c.requireUser(h, false))
	}
	admin := func(pattern string, h func(http.ResponseWriter, *http.Request, *user)) {
		mux.Handle(pattern, c.requireUser(h, true))
	}
	auth("POST /signout", c.signout)
	auth("GET /{$}", func(w http.ResponseWriter, r *http.Request, _ *user) {
		http.Redirect(w, r, "/queue", http.StatusSeeOther)
	})
	auth("GET /queue", c.queuePage)
	auth("GET /items/{id}", c.itemRedirect)
	auth("POST /items/{id}/close", c.closeItem)
	auth("GET /messages/{id}", c.messagePage)
	auth("POST /messages/{id}/{action}", c.messageAction)
	auth("GET /filings", c.filingsPage)
	auth("GET /filings.json", c.filingsJSON)
	auth("GET /filings/{ref}", c.filingPage)
	auth("POST /filings/{ref}/act", c.filingAct)
	auth("POST /filings/{ref}/update", c.filingUpdate)
	auth("GET /emails", c.emailsPage)
	auth("GET /emails/{id}", c.emailPage)
	auth("POST /emails/{id}/{action}", c.emailAction)
	auth("GET /accounts", c.accountsPage)
	auth("POST /accounts/{action}", c.accountAction)
	admin("GET /staff", c.staffPage)
	admin("POST /staff/{action}", c.staffAction)
	admin("GET /tokens", c.tokensPage)
	admin("POST /tokens/{action}", c.tokenAction)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.refuse(w, r, http.StatusNotFound, c.lang(r).T("err.notfound"))
	})
	return mux
}

func (c *Console) staticFiles() http.Handler {
	fsrv := http.FileServerFS(c.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Embedded files change only with the binary: a day is safe, and
		// the names carry no version, so not longer.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(w, r)
	})
}

// ctxTimeout bounds every request's database work.
func ctxTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}

var errNoSession = errors.New("console: not signed in")
