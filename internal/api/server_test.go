package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// The coaching API's default window is the coaching page's: the 28 whole
// days up to the end of yesterday (issue: the page showed 6 Nov-3 Dec,
// the API 7 Nov-4 Dec).
func TestCoachingDefaultWindowIsThePages(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do(t, string(auth.RoleAdmin), http.MethodGet, "/api/v1/coaching", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	cfg := metrics.Default()
	loc := cfg.Location()
	_, from, to := domain.CoachingWindow(&cfg, fixedNow)
	q := f.backend.lastCoaching
	wantTo := time.Date(fixedNow.In(loc).Year(), fixedNow.In(loc).Month(), fixedNow.In(loc).Day(), 0, 0, 0, 0, loc)
	if !q.To.Equal(wantTo) || !q.From.Equal(wantTo.AddDate(0, 0, -28)) || !q.To.Equal(to) || !q.From.Equal(from) {
		t.Errorf("default coaching window %v..%v, want %v..%v (28 days up to the end of yesterday)", q.From, q.To, wantTo.AddDate(0, 0, -28), wantTo)
	}
}

// HEAD is answered on GET routes, with the GET's status and no body.
func TestHeadOnGetRoutes(t *testing.T) {
	f := newFixture(t, nil)
	for _, path := range []string{"/healthz", "/api/v1/metrics/catalog", "/api/v1/scorecards"} {
		rec := f.do(t, string(auth.RoleExecutive), http.MethodHead, path, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("HEAD %s: %d, want 200", path, rec.Code)
		}
	}
}

// An outage is a 503 with Retry-After and a message that names no host;
// a domain.Note says what became of the request.
func TestOutageIs503WithRetryAfter(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.err = domain.Note(errWrap(domain.ErrUnavailable, "dial tcp 10.1.2.3:9000: connection refused"), "nothing was loaded")
	rec := f.do(t, string(auth.RoleExecutive), http.MethodGet, "/api/v1/scorecards", nil)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("%d Retry-After %q, want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	e := errorOf(t, rec)
	if e.Code != domain.CodeUnavailable || strings.Contains(e.Message, "10.1.2.3") || !strings.HasPrefix(e.Message, "nothing was loaded; ") {
		t.Errorf("error %+v, want code unavailable, the note, no host", e)
	}
}

func errWrap(sentinel error, cause string) error {
	return domain.Public(sentinel.Error()+": "+cause, sentinel)
}
