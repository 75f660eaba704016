package pages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

func fp(v float64) *float64 { return &v }

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		unit metrics.Unit
		v    *float64
		want string
	}{
		{metrics.UnitSeconds, fp(375.4), "6:15"},
		{metrics.UnitSeconds, fp(3725), "1:02:05"},
		{metrics.UnitRatio, fp(0.7512), "75.1%"},
		{metrics.UnitNPS, fp(-12.6), "−13"},
		{metrics.UnitNPS, fp(0.2), "0"},
		{metrics.UnitScore17, fp(5.374), "5.37"},
		{metrics.UnitCount, fp(1234567), "1,234,567"},
		{metrics.UnitCount, fp(999), "999"},
		{metrics.UnitRatio, nil, "—"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := formatValue(tc.unit, tc.v); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFormatRange(t *testing.T) {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, loc) }
	for _, tc := range []struct {
		from, to time.Time
		want     string
	}{
		{d(2025, 10, 13), d(2025, 11, 10), "13 Oct – 9 Nov 2025"}, // across the end of DST
		{d(2025, 12, 29), d(2026, 1, 5), "29 Dec 2025 – 4 Jan 2026"},
		{d(2025, 10, 6), d(2025, 10, 7), "Mon 6 Oct 2025"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := formatRange(tc.from, tc.to, loc); got != tc.want {
				t.Errorf("got %q", got)
			}
		})
	}
}

func TestNiceRange(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, wantLo, wantHi, wantTick float64
	}{
		{0, 37, 0, 40, 10},
		{-12, 58, -20, 60, 20},
		{-100, 100, -100, 100, 50},
		{0, 0, 0, 10, 10},
	} {
		lo, hi, tick := niceRange(tc.lo, tc.hi)
		if lo != tc.wantLo || hi != tc.wantHi || tick != tc.wantTick {
			t.Errorf("niceRange(%v, %v) = %v, %v, %v; want %v, %v, %v", tc.lo, tc.hi, lo, hi, tick, tc.wantLo, tc.wantHi, tc.wantTick)
		}
	}
}

func TestBuildTrend(t *testing.T) {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	week := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 0, 0, 0, 0, loc) }
	card := func(start time.Time, score, nps float64) metrics.Card {
		return metrics.Card{Level: metrics.LevelOrg, PeriodStart: start, Score: fp(score),
			Metrics:   map[string]*float64{metrics.IDNPS: fp(nps)},
			Intervals: map[string]metrics.Interval{metrics.IDNPS: {Low: nps - 5, High: nps + 5}}}
	}
	from, to := week(9, 1), week(11, 10)
	t.Run("gap and Customer Service Week", func(t *testing.T) {
		// Weeks of 22 Sep, 29 Sep, 6 Oct (CS Week), then none until 27 Oct and 3 Nov.
		cards := []metrics.Card{card(week(9, 22), 70, 20), card(week(9, 29), 72, 25), card(week(10, 6), 80, 40),
			card(week(10, 27), 75, 30), card(week(11, 3), 76, -10)}
		ch := buildTrend(cards, from, to, loc)
		if ch.Empty || ch.Weeks != 7 {
			t.Fatalf("weeks %d (empty %v), want 7 from 22 Sep to 3 Nov", ch.Weeks, ch.Empty)
		}
		if len(ch.Panels) != 2 || len(ch.Panels[0].Lines) != 2 || len(ch.Panels[1].Intervals) != 2 {
			t.Fatalf("want two runs of weeks on each panel: %+v", ch.Panels)
		}
		if n := len(strings.Fields(ch.Panels[0].Lines[0])); n != 3 {
			t.Errorf("first run has %d points, want 3", n)
		}
		if len(ch.Events) != 1 || ch.Events[0].Label != "Customer Service Week 2025" {
			t.Fatalf("events %+v", ch.Events)
		}
		// The band covers the third week: x from 2 steps to 3.
		step := (chartW - chartLeft - chartRight) / 7
		if got, want := ch.Events[0].X, round1(chartLeft+2*step); got != want {
			t.Errorf("band at x %v, want %v", got, want)
		}
		// NPS scale includes the negative week and 0.
		if first := ch.Panels[1].YTicks[0].Label; first != "−20" {
			t.Errorf("NPS axis starts at %s, want −20", first)
		}
		if last := ch.Panels[0].Last; last == nil || last.Label != "76" {
			t.Errorf("last score label %+v", last)
		}
	})
	t.Run("no data", func(t *testing.T) {
		if ch := buildTrend(nil, from, to, loc); !ch.Empty {
			t.Error("a chart without cards is not empty")
		}
	})
	t.Run("one week", func(t *testing.T) {
		ch := buildTrend([]metrics.Card{card(week(11, 3), 60, 10)}, from, to, loc)
		if ch.Weeks != 1 || len(ch.Panels[0].Dots) != 1 || len(ch.Panels[0].Lines) != 0 || len(ch.Panels[1].Intervals) != 1 {
			t.Errorf("one week: %+v", ch)
		}
	})
}

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/", "/"},
		{"/coaching?team=Billing", "/coaching?team=Billing"},
		{"//evil.example/", ""},
		{"https://evil.example/", ""},
		{"/\\evil.example", ""},
		{"/api/v1/export/contacts", ""},
		{"/login", ""},
		{"coaching", ""},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := safeNext(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// newEcho serves the pages alone, registered as api.Server does.
func newEcho(p *Pages) *echo.Echo {
	e := echo.New()
	p.Register(func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) { e.Add(method, path, h, m...) })
	return e
}

