package chstore

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

// TestCountsQueryColumns checks that every count query names its sums
// after metrics.Counts fields, and that together they fill every field.
func TestCountsQueryColumns(t *testing.T) {
	st := newStore(t, Options{})
	names := metrics.CountsFieldNames()
	from := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	filled := map[string]bool{}
	for _, short := range []int{0, metrics.Default().ShortAbandonS} {
		cfg := metrics.Default()
		cfg.ShortAbandonS = short
		q := CountsQueryFor(cfg, metrics.LevelOrg, "", from, from.AddDate(0, 0, 1), []string{"red"})
		for _, p := range countParts {
			rows, sums, err := st.queryCounts(context.Background(), q, p.file)
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if len(sums) == 0 {
				t.Errorf("%s: no sums", p.file)
			}
			for _, i := range sums {
				filled[names[i]] = true
			}
		}
	}
	for _, name := range names {
		if !filled[name] {
			t.Errorf("no count query returns a %s column", name)
		}
	}
	if _, err := countSums([]string{"day", "queue_of", "team_of", "site_of", "agent_of", "offered", "nope"}); err == nil {
		t.Error("a column that is no Counts field is accepted")
	}
	if _, err := countSums([]string{"day", "queue_of", "team_of", "site_of", "agent_of", "offered", "offered"}); err == nil {
		t.Error("a repeated column is accepted")
	}
}

// TestFactsColumns checks that facts_daily, as the migrations leave it,
// has one Int64 column per metrics.Counts field, named like it, and that
// factColumns are those names.
func TestFactsColumns(t *testing.T) {
	st := newStore(t, Options{})
	got := queryStrings(t, st, "SELECT name FROM system.columns "+
		"WHERE database = currentDatabase() AND table = 'facts_daily' AND type = 'Int64'")
	want := metrics.CountsFieldNames()
	if !slices.Equal(factColumns, want) {
		t.Errorf("factColumns %v, want %v", factColumns, want)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("facts_daily Int64 columns %v, want the Counts fields %v", got, want)
	}
}
