package pages

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/api"
	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// center is a small generated contact center loaded through the real
// ingest path, with the engine and one token per role over it.
type center struct {
	st       *chstore.Store
	eng      *scorecard.Engine
	cfg      metrics.Config
	loc      *time.Location
	now      time.Time
	manifest *demo.Manifest
	tokens   map[string]string // exec, super, super2, analyst, admin
	// src is the engine, and complaints the engine with complaints, each
	// remembering its answers: pages that ask the same question (every
	// role's executive page) cost one computation.
	src, complaints Source
	roster          map[string][]string // agent id -> every team it was in
}

// The demo's 35 days end on Monday 2025-11-10, so they start with
// Customer Service Week 2025 (6-10 October) and the default executive
// period (the last four full weeks) is 13 October to 9 November.
const (
	demoDays     = 35
	xssPraise    = `<script>alert("praise")</script> Thanks & well done`
	xssComplaint = `<img src=x onerror=alert(1)> waited forever`
)

func newCenter(t *testing.T) *center {
	t.Helper()
	ctx := context.Background()
	loc, err := time.LoadLocation(demo.DefaultTimezone)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2025, 11, 10, 0, 0, 0, 0, loc)
	c := &center{loc: loc, now: end.Add(9 * time.Hour), tokens: map[string]string{}, roster: map[string][]string{}}

	start := time.Now()
	m, err := demo.Generate(demo.Options{Dir: t.TempDir(), Seed: 7, Days: demoDays, End: end, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	c.manifest = m
	c.st, err = chstore.Open(ctx, chtest.NewDatabase(t), chstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.st.Close() })
	if err := c.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Load(context.Background(), c.st, loc); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated and loaded %d days in %v", demoDays, time.Since(start).Round(time.Millisecond))

	c.readRoster(t, filepath.Join(filepath.Dir(m.Files[0].Path), demo.FileAgents))
	billing := c.agentOf(t, "Billing")
	// A praise and a complaint whose comments carry markup, newest in the
	// period, for the escaping tests.
	surveys := strings.Join(demo.SurveyColumns, ",") + "\n" +
		csvLine("xss-praise", "web-survey", "", billing, "2025-11-09 18:00:00", "10", "5", "7", xssPraise) +
		csvLine("xss-complaint", "web-survey", "", billing, "2025-11-09 18:30:00", "0", "1", "1", xssComplaint)
	c.loadString(t, surveys, ingest.KindSurveys)

	doc := struct {
		Timezone string            `yaml:"timezone"`
		Tokens   []auth.TokenEntry `yaml:"tokens"`
	}{Timezone: loc.String()}
	for _, r := range []struct {
		key   string
		role  auth.Role
		teams []string
	}{
		{"exec", auth.RoleExecutive, nil},
		{"super", auth.RoleSupervisor, []string{"Billing"}},
		{"super2", auth.RoleSupervisor, []string{"Billing", "Orders"}},
		{"analyst", auth.RoleAnalyst, nil},
		{"admin", auth.RoleAdmin, nil},
	} {
		tok, entry, err := auth.NewTokenEntry("test-"+r.key, r.role, r.teams)
		if err != nil {
			t.Fatal(err)
		}
		doc.Tokens = append(doc.Tokens, entry)
		c.tokens[r.key] = tok
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg, err = metrics.ParseConfig(b); err != nil {
		t.Fatal(err)
	}
	c.eng = scorecard.New(c.st, c.cfg, scorecard.Options{Now: c.clock})
	src := &cached{src: c.eng}
	c.src, c.complaints = src, cachedComplaints{src, c.st}
	return c
}

func (c *center) clock() time.Time { return c.now }

func load(t *testing.T, st *chstore.Store, path string, b ingest.Batch, opt ingest.Options) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b.ID, b.File, opt.File = chstore.NewBatchID(), path, filepath.Base(path)
	if _, err := ingest.Load(context.Background(), st, f, b, opt); err != nil {
		t.Fatalf("load %s: %v", filepath.Base(path), err)
	}
}

