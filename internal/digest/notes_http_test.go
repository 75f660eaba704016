package digest_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/metrics"
)

func TestNotesRoute(t *testing.T) {
	c := demoCenter(t)
	var doc struct {
		Timezone string            `yaml:"timezone"`
		Tokens   []auth.TokenEntry `yaml:"tokens"`
	}
	doc.Timezone = c.cfg.Timezone
	tokens := map[string]string{}
	for name, r := range map[string]struct {
		role  auth.Role
		teams []string
	}{"sup": {auth.RoleSupervisor, []string{"Billing"}}, "exec": {auth.RoleExecutive, nil}, "analyst": {auth.RoleAnalyst, nil}} {
		tok, entry, err := auth.NewTokenEntry(name, r.role, r.teams)
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
		doc.Tokens = append(doc.Tokens, entry)
	}
	b, _ := yaml.Marshal(doc)
	cfg, err := metrics.ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	h := &digest.NotesHandler{Source: c.eng, Directory: digest.StoreDirectory{Conn: c.st.Conn()}, Config: &cfg}
	e := echo.New()
	h.Register(func(m, p string, hf echo.HandlerFunc, mw ...echo.MiddlewareFunc) { e.Add(m, p, hf, mw...) })
	get := func(tok, query string) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, digest.NotesPath+"?"+query, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	week := digest.WeekName(c.week, c.loc)
	for _, tc := range []struct {
		tok, query string
		status     int
	}{
		{"", "week=" + week, 401},
		{tokens["analyst"], "week=" + week, 403},
		{tokens["sup"], "week=" + week + "&team=Orders", 403},
		{tokens["sup"], "week=2026-W99", 400},
		{tokens["sup"], "week=" + week + "&size=a4", 400},
		{tokens["sup"], "week=" + week, 200},
		{tokens["exec"], "csweek=2026&size=letter", 200},
	} {
		rec := get(tc.tok, tc.query)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.query, rec.Code, tc.status, rec.Body.String())
		}
		if tc.status == 200 && !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
			t.Errorf("%s: not a PDF", tc.query)
		}
	}
	// The supervisor's batch holds Billing's praise only, every note.
	pdf := get(tokens["sup"], "week="+week).Body.Bytes()
	ns, err := digest.NotesOf(context.Background(), c.eng, nil, c.cfg, []string{"Billing"}, c.week, c.week.AddDate(0, 0, 7))
	if err != nil || len(ns) == 0 {
		t.Fatalf("billing notes: %v, %d", err, len(ns))
	}
	if _, err := exec.LookPath("pdfinfo"); err == nil {
		cmd := exec.Command("pdftotext", "-", "-")
		cmd.Stdin = bytes.NewReader(pdf)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(out), "A CUSTOMER WROTE ABOUT YOU"); n != len(ns) {
			t.Errorf("PDF has %d notes, want %d", n, len(ns))
		}
		if strings.Count(string(out), "· Billing") != len(ns) {
			t.Errorf("a note of another team in the Billing batch")
		}
	}
}
