// Package pages serves servicecard's built-in HTML pages, for the
// deployments without Grafana: the executive scorecard at / and the
// supervisors' coaching page at /coaching, with a login form that turns a
// bearer token into a session cookie.
//
// The pages are server-rendered with html/template (auto-escaping) and load
// nothing from elsewhere: the CSS is inline and admitted by its hash in the
// Content-Security-Policy, the charts are inline SVG computed on the server,
// and there is no script at all. They are sized for a projector: large
// type, high contrast and the Okabe-Ito colour-blind-safe palette, readable
// at 1280x720.
//
// Access follows the visibility policy (internal/auth): executives,
// analysts and admins see the executive page, which has no agent-level KPI
// rows (only recognition names agents, and analysts, whom the policy gives
// no recognition, do not see it); supervisors see /coaching for their own
// teams only, and are sent there from /. With Options.Digests, both link
// the thank-you note PDFs (/notes.pdf) and a preview of the weekly digest
// (/digest), answered for the session's principal under the notes API's
// rules.
package pages

import (
	"crypto/rand"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// Source is the data the pages show; *scorecard.Engine satisfies it.
type Source interface {
	domain.ScorecardService
	domain.CoachingService
	domain.RecognitionService
}

// ComplaintSource is what a Source may also offer: the complaints of a
// range (detractor or low-CSAT responses with a comment, attributed to an
// agent), newest first. Without it the coaching page shows praise only.
type ComplaintSource interface {
	domain.ComplaintService
}

// DefaultSessionTTL is how long a login lasts.
const DefaultSessionTTL = 12 * time.Hour

// Options configure Pages. Source is required.
type Options struct {
	Source Source
	// Config supplies the tokens, the business time zone and the catalog's
	// goals. Nil: metrics.Default(), which has no tokens, so nobody can
	// sign in.
	Config *metrics.Config
	// Logger gets page errors. Nil: discard.
	Logger *slog.Logger
	// Now is the clock for default periods. Nil: time.Now.
	Now func() time.Time
	// SessionKey signs session cookies (HMAC-SHA256). Nil: 32 random
	// bytes, so a restart signs everybody out.
	SessionKey []byte
	// SessionTTL bounds a session. 0: DefaultSessionTTL.
	SessionTTL time.Duration
	// Digests, when set, adds thank-you note PDFs (/notes.pdf) and digest
	// previews (/digest), linked from the pages.
	Digests Digests
}

// Pages are the built-in HTML pages; they implement api.Pages (the
// server mounts them through that interface).
type Pages struct {
	src Source
	cfg *metrics.Config
	log *slog.Logger
	now func() time.Time
	key []byte
	ttl time.Duration
	cat []metrics.Metric

	digests Digests

	tmpl   map[string]*template.Template
	csp    string
	origin *http.CrossOriginProtection
}

// ErrNoSource is returned by New without Options.Source.
var ErrNoSource = errors.New("pages: Options.Source is required")

// New builds the pages.
func New(opt Options) (*Pages, error) {
	if opt.Source == nil {
		return nil, ErrNoSource
	}
	p := &Pages{src: opt.Source, cfg: opt.Config, log: opt.Logger, now: opt.Now, key: opt.SessionKey, ttl: opt.SessionTTL, digests: opt.Digests}
	if p.cfg == nil {
		d := metrics.Default()
		p.cfg = &d
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if len(p.key) == 0 {
		p.key = make([]byte, 32)
		// crypto/rand.Read never fails (it crashes the program instead).
		_, _ = rand.Read(p.key)
	}
	if p.ttl <= 0 {
		p.ttl = DefaultSessionTTL
	}
	p.cat = metrics.Catalog(*p.cfg)
	var err error
	if p.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	p.csp = contentSecurityPolicy()
	p.origin = http.NewCrossOriginProtection()
	return p, nil
}

// Routes of the pages.
const (
	pathExecutive = "/"
	pathCoaching  = "/coaching"
	pathLogin     = "/login"
	pathLogout    = "/logout"
)

// Register adds the pages' routes through add (api.Server labels them for
// its metrics and request log).
func (p *Pages) Register(add func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc)) {
	add(http.MethodGet, pathExecutive, p.executive, p.securityHeaders)
	add(http.MethodGet, pathCoaching, p.coaching, p.securityHeaders)
	add(http.MethodGet, pathLogin, p.loginForm, p.securityHeaders)
	add(http.MethodPost, pathLogin, p.login, p.securityHeaders)
	add(http.MethodPost, pathLogout, p.logout, p.securityHeaders)
	if p.digests != nil {
		add(http.MethodGet, pathNotes, p.notes, p.securityHeaders)
		add(http.MethodGet, pathDigest, p.digest, p.securityHeaders)
	}
}

// keyPrincipal is the context key api.Server's request log reads the
// caller from (api.principalOf): page requests name their user too.
const keyPrincipal = "servicecard.principal"

// securityHeaders: no script may run (there is none), the only style is
// the page's own block (admitted by hash), nothing is framed, cached or
// sent as a referrer.
func (p *Pages) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", p.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}
