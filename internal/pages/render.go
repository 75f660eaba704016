package pages

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed templates/style.css
var styleCSS string

// Page names: each is the layout plus templates/<name>.html.
var pageNames = []string{"executive", "coaching", "login", "error"}

func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("pages: parse layout: %w", err)
	}
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("pages: parse %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// contentSecurityPolicy admits the page's one style block by its hash and
// nothing else: no script, no remote asset, no framing, forms only to
// this server.
func contentSecurityPolicy() string {
	sum := sha256.Sum256([]byte(styleCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// page is what every page's layout needs.
type page struct {
	Title    string
	Subtitle string
	User     *auth.Principal
	Nav      []navLink
	CSS      template.CSS
}

type navLink struct {
	Label   string
	URL     string
	Current bool
}

func (p *Pages) page(title string, pr *auth.Principal, current string) page {
	pg := page{Title: title, User: pr, CSS: template.CSS(styleCSS)}
	if pr == nil {
		return pg
	}
	if execRole(pr.Role) {
		pg.Nav = append(pg.Nav, navLink{Label: "Scorecard", URL: pathExecutive, Current: current == pathExecutive})
	}
	if pr.Role == auth.RoleSupervisor {
		pg.Nav = append(pg.Nav, navLink{Label: "Coaching", URL: pathCoaching, Current: current == pathCoaching})
	}
	return pg
}

// render writes a page; it renders into a buffer first so a template
// error is a clean 500, not half a page.
func (p *Pages) render(c echo.Context, status int, name string, data any) error {
	var b bytes.Buffer
	if err := p.tmpl[name].ExecuteTemplate(&b, "layout", data); err != nil {
		return p.fail(c, fmt.Errorf("render %s page: %w", name, err))
	}
	return c.HTMLBlob(status, b.Bytes())
}

type errorView struct {
	page
	Status  int
	Heading string
	Message string
}

// errorPage answers status with a page that explains msg.
func (p *Pages) errorPage(c echo.Context, status int, heading, msg string) error {
	pr, _ := c.Get(keyPrincipal).(*auth.Principal)
	v := errorView{page: p.page(heading, pr, ""), Status: status, Heading: heading, Message: msg}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(domain.RetryAfter))
	}
	var b bytes.Buffer
	if err := p.tmpl["error"].ExecuteTemplate(&b, "layout", v); err != nil {
		p.log.Error("render error page", "err", err)
		return c.String(status, heading+": "+msg)
	}
	return c.HTMLBlob(status, b.Bytes())
}

// fail logs an unexpected error and answers a generic 500 page: the
// cause may name hosts or queries, which are not for the browser.
func (p *Pages) fail(c echo.Context, err error) error {
	if c.Request().Context().Err() != nil {
		// The browser went away; nobody reads an answer.
		return nil
	}
	p.log.Error("page failed", "route", c.Path(), "err", err)
	return p.errorPage(c, http.StatusInternalServerError, "Something went wrong",
		"The page could not be built. The server log has the details; try again in a minute.")
}

type loginView struct {
	page
	Error string
	Note  string
	Next  string
}

func (p *Pages) renderLogin(c echo.Context, status int, msg, next string) error {
	return p.renderLoginNote(c, status, msg, "", next)
}

func (p *Pages) renderLoginNote(c echo.Context, status int, msg, note, next string) error {
	v := loginView{page: p.page("Sign in", nil, pathLogin), Error: msg, Note: note, Next: next}
	return p.render(c, status, "login", v)
}

// execRole: the roles that see the executive page.
func execRole(r auth.Role) bool {
	return r == auth.RoleExecutive || r == auth.RoleAnalyst || r == auth.RoleAdmin
}