func (c *center) loadString(t *testing.T, body string, kind ingest.Kind) {
	t.Helper()
	b := ingest.Batch{ID: chstore.NewBatchID(), Kind: kind, Format: ingest.FormatCSV, File: "test.csv"}
	sum, err := ingest.Load(context.Background(), c.st, strings.NewReader(body), b, ingest.Options{Location: c.loc, File: "test.csv"})
	if err != nil || sum.RowsRejected > 0 {
		t.Fatalf("load test rows: %v (%d rejected)", err, sum.RowsRejected)
	}
}

func csvLine(fields ...string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(fields)
	w.Flush()
	return b.String()
}

func (c *center) readRoster(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if !slices.Contains(c.roster[r[0]], r[2]) {
			c.roster[r[0]] = append(c.roster[r[0]], r[2])
		}
	}
	if len(c.roster) < 10 {
		t.Fatalf("roster has %d agents", len(c.roster))
	}
}

// agentOf is an agent who was only ever in team.
func (c *center) agentOf(t *testing.T, team string) string {
	t.Helper()
	var ids []string
	for id, teams := range c.roster {
		if len(teams) == 1 && teams[0] == team {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		t.Fatalf("no agent in %s", team)
	}
	slices.Sort(ids)
	return ids[0]
}

// complaints reads the complaints of q from the stored survey facts, as
// a Source with ComplaintSource would.
func complaints(ctx context.Context, st *chstore.Store, q domain.RecognitionQuery) ([]metrics.Survey, error) {
	facts, err := st.SurveyFacts(ctx, q.From, q.To)
	if err != nil {
		return nil, err
	}
	var out []metrics.Survey
	for _, f := range facts {
		if f.AgentID == "" || strings.TrimSpace(f.Comment) == "" || (len(q.Teams) > 0 && !slices.Contains(q.Teams, f.Team)) {
			continue
		}
		if (f.NPS != nil && *f.NPS <= 6) || (f.CSAT != nil && *f.CSAT <= 2) {
			sv := metrics.Survey{ResponseID: f.ResponseID, AgentID: f.AgentID, Team: f.Team, RespondedAt: f.RespondedAt, Comment: f.Comment}
			if f.NPS != nil {
				n := int(*f.NPS)
				sv.NPS = &n
			}
			if f.CSAT != nil {
				n := int(*f.CSAT)
				sv.CSAT = &n
			}
			out = append(out, sv)
		}
	}
	slices.Reverse(out)
	return out, nil
}

// cached remembers a Source's answers by question.
type cached struct {
	src  Source
	mu   sync.Mutex
	seen map[string]any
}

func remember[T any](c *cached, key string, f func() (T, error)) (T, error) {
	c.mu.Lock()
	v, ok := c.seen[key]
	c.mu.Unlock()
	if ok {
		return v.(T), nil
	}
	out, err := f()
	if err != nil {
		return out, err
	}
	c.mu.Lock()
	if c.seen == nil {
		c.seen = map[string]any{}
	}
	c.seen[key] = out
	c.mu.Unlock()
	return out, nil
}

func (c *cached) Scorecards(ctx context.Context, q domain.ScorecardQuery) ([]metrics.Card, error) {
	return remember(c, fmt.Sprintf("scorecards %+v", q), func() ([]metrics.Card, error) { return c.src.Scorecards(ctx, q) })
}

func (c *cached) Coaching(ctx context.Context, q domain.CoachingQuery) ([]metrics.Opportunity, error) {
	return remember(c, fmt.Sprintf("coaching %+v", q), func() ([]metrics.Opportunity, error) { return c.src.Coaching(ctx, q) })
}

func (c *cached) Recognition(ctx context.Context, q domain.RecognitionQuery) (domain.Recognition, error) {
	return remember(c, fmt.Sprintf("recognition %+v", q), func() (domain.Recognition, error) { return c.src.Recognition(ctx, q) })
}

// cachedComplaints is the cached engine with complaints.
type cachedComplaints struct {
	*cached
	st *chstore.Store
}

func (c cachedComplaints) Complaints(ctx context.Context, q domain.RecognitionQuery) ([]metrics.Survey, error) {
	return remember(c.cached, fmt.Sprintf("complaints %+v", q), func() ([]metrics.Survey, error) {
		return complaints(ctx, c.st, q)
	})
}

// server serves the pages inside the real API server.
func (c *center) server(t *testing.T, src Source, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	// The thank-you notes and digest previews, as serve wires them.
	nh := &digest.NotesHandler{Source: c.eng, Directory: digest.StoreDirectory{Conn: c.st.Conn()}, Config: &c.cfg, Now: c.clock}
	pg, err := New(Options{Source: src, Config: &c.cfg, Now: c.clock, Digests: nh})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Backend: c.eng, Config: &c.cfg, Pages: pg, Now: c.clock})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       60 * time.Second,
}

