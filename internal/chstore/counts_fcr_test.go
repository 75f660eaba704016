package chstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/metrics"
)

// fcrContact is an answered first leg of customer by agent starting at s.
func fcrContact(id, agent, customer string, s time.Time) ingest.Contact {
	c := contact(id, agent, 0, 5, 60, 0)
	ans := s.Add(5 * time.Second)
	c.CustomerID, c.StartedAt, c.AnsweredAt, c.EndedAt, c.SourceUpdatedAt = customer, s, &ans, ans.Add(60*time.Second), s
	return c
}

// Repeat-contact FCR stays exact for ordinary customers, leaves
// placeholder customer ids out, and needs memory linear in one customer's
// contacts: 20,000 contacts of "anonymous" and 20,000 of one real
// customer run under a 256 MB query limit (pairing every contact with
// every start of its customer needs 20,000² start times, 1.6 GB each).
func TestCountsFCRBoundedPerCustomer(t *testing.T) {
	st := newStore(t, Options{})
	from := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 21)
	week := 7 * 24 * time.Hour
	var cs []ingest.Contact
	add := func(agent, customer string, s time.Time) {
		cs = append(cs, fcrContact(fmt.Sprintf("%s-%d", agent, len(cs)), agent, customer, s))
	}
	const many = 20000 // one a minute: 13.9 days, all inside [from, to)
	for i := 0; i < many; i++ {
		add("anon", "anonymous", from.Add(time.Duration(i)*time.Minute))
		add("big", "bigco", from.Add(time.Duration(i)*time.Minute))
	}
	// Placeholders: built in (any case, trimmed) and configured.
	for _, id := range []string{"", "0", " Unknown ", "ANONYMOUS", "Walk-In"} {
		for i := 0; i < 3; i++ {
			add("ph", id, from.Add(time.Duration(i)*time.Hour))
		}
	}
	tt := from.Add(36 * time.Hour)
	// Window edges: a start exactly window after is a repeat, one second
	// later is not.
	add("edge", "e1", tt)
	add("edge", "e1", tt.Add(week))
	add("edge", "e2", tt)
	add("edge", "e2", tt.Add(week+time.Second))
	// Ties: contacts starting in the same second do not repeat each other;
	// a later one makes both repeats.
	add("tie", "t1", tt)
	add("tie", "t1", tt)
	add("tie", "t2", tt)
	add("tie", "t2", tt)
	add("tie", "t2", tt.Add(time.Hour))
	// Look-ahead past the range: the next contact starts after to.
	add("late", "l1", to.Add(-time.Hour))
	add("late", "l1", to.Add(24*time.Hour))
	// An abandoned contact still makes an earlier one a repeat.
	add("abn", "a1", tt)
	ab := fcrContact("abn-x", "", "a1", tt.Add(time.Hour))
	ab.AnsweredAt, ab.Abandoned, ab.TalkS = nil, true, 0
	cs = append(cs, ab)
	load(t, st, ingest.Batch{ID: NewBatchID(), Source: "test", Kind: ingest.KindContacts}, contacts(cs...))

	cfg := metrics.Default()
	cfg.FCR.PlaceholderCustomers = []string{" walk-in"}
	ctx := clickhouse.Context(context.Background(), clickhouse.WithSettings(clickhouse.Settings{
		"max_memory_usage": 256 << 20,
	}))
	gs, err := st.Counts(ctx, CountsQueryFor(cfg, metrics.LevelAgent, "", from, to, nil))
	if err != nil {
		t.Fatal(err)
	}
	type fcr struct{ known, resolved int64 }
	got := map[string]fcr{}
	for _, g := range gs {
		got[g.Key] = fcr{g.Counts.FCRKnown, g.Counts.FCRResolved}
	}
	want := map[string]fcr{
		"anon": {0, 0},
		"big":  {many, 1}, // each is repeated a minute later but the last
		"ph":   {0, 0},
		"edge": {4, 3},
		"tie":  {5, 3},
		"late": {1, 0},
		"abn":  {1, 0},
	}
	for agent, w := range want {
		if got[agent] != w {
			t.Errorf("agent %s: FCR known, resolved = %v, want %v", agent, got[agent], w)
		}
	}
}