type nopSource struct{ err error }

func (s nopSource) Scorecards(context.Context, domain.ScorecardQuery) ([]metrics.Card, error) {
	return nil, s.err
}
func (s nopSource) Coaching(context.Context, domain.CoachingQuery) ([]metrics.Opportunity, error) {
	return nil, s.err
}
func (s nopSource) Recognition(context.Context, domain.RecognitionQuery) (domain.Recognition, error) {
	return domain.Recognition{}, s.err
}

func testConfig(t *testing.T) (metrics.Config, map[auth.Role]string) {
	t.Helper()
	cfg := metrics.Default()
	toks := map[auth.Role]string{}
	for _, r := range []auth.Role{auth.RoleExecutive, auth.RoleSupervisor} {
		var teams []string
		if r == auth.RoleSupervisor {
			teams = []string{"Billing"}
		}
		tok, e, err := auth.NewTokenEntry(string(r), r, teams)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Tokens = append(cfg.Tokens, e)
		toks[r] = tok
	}
	return cfg, toks
}

func TestSessions(t *testing.T) {
	cfg, toks := testConfig(t)
	now := time.Date(2025, 11, 10, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p, err := New(Options{Source: nopSource{}, Config: &cfg, Now: clock, SessionKey: []byte("k1")})
	if err != nil {
		t.Fatal(err)
	}
	value := p.sessionValue(auth.HashToken(toks[auth.RoleSupervisor]), now.Add(time.Hour))
	other, err := New(Options{Source: nopSource{}, Config: &cfg, Now: clock, SessionKey: []byte("k2")})
	if err != nil {
		t.Fatal(err)
	}
	later, err := New(Options{Source: nopSource{}, Config: &cfg, Now: func() time.Time { return now.Add(time.Hour) }, SessionKey: []byte("k1")})
	if err != nil {
		t.Fatal(err)
	}
	rotated := cfg
	rotated.Tokens = cfg.Tokens[:1]
	gone, err := New(Options{Source: nopSource{}, Config: &rotated, Now: clock, SessionKey: []byte("k1")})
	if err != nil {
		t.Fatal(err)
	}
	exp, _, _ := strings.Cut(strings.TrimPrefix(value, "v1."), ".")
	for _, tc := range []struct {
		name  string
		p     *Pages
		value string
		ok    bool
	}{
		{"valid", p, value, true},
		{"other key", other, value, false},
		{"expired", later, value, false},
		{"token left the config", gone, value, false},
		{"later expiry claimed", p, strings.Replace(value, exp, exp+"0", 1), false},
		{"garbage", p, "v1.x.y", false},
		{"empty", p, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, ok := tc.p.fromSession(tc.value)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if ok && (pr.Role != auth.RoleSupervisor || !pr.SeesAgentsOf("Billing")) {
				t.Errorf("principal %+v", pr)
			}
		})
	}
}

func TestReadPeriod(t *testing.T) {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	d := func(m time.Month, day int) time.Time { return time.Date(2025, m, day, 0, 0, 0, 0, loc) }
	def := period{From: d(10, 13), To: d(11, 10)}
	for _, tc := range []struct {
		query   string
		want    period
		wantErr string
	}{
		{"", def, ""},
		{"from=2025-10-01&to=2025-10-31", period{d(10, 1), d(11, 1)}, ""},
		{"to=2025-10-31", period{d(10, 4), d(11, 1)}, ""},
		{"from=2025-11-01", period{d(11, 1), d(11, 10)}, ""},
		{"from=2025-11-10", def, "to: must not be before from"},
		{"from=2025-02-30", def, "from: want a date"},
		{"to=2025-10-31T00:00:00Z", def, "to: want a date"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readPeriod(v, def, 28, loc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.From.Equal(tc.want.From) || !got.To.Equal(tc.want.To) {
				t.Errorf("got %v..%v (%v), want %v..%v", got.From, got.To, err, tc.want.From, tc.want.To)
			}
		})
	}
}

// TestSourceErrors: storage trouble is a page, not JSON, and a 500 says
// nothing of its cause.
func TestSourceErrors(t *testing.T) {
	cfg, toks := testConfig(t)
	for _, tc := range []struct {
		name   string
		err    error
		status int
		want   string
	}{
		{"internal", errors.New("dial tcp 10.1.2.3:9000: secret host"), 500, "The page could not be built"},
		{"not ready", domain.ErrNotReady, 503, "not reachable yet"},
		{"outage", fmt.Errorf("%w: dial tcp 10.1.2.3:9000: secret host", domain.ErrUnavailable), 503, "not reachable yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(Options{Source: nopSource{err: tc.err}, Config: &cfg})
			if err != nil {
				t.Fatal(err)
			}
			e := newEcho(p)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Authorization", "Bearer "+toks[auth.RoleExecutive])
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("status %d, body %.300s", rec.Code, rec.Body.String())
			}
			if strings.Contains(rec.Body.String(), "secret host") {
				t.Error("the cause leaked into the page")
			}
			if tc.status == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
				t.Error("a 503 page without Retry-After")
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}
