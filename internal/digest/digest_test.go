package digest_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// The demo center every test reads: 63 days ending (exclusive) Monday
// 2026-11-02, so the trend has weeks before the data (not shown), a first
// partial week, Customer Service Week 2026 and the DST change.
const (
	demoDays = 60
	demoEnd  = "2026-11-02"
)

type center struct {
	st   *chstore.Store
	eng  *scorecard.Engine
	cfg  metrics.Config
	loc  *time.Location
	m    *demo.Manifest
	week time.Time // the last full week
}

var shared struct {
	once sync.Once
	c    *center
	err  error
}

func demoCenter(t *testing.T) *center {
	t.Helper()
	shared.once.Do(func() { shared.c, shared.err = buildCenter() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.c
}

func buildCenter() (*center, error) {
	ctx := context.Background()
	// A database shared by every test of the package, dropped with the
	// package's server.
	name := fmt.Sprintf("digest_center_%d", os.Getpid())
	st, err := chstore.Open(ctx, chtest.Server().DSN(name), chstore.Options{})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(demo.DefaultTimezone)
	if err != nil {
		return nil, err
	}
	end, _ := time.ParseInLocation(time.DateOnly, demoEnd, loc)
	dir, err := os.MkdirTemp("", "digest-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	m, err := demo.Generate(demo.Options{Dir: dir, Seed: 7, Days: demoDays, End: end, Location: loc})
	if err != nil {
		return nil, err
	}
	if _, err := m.Load(ctx, st, loc); err != nil {
		return nil, err
	}
	cfg, err := metrics.ParseConfig([]byte("timezone: " + demo.DefaultTimezone))
	if err != nil {
		return nil, err
	}
	eng := scorecard.New(st, cfg, scorecard.Options{Now: func() time.Time { return m.To }})
	return &center{st: st, eng: eng, cfg: cfg, loc: loc, m: m, week: digest.LastWeek(end, loc)}, nil
}

func TestPreview(t *testing.T) {
	c := demoCenter(t)
	ctx := context.Background()
	dir := digest.StoreDirectory{Conn: c.st.Conn()}
	ed, err := digest.ComposeExecutive(ctx, c.eng, dir, c.cfg, c.week, c.m.To)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := ed.Message("Service scorecard <scorecards@example.com>", digest.Recipient{Name: "Ops Director", Email: "ops@example.com"}, c.m.To)
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("DIGEST_PREVIEW")
	if out == "" {
		out = t.TempDir()
	}
	if _, err := digest.WriteFiles(out, "executive", msg); err != nil {
		t.Fatal(err)
	}
	sd, err := digest.ComposeSupervisor(ctx, c.eng, dir, c.cfg, digest.Recipient{Name: "Billing lead", Email: "billing@example.com", Teams: []string{"Billing"}}, c.week)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := sd.Message("Service scorecard <scorecards@example.com>", c.m.To, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := digest.WriteFiles(out, "supervisor", sm); err != nil {
		t.Fatal(err)
	}
}
