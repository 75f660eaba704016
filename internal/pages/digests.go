package pages

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/metrics"
)

// Digests is what the pages offer of the weekly mail (internal/digest's
// NotesHandler provides it): thank-you note PDFs and browser previews of
// the digests, each for the signed-in principal, with the same selection
// and authorisation as GET /api/v1/notes. Refusals and bad parameters are
// *echo.HTTPError; anything else is an outage.
type Digests interface {
	// NotesPDF takes GET /api/v1/notes's parameters (week, csweek, team, ...).
	NotesPDF(ctx context.Context, pr *auth.Principal, q url.Values) (filename string, pdf []byte, err error)
	// DigestHTML takes audience, week and team.
	DigestHTML(ctx context.Context, pr *auth.Principal, q url.Values) ([]byte, error)
}

// Routes of the digest features.
const (
	pathNotes  = "/notes.pdf"
	pathDigest = "/digest"
)

// previewCSP is the digest preview's policy: the mail's HTML styles every
// element with a style attribute (mail clients drop style blocks) and
// shows its charts as data: images; still no script, no remote asset, no
// form, no framing.
const previewCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// notes answers GET /notes.pdf: the thank-you notes the query selects,
// for the session's principal.
func (p *Pages) notes(c echo.Context) error {
	pr, done, err := p.caller(c)
	if done {
		return err
	}
	name, pdf, err := p.digests.NotesPDF(c.Request().Context(), pr, c.QueryParams())
	if err != nil {
		return p.digestError(c, err)
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// digest answers GET /digest: the week's digest as its mail would show it.
func (p *Pages) digest(c echo.Context) error {
	pr, done, err := p.caller(c)
	if done {
		return err
	}
	html, err := p.digests.DigestHTML(c.Request().Context(), pr, c.QueryParams())
	if err != nil {
		return p.digestError(c, err)
	}
	c.Response().Header().Set("Content-Security-Policy", previewCSP)
	return c.HTMLBlob(http.StatusOK, html)
}

func (p *Pages) digestError(c echo.Context, err error) error {
	var he *echo.HTTPError
	if !errors.As(err, &he) {
		return p.sourceError(c, err)
	}
	msg, _ := he.Message.(string)
	switch he.Code {
	case http.StatusForbidden:
		return p.errorPage(c, he.Code, "Not allowed", msg)
	case http.StatusNotFound:
		return p.errorPage(c, he.Code, "Nothing to print", msg)
	}
	return p.errorPage(c, he.Code, "Check the address", msg)
}

// mailView is the links to a page's thank-you notes and digest.
type mailView struct {
	Week   string // ISO name of the last full week
	Notes  []navLink
	Digest string
}

// mailLinks are the thank-you note and digest links for team (every team
// when empty) and the Customer Service Weeks of csYears; nil without
// Digests.
func (p *Pages) mailLinks(audience, team string, csYears []int) *mailView {
	if p.digests == nil {
		return nil
	}
	week := lastWeekName(p.now(), p.cfg.Location())
	q := url.Values{"week": {week}}
	if team != "" {
		q.Set("team", team)
	}
	v := &mailView{Week: week}
	v.Notes = append(v.Notes, navLink{Label: "Week " + week, URL: pathNotes + "?" + q.Encode()})
	for _, y := range csYears {
		q := url.Values{"csweek": {strconv.Itoa(y)}}
		if team != "" {
			q.Set("team", team)
		}
		v.Notes = append(v.Notes, navLink{Label: "Customer Service Week " + strconv.Itoa(y) + ", with certificates", URL: pathNotes + "?" + q.Encode()})
	}
	v.Digest = pathDigest + "?" + url.Values{"audience": {audience}, "week": {week}}.Encode()
	return v
}

// lastWeekName is the ISO name (YYYY-Www) of the last full week before
// now in loc, the week digests are sent for.
func lastWeekName(now time.Time, loc *time.Location) string {
	this := metrics.Bucket(now, metrics.GrainWeek, loc)
	y, w := metrics.Bucket(this.Add(-time.Hour), metrics.GrainWeek, loc).In(loc).AddDate(0, 0, 3).ISOWeek()
	return strconv.Itoa(y) + "-W" + pad2(w)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
