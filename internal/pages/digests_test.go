package pages

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/internal/domain"
)

// TestNotesAndDigestPages signs in through the login form and uses the
// session cookie (no bearer token) for the thank-you notes and digest
// links of the pages, on the demo center.
func TestNotesAndDigestPages(t *testing.T) {
	c := newCenter(t)
	ts := c.server(t, c.complaints, nil)
	// The clock is Monday 10 November 2025: the last full week is W45
	// (3-9 November); Customer Service Week 2025 (6-10 October) is in the
	// coaching window and the executive page's default period.
	const week = "2025-W45"
	weekFrom := time.Date(2025, 11, 3, 0, 0, 0, 0, c.loc)
	session := func(key string) *http.Cookie {
		a := postForm(t, ts.URL, "/login", url.Values{"token": {c.tokens[key]}}, nil)
		if a.status != http.StatusSeeOther {
			t.Fatalf("sign-in %s: %d", key, a.status)
		}
		return sessionCookie(t, a.resp)
	}
	visit := func(ck *http.Cookie, path string) answer {
		req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ck != nil {
			req.AddCookie(ck)
		}
		return do(t, req)
	}

	t.Run("supervisor", func(t *testing.T) {
		ck := session("super")
		a := visit(ck, "/coaching")
		if a.status != http.StatusOK {
			t.Fatalf("coaching: %d %.300s", a.status, a.body)
		}
		notesSec, _ := section(a.body, "notes")
		weekLink := `href="/notes.pdf?team=Billing&amp;week=` + week + `"`
		for _, want := range []string{weekLink, `href="/notes.pdf?csweek=2025&amp;team=Billing"`, `href="/digest?audience=supervisor&amp;week=` + week + `"`} {
			if !strings.Contains(notesSec, want) {
				t.Errorf("coaching page's notes section lacks %s:\n%s", want, notesSec)
			}
		}
		a = visit(ck, "/notes.pdf?team=Billing&week="+week)
		if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(a.body, "%PDF-") {
			t.Fatalf("notes: %d %s %.200s", a.status, a.header.Get("Content-Type"), a.body)
		}
		ns, err := digest.NotesOf(context.Background(), c.eng, nil, c.cfg, []string{"Billing"}, weekFrom, weekFrom.AddDate(0, 0, 7))
		if err != nil || len(ns) == 0 {
			t.Fatalf("Billing's notes of %s: %v, %d", week, err, len(ns))
		}
		text := pdfText(t, []byte(a.body))
		if n := strings.Count(text, "A CUSTOMER WROTE ABOUT YOU"); n != len(ns) {
			t.Errorf("PDF has %d notes, want Billing's %d", n, len(ns))
		}
		if n := strings.Count(text, "· Billing"); n != len(ns) {
			t.Errorf("%d of %d notes name Billing: another team's note in the PDF", n, len(ns))
		}
		for _, team := range c.manifest.Teams {
			if team != "Billing" && strings.Contains(text, "· "+team) {
				t.Errorf("the PDF holds a note of %s", team)
			}
		}
		if a := visit(ck, "/notes.pdf?team=Orders&week="+week); a.status != http.StatusForbidden {
			t.Errorf("another team's notes: %d", a.status)
		}
		if a := visit(ck, "/notes.pdf?week=2025-W99"); a.status != http.StatusBadRequest {
			t.Errorf("bad week: %d", a.status)
		}
		a = visit(ck, "/digest?audience=supervisor&week="+week)
		if a.status != http.StatusOK || !strings.Contains(a.body, "Your teams, week "+week) {
			t.Fatalf("supervisor digest: %d %.300s", a.status, a.body)
		}
		for _, team := range c.manifest.Teams {
			if team != "Billing" && strings.Contains(a.body, team) {
				t.Errorf("the supervisor digest names %s", team)
			}
		}
		if a := visit(ck, "/digest?audience=executive"); a.status != http.StatusForbidden {
			t.Errorf("a supervisor previews the executive digest: %d", a.status)
		}
	})

	t.Run("analyst", func(t *testing.T) {
		ck := session("analyst")
		for _, path := range []string{"/notes.pdf?week=" + week, "/notes.pdf?csweek=2025", "/digest", "/digest?audience=supervisor&team=Billing"} {
			if a := visit(ck, path); a.status != http.StatusForbidden {
				t.Errorf("analyst %s: %d", path, a.status)
			}
		}
		if a := visit(ck, "/"); a.status != http.StatusOK || strings.Contains(a.body, "/notes.pdf") || strings.Contains(a.body, "/digest") {
			t.Errorf("analyst's executive page: %d, links notes or digest", a.status)
		}
	})

	t.Run("executive", func(t *testing.T) {
		ck := session("exec")
		a := visit(ck, "/")
		recog, _ := section(a.body, "recognition")
		for _, want := range []string{`href="/notes.pdf?week=` + week + `"`, `href="/notes.pdf?csweek=2025"`, `href="/digest?audience=executive&amp;week=` + week + `"`} {
			if !strings.Contains(recog, want) {
				t.Errorf("executive page's recognition lacks %s", want)
			}
		}
		a = visit(ck, "/digest?audience=executive&week="+week)
		if a.status != http.StatusOK || !strings.Contains(a.body, "Service scorecard, week "+week) {
			t.Fatalf("executive digest: %d %.300s", a.status, a.body)
		}
		if csp := a.header.Get("Content-Security-Policy"); csp != previewCSP {
			t.Errorf("preview CSP %q", csp)
		}
		if strings.Contains(a.body, "cid:") || !strings.Contains(a.body, `src="data:image/png;base64,`) || strings.Contains(a.body, "<script") {
			t.Error("preview images are not data: URIs, or it has a script")
		}
		// No agent KPI rows: the only agents named are the week's
		// recognised ones (stars, praise), by name, never an agent id.
		if ids := c.agentIDs(a.body); len(ids) > 0 {
			t.Errorf("executive digest shows agent ids %v", ids)
		}
		for _, h := range []string{"Agents of", "Coaching"} {
			if strings.Contains(a.body, h) {
				t.Errorf("executive digest has a %q part", h)
			}
		}
		a = visit(ck, "/notes.pdf?csweek=2025")
		if a.status != http.StatusOK {
			t.Fatalf("executive's Customer Service Week notes: %d %.300s", a.status, a.body)
		}
		csw, err := c.eng.Recognition(context.Background(), domain.RecognitionQuery{
			From: time.Date(2025, 10, 6, 0, 0, 0, 0, c.loc), To: time.Date(2025, 10, 11, 0, 0, 0, 0, c.loc)})
		if err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, []byte(a.body))
		if n := strings.Count(text, "CUSTOMER SERVICE WEEK 2025"); n != len(csw.Stars) {
			t.Errorf("%d certificates, want one per service star of the week (%d)", n, len(csw.Stars))
		}
		if n := strings.Count(text, "A CUSTOMER WROTE ABOUT YOU"); n == 0 || n > len(csw.Praise) {
			t.Errorf("%d notes for %d praise responses of the week", n, len(csw.Praise))
		}
	})

	t.Run("signed out", func(t *testing.T) {
		a := visit(nil, "/notes.pdf?week="+week)
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/login?next="+url.QueryEscape("/notes.pdf?week="+week) {
			t.Errorf("signed out: %d %q", a.status, a.header.Get("Location"))
		}
		if got := safeNext("/notes.pdf?week=" + week); got != "/notes.pdf?week="+week {
			t.Errorf("safeNext drops the notes link: %q", got)
		}
	})
}

// pdfText is a PDF's text (poppler-utils' pdftotext).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install it with `apt-get install -y poppler-utils`")
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
