package pages

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/auth"
)

// Sessions. A browser signs in once with its bearer token (POST /login);
// the answer sets a cookie that names neither the token nor its hash:
//
//	v1.<expiry, unix seconds>.<base64url HMAC-SHA256(key, token's SHA-256 | expiry)>
//
// To read it the server recomputes the MAC for every token entry of the
// configuration and compares in constant time, so a cookie is worth
// nothing without the server's key, ends at its expiry, and ends early
// when its token leaves the configuration (or the key changes: by default
// a random one per process). The cookie is HttpOnly (no script reads it;
// the pages have none anyway), SameSite=Strict (no other site's page or
// form sends it) and Secure when the request came over TLS, directly or
// per X-Forwarded-Proto from a proxy that terminates it. On plain-http
// localhost it cannot be Secure, or the browser would never send it back.
const cookieName = "servicecard_session"

// maxFormBytes bounds the login form.
const maxFormBytes = 8 << 10

func (p *Pages) mac(tokenHash, expiry string) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("servicecard session v1\x00"))
	m.Write([]byte(tokenHash))
	m.Write([]byte{0})
	m.Write([]byte(expiry))
	return m.Sum(nil)
}

func (p *Pages) sessionValue(tokenHash string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return "v1." + exp + "." + base64.RawURLEncoding.EncodeToString(p.mac(tokenHash, exp))
}

// fromSession returns the principal of a session cookie's value.
func (p *Pages) fromSession(v string) (*auth.Principal, bool) {
	version, rest, _ := strings.Cut(v, ".")
	exp, sig, ok := strings.Cut(rest, ".")
	if version != "v1" || !ok {
		return nil, false
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !p.now().Before(time.Unix(unix, 0)) {
		return nil, false
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(mac) != sha256.Size {
		return nil, false
	}
	found := -1
	for i, t := range p.cfg.Tokens {
		// Every entry is checked, so timing does not tell which matched.
		if hmac.Equal(mac, p.mac(t.SHA256, exp)) && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return nil, false
	}
	t := p.cfg.Tokens[found]
	return &auth.Principal{Name: t.Name, Role: t.Role, Teams: append([]string(nil), t.Teams...)}, true
}

func (p *Pages) setCookie(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   c.Scheme() == "https",
	})
}

func (p *Pages) clearCookie(c echo.Context) { p.setCookie(c, "", -1) }

// caller authenticates a page request: an Authorization bearer token
// first (scripts, kiosks behind a proxy that adds one), else the session
// cookie. Without either it answers a redirect to the login form; with a
// bad bearer token the login page with a 401. done says it answered.
func (p *Pages) caller(c echo.Context) (pr *auth.Principal, done bool, err error) {
	req := c.Request()
	if h := req.Header.Get(echo.HeaderAuthorization); h != "" {
		token, ok := bearer(h)
		if ok {
			pr, ok = auth.Authenticate(p.cfg.Tokens, token)
		}
		if !ok {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="servicecard"`)
			return nil, true, p.renderLogin(c, http.StatusUnauthorized, "The token in the Authorization header is not valid.", "")
		}
		c.Set(keyPrincipal, pr)
		return pr, false, nil
	}
	if ck, err := c.Cookie(cookieName); err == nil {
		if pr, ok := p.fromSession(ck.Value); ok {
			c.Set(keyPrincipal, pr)
			return pr, false, nil
		}
		// Expired, or signed with another key: drop it.
		p.clearCookie(c)
	}
	return nil, true, c.Redirect(http.StatusSeeOther, pathLogin+"?next="+url.QueryEscape(req.URL.RequestURI()))
}

// bearer extracts the token of an Authorization header (the scheme is
// case-insensitive, RFC 9110).
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// home is where a principal lands after signing in.
func home(pr *auth.Principal) string {
	if pr.Role == auth.RoleSupervisor {
		return pathCoaching
	}
	return pathExecutive
}

// safeNext keeps a post-login target only when it is one of the pages
// (a path of this server, never another host: no open redirect).
func safeNext(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	if u.Path != pathExecutive && u.Path != pathCoaching && u.Path != pathNotes && u.Path != pathDigest {
		return ""
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}

func (p *Pages) loginForm(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	msg := ""
	if ck, err := c.Cookie(cookieName); err == nil {
		if pr, ok := p.fromSession(ck.Value); ok {
			msg = "You are signed in as " + pr.Name + " (" + string(pr.Role) + "). Sign in again to switch."
		}
	}
	return p.renderLoginNote(c, http.StatusOK, "", msg, next)
}

func (p *Pages) login(c echo.Context) error {
	req := c.Request()
	if err := p.origin.Check(req); err != nil {
		return p.errorPage(c, http.StatusForbidden, "Sign-in refused", "The sign-in form was sent from another site.")
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, maxFormBytes)
	if err := req.ParseForm(); err != nil {
		return p.renderLogin(c, http.StatusBadRequest, "The form could not be read; please try again.", "")
	}
	next := safeNext(req.PostForm.Get("next"))
	token := strings.TrimSpace(req.PostForm.Get("token"))
	if token == "" {
		return p.renderLogin(c, http.StatusUnauthorized, "Enter your access token.", next)
	}
	pr, ok := auth.Authenticate(p.cfg.Tokens, token)
	if !ok {
		// The token itself is never logged, not even a failed one.
		p.log.Info("page sign-in refused", "remote", c.RealIP())
		return p.renderLogin(c, http.StatusUnauthorized, "That token is not valid. Check that you copied all of it.", next)
	}
	c.Set(keyPrincipal, pr)
	p.setCookie(c, p.sessionValue(auth.HashToken(token), p.now().Add(p.ttl)), int(p.ttl/time.Second))
	if next == "" {
		next = home(pr)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// logout is POST only (the pages' sign-out button is a form), with the
// same cross-origin check as sign-in, so another site cannot sign a
// browser out with a link or an image.
func (p *Pages) logout(c echo.Context) error {
	if err := p.origin.Check(c.Request()); err != nil {
		return p.errorPage(c, http.StatusForbidden, "Sign-out refused", "The sign-out form was sent from another site.")
	}
	p.clearCookie(c)
	return c.Redirect(http.StatusSeeOther, pathLogin)
}