type answer struct {
	status int
	header http.Header
	body   string
	resp   *http.Response
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b), resp: resp}
}

func get(t *testing.T, base, path, token string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func postForm(t *testing.T, base, path string, form url.Values, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

// agentIDs returns the roster's agent ids that occur in s as whole words.
func (c *center) agentIDs(s string) []string {
	var out []string
	for id := range c.roster {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(id) + `\b`).MatchString(s) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// section cuts the <section id="id"> element out of page.
func section(page, id string) (inside, outside string) {
	start := strings.Index(page, `<section id="`+id+`"`)
	if start < 0 {
		return "", page
	}
	end := strings.Index(page[start:], "</section>")
	if end < 0 {
		return page[start:], page[:start]
	}
	end += start + len("</section>")
	return page[start:end], page[:start] + page[end:]
}

func TestPagesOnDemoCenter(t *testing.T) {
	c := newCenter(t)
	ts := c.server(t, c.src, nil)
	ctx := context.Background()
	def := period{From: time.Date(2025, 10, 13, 0, 0, 0, 0, c.loc), To: time.Date(2025, 11, 10, 0, 0, 0, 0, c.loc)}

	t.Run("executive", func(t *testing.T) {
		a := get(t, ts.URL, "/", c.tokens["exec"])
		if a.status != http.StatusOK {
			t.Fatalf("status %d: %.500s", a.status, a.body)
		}
		org, err := c.src.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelOrg, From: def.From, To: def.To})
		if err != nil || len(org) != 1 || org[0].Score == nil {
			t.Fatalf("org card of the default period: %v %+v", err, org)
		}
		if want := `id="org-score">` + formatScore(org[0].Score) + "<"; !strings.Contains(a.body, want) {
			t.Errorf("page lacks the org score %s", want)
		}
		if !strings.Contains(a.body, "13 Oct – 9 Nov 2025") {
			t.Error("page lacks the default period 13 Oct – 9 Nov 2025")
		}
		for _, team := range c.manifest.Teams {
			if !strings.Contains(a.body, "<th scope=\"row\">"+team+"</th>") {
				t.Errorf("team comparison lacks %q", team)
			}
		}
		for _, want := range []string{"<svg class=\"chart\"", "<polyline class=\"line score\"", "<polyline class=\"line nps\"",
			"Customer Service Week 2025", "Average handle time", "Net promoter score"} {
			if !strings.Contains(a.body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		if strings.Contains(a.body, "<script") || strings.Contains(a.body, "<link") || strings.Contains(a.body, "src=\"http") {
			t.Error("page loads a script or an external asset")
		}
		// The policy admits exactly the page's style block, and there is
		// no style attribute it would block.
		_, css, _ := strings.Cut(a.body, "<style>")
		css, _, _ = strings.Cut(css, "</style>")
		sum := sha256.Sum256([]byte(css))
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; css == "" || !strings.Contains(a.header.Get("Content-Security-Policy"), h) {
			t.Errorf("Content-Security-Policy does not admit the style block (%s)", h)
		}
		if strings.Contains(a.body, " style=") {
			t.Error("a style attribute, which the policy blocks")
		}
		// No agent id outside recognition; inside it only the agents the
		// engine recognised.
		recog, rest := section(a.body, "recognition")
		if recog == "" {
			t.Fatal("no recognition section for an executive")
		}
		if ids := c.agentIDs(rest); len(ids) > 0 {
			t.Errorf("executive page shows agent ids outside recognition: %v", ids)
		}
		rec, err := c.src.Recognition(ctx, domain.RecognitionQuery{From: def.From, To: def.To})
		if err != nil {
			t.Fatal(err)
		}
		named := map[string]bool{}
		for _, s := range rec.Stars {
			named[s.AgentID] = true
		}
		for _, s := range rec.Praise {
			named[s.AgentID] = true
		}
		for _, w := range rec.CustomerServiceWeeks {
			for _, s := range w.Stars {
				named[s.AgentID] = true
			}
		}
		for _, id := range c.agentIDs(recog) {
			if !named[id] {
				t.Errorf("recognition names %s, who is neither a star nor praised", id)
			}
		}
		if len(rec.Stars) > 0 && !strings.Contains(recog, rec.Stars[0].AgentID) {
			t.Errorf("recognition lacks the first star %s", rec.Stars[0].AgentID)
		}
	})

	t.Run("roles on the executive page", func(t *testing.T) {
		for _, tc := range []struct {
			token      string
			status     int
			recogntion bool
			location   string
		}{
			{"exec", 200, true, ""},
			{"admin", 200, true, ""},
			{"analyst", 200, false, ""},
			{"super", 303, false, "/coaching"},
		} {
			t.Run(tc.token, func(t *testing.T) {
				a := get(t, ts.URL, "/", c.tokens[tc.token])
				if a.status != tc.status || a.header.Get("Location") != tc.location {
					t.Fatalf("status %d location %q, want %d %q", a.status, a.header.Get("Location"), tc.status, tc.location)
				}
				if got := strings.Contains(a.body, `<section id="recognition"`); got != tc.recogntion {
					t.Errorf("recognition shown: %v, want %v", got, tc.recogntion)
				}
				if !tc.recogntion && a.status == 200 {
					if ids := c.agentIDs(a.body); len(ids) > 0 {
						t.Errorf("agent ids on the page: %v", ids)
					}
				}
			})
		}
	})

	t.Run("coaching shows only the supervisor's team", func(t *testing.T) {
		for _, tc := range []struct {
			token, query, team string
		}{
			{"super", "", "Billing"},
			{"super2", "", "Billing"},
			{"super2", "?team=Orders", "Orders"},
		} {
			t.Run(tc.token+tc.query, func(t *testing.T) {
				a := get(t, ts.URL, "/coaching"+tc.query, c.tokens[tc.token])
				if a.status != http.StatusOK {
					t.Fatalf("status %d: %.500s", a.status, a.body)
				}
				ids := c.agentIDs(a.body)
				var own int
				for _, id := range ids {
					if slices.Contains(c.roster[id], tc.team) {
						own++
					} else {
						t.Errorf("agent %s (teams %v) on the %s page", id, c.roster[id], tc.team)
					}
				}
				if own < 3 {
					t.Errorf("only %d agents of %s on the page", own, tc.team)
				}
				if !strings.Contains(a.body, "Agents of "+tc.team) {
					t.Errorf("page is not about %s", tc.team)
				}
			})
		}
		a := get(t, ts.URL, "/coaching", c.tokens["super2"])
		if !strings.Contains(a.body, `href="/coaching?team=Orders"`) {
			t.Error("a two-team supervisor has no selector for the second team")
		}
	})

	t.Run("coaching is for supervisors of their own teams", func(t *testing.T) {
		for _, tc := range []struct{ token, path string }{
			{"exec", "/coaching"},
			{"analyst", "/coaching"},
			{"admin", "/coaching"},
			{"super", "/coaching?team=Orders"},
			{"super", "/coaching?team=%3Cb%3E"},
		} {
			t.Run(tc.token+tc.path, func(t *testing.T) {
				a := get(t, ts.URL, tc.path, c.tokens[tc.token])
				if a.status != http.StatusForbidden {
					t.Fatalf("status %d, want 403", a.status)
				}
				if !strings.Contains(a.header.Get("Content-Type"), "text/html") || !strings.Contains(a.body, "<h2>") {
					t.Errorf("403 is not a page: %q %.200s", a.header.Get("Content-Type"), a.body)
				}
				if strings.Contains(a.body, "<b>") {
					t.Error("the team name is not escaped")
				}
				if ids := c.agentIDs(a.body); len(ids) > 0 {
					t.Errorf("403 page shows agents %v", ids)
				}
			})
		}
	})

	t.Run("login flow", func(t *testing.T) {
		a := get(t, ts.URL, "/coaching?team=Billing", "")
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/login?next=%2Fcoaching%3Fteam%3DBilling" {
			t.Fatalf("anonymous: status %d location %q", a.status, a.header.Get("Location"))
		}
		a = get(t, ts.URL, "/login?next=%2Fcoaching%3Fteam%3DBilling", "")
		if a.status != 200 || !strings.Contains(a.body, `name="token"`) || !strings.Contains(a.body, `value="/coaching?team=Billing"`) {
			t.Fatalf("login form: %d %.300s", a.status, a.body)
		}
		tok := c.tokens["super"]
		a = postForm(t, ts.URL, "/login", url.Values{"token": {tok}, "next": {"/coaching?team=Billing"}}, nil)
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/coaching?team=Billing" {
			t.Fatalf("sign-in: status %d location %q", a.status, a.header.Get("Location"))
		}
		ck := sessionCookie(t, a.resp)
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.Path != "/" || ck.MaxAge <= 0 {
			t.Errorf("cookie attributes %+v", ck)
		}
		if strings.Contains(ck.Value, tok) || strings.Contains(ck.Value, auth.HashToken(tok)) {
			t.Error("the cookie carries the token or its hash")
		}
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/coaching", nil)
		req.AddCookie(ck)
		if a := do(t, req); a.status != 200 || !strings.Contains(a.body, "test-super") {
			t.Fatalf("with the cookie: %d %.300s", a.status, a.body)
		}
		// A tampered cookie is no session.
		bad := *ck
		bad.Value = ck.Value[:len(ck.Value)-2] + "AA"
		req, _ = http.NewRequest(http.MethodGet, ts.URL+"/coaching", nil)
		req.AddCookie(&bad)
		if a := do(t, req); a.status != http.StatusSeeOther {
			t.Errorf("tampered cookie: status %d", a.status)
		}
		// Behind a TLS proxy the cookie is Secure; an executive lands on /.
		a = postForm(t, ts.URL, "/login", url.Values{"token": {c.tokens["exec"]}}, map[string]string{"X-Forwarded-Proto": "https"})
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/" || !sessionCookie(t, a.resp).Secure {
			t.Errorf("sign-in behind TLS: status %d location %q", a.status, a.header.Get("Location"))
		}
		// An open redirect is not followed.
		a = postForm(t, ts.URL, "/login", url.Values{"token": {tok}, "next": {"//evil.example/"}}, nil)
		if a.header.Get("Location") != "/coaching" {
			t.Errorf("next=//evil.example/: location %q", a.header.Get("Location"))
		}
		// Sign-out clears the cookie.
		req, _ = http.NewRequest(http.MethodPost, ts.URL+"/logout", nil)
		req.AddCookie(ck)
		a = do(t, req)
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/login" {
			t.Fatalf("sign-out: %d %q", a.status, a.header.Get("Location"))
		}
		if out := sessionCookie(t, a.resp); out.MaxAge >= 0 || out.Value != "" {
			t.Errorf("sign-out cookie %+v", out)
		}
	})

	t.Run("wrong token", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			a    func() answer
		}{
			{"form", func() answer { return postForm(t, ts.URL, "/login", url.Values{"token": {"sc_not-a-token"}}, nil) }},
			{"empty form", func() answer { return postForm(t, ts.URL, "/login", url.Values{"token": {" "}}, nil) }},
			{"bearer", func() answer { return get(t, ts.URL, "/", "sc_not-a-token") }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := tc.a()
				if a.status != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401", a.status)
				}
				if !strings.Contains(a.body, `class="error"`) || !strings.Contains(a.body, `name="token"`) {
					t.Errorf("not the login page with an error: %.400s", a.body)
				}
				if a.header.Get("Set-Cookie") != "" {
					t.Errorf("a failed sign-in set a cookie: %q", a.header.Get("Set-Cookie"))
				}
			})
		}
	})

	t.Run("cross-site sign-in refused", func(t *testing.T) {
		a := postForm(t, ts.URL, "/login", url.Values{"token": {c.tokens["exec"]}},
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
		if a.status != http.StatusForbidden || a.header.Get("Set-Cookie") != "" {
			t.Errorf("status %d, cookie %q", a.status, a.header.Get("Set-Cookie"))
		}
	})

	t.Run("comments are escaped", func(t *testing.T) {
		withComplaints := c.server(t, c.complaints, nil)
		for _, tc := range []struct {
			name, base, path, token string
			want                    []string
		}{
			{"executive", ts.URL, "/", "exec", []string{"&lt;script&gt;alert(&#34;praise&#34;)&lt;/script&gt; Thanks &amp; well done"}},
			{"coaching", withComplaints.URL, "/coaching", "super", []string{
				"&lt;script&gt;alert(&#34;praise&#34;)&lt;/script&gt; Thanks &amp; well done",
				"&lt;img src=x onerror=alert(1)&gt; waited forever",
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := get(t, tc.base, tc.path, c.tokens[tc.token])
				if a.status != 200 {
					t.Fatalf("status %d", a.status)
				}
				for _, w := range tc.want {
					if !strings.Contains(a.body, w) {
						t.Errorf("page lacks the escaped comment %q", w)
					}
				}
				for _, raw := range []string{"<script", "<img"} {
					if strings.Contains(a.body, raw) {
						t.Errorf("page contains raw %q", raw)
					}
				}
			})
		}
		// Without a ComplaintSource there is no complaints column.
		if a := get(t, ts.URL, "/coaching", c.tokens["super"]); strings.Contains(a.body, "Complaints") {
			t.Error("complaints shown without a ComplaintSource")
		}
	})

	t.Run("bad input is a 400 page", func(t *testing.T) {
		for _, tc := range []struct {
			path, token, want string
		}{
			{"/?from=yesterday", "exec", "from: want a date as YYYY-MM-DD"},
			{"/?from=2025-11-01&to=2025-10-01", "exec", "to: must not be before from"},
			{"/?from=2020-01-01&to=2025-10-01", "exec", "from: the period is at most 366 days"},
			{"/?from=1980-01-01", "exec", "from: want a date from 1990-01-01"},
			{"/?grain=week", "exec", "grain: unknown parameter"},
			{"/?to=2025-10-01&to=2025-10-02", "exec", "to: given 2 times"},
			{"/coaching?to=31.12.2025", "super", "to: want a date as YYYY-MM-DD"},
			{"/?from=%3Cscript%3E", "exec", "from: want a date as YYYY-MM-DD, got &#34;&lt;script&gt;&#34;"},
		} {
			t.Run(tc.path, func(t *testing.T) {
				a := get(t, ts.URL, tc.path, c.tokens[tc.token])
				if a.status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", a.status)
				}
				if !strings.Contains(a.body, tc.want) {
					t.Errorf("page lacks %q: %.600s", tc.want, a.body)
				}
			})
		}
	})

	t.Run("period from the query", func(t *testing.T) {
		a := get(t, ts.URL, "/?from=2025-10-06&to=2025-10-10", c.tokens["exec"])
		if a.status != 200 || !strings.Contains(a.body, "6 Oct – 10 Oct 2025") {
			t.Fatalf("status %d, period missing", a.status)
		}
		org, err := c.src.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelOrg,
			From: time.Date(2025, 10, 6, 0, 0, 0, 0, c.loc), To: time.Date(2025, 10, 11, 0, 0, 0, 0, c.loc)})
		if err != nil || len(org) != 1 {
			t.Fatal(err, org)
		}
		if want := `id="org-score">` + formatScore(org[0].Score) + "<"; !strings.Contains(a.body, want) {
			t.Errorf("page lacks the score of the week, %s", want)
		}
		// The Customer Service Week inside the period gets its own line.
		if !strings.Contains(a.body, "<h3>Customer Service Week 2025") {
			t.Error("no Customer Service Week recognition")
		}
	})

	t.Run("chromium", func(t *testing.T) { testChromium(t, c) })
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName {
			return ck
		}
	}
	t.Fatalf("no %s cookie in %v", cookieName, resp.Header["Set-Cookie"])
	return nil
}
