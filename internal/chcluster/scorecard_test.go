//go:build cluster

package chcluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

// demoCenter generates the 21-day demo center the scorecard package's
// tests use (seed 7, spanning Customer Service Week 2026).
func demoCenter(t *testing.T) (*demo.Manifest, *time.Location) {
	t.Helper()
	loc, _ := time.LoadLocation(demo.DefaultTimezone)
	m, err := demo.Generate(demo.Options{Dir: t.TempDir(), Seed: 7, Days: 21, End: time.Date(2026, 10, 19, 0, 0, 0, 0, loc), Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	return m, loc
}

// answers is everything the API answers for the demo range, as JSON
// values: every level × grain of scorecards, coaching, recognition and
// complaints.
func answers(t *testing.T, st *chstore.Store, m *demo.Manifest) map[string]any {
	t.Helper()
	ctx := context.Background()
	cfg, err := metrics.ParseConfig([]byte("timezone: " + demo.DefaultTimezone))
	if err != nil {
		t.Fatal(err)
	}
	e := scorecard.New(st, cfg, scorecard.Options{Now: func() time.Time { return m.To }})
	out := map[string]any{}
	put := func(key string, v any, err error) {
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var x any
		if err := json.Unmarshal(b, &x); err != nil {
			t.Fatal(err)
		}
		out[key] = x
	}
	for _, level := range metrics.Levels() {
		for _, grain := range []metrics.Grain{metrics.GrainDay, metrics.GrainWeek, metrics.GrainMonth} {
			cards, err := e.Scorecards(ctx, domain.ScorecardQuery{Level: level, Grain: grain, From: m.From, To: m.To})
			put(fmt.Sprintf("scorecards %s %s", level, grain), cards, err)
		}
	}
	coaching, err := e.Coaching(ctx, domain.CoachingQuery{From: m.To.AddDate(0, 0, -28), To: m.To})
	put("coaching", coaching, err)
	rec, err := e.Recognition(ctx, domain.RecognitionQuery{From: m.From, To: m.To})
	put("recognition", rec, err)
	complaints, err := e.Complaints(ctx, domain.RecognitionQuery{From: m.From, To: m.To})
	put("complaints", complaints, err)
	return out
}

// sameAnswers reports the first difference between two answers (floats
// equal to 1e-9 relative: sums arrive from the shards in another order).
func sameAnswers(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %v vs %v", path, short(a), short(b))
		}
		for k := range x {
			if d := sameAnswers(path+"."+k, x[k], y[k]); d != "" {
				return d
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %d items vs %v", path, len(x), short(b))
		}
		for i := range x {
			if d := sameAnswers(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
	case float64:
		y, ok := b.(float64)
		if !ok || math.Abs(x-y) > 1e-9*math.Max(1, math.Abs(x)) {
			return fmt.Sprintf("%s: %v vs %v", path, x, b)
		}
	default:
		if a != b {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
	}
	return ""
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// countCards counts the scorecards in answers (a guard against comparing
// two empty answers).
func countCards(a map[string]any) int {
	n := 0
	for k, v := range a {
		if l, ok := v.([]any); ok && len(k) > 10 && k[:10] == "scorecards" {
			n += len(l)
		}
	}
	return n
}

// TestClusterAnswersEqualSingleNode loads the same demo center into a
// single server and into the 2 × 2 cluster: every scorecard, coaching
// opportunity, recognition and complaint must be the same. Then one
// replica of each shard goes down and the cluster must still answer the
// same.
func TestClusterAnswersEqualSingleNode(t *testing.T) {
	ctx := context.Background()
	m, loc := demoCenter(t)
	one := openSingle(t, chstore.Options{})
	if _, err := m.Load(ctx, one, loc); err != nil {
		t.Fatal(err)
	}
	many, db := openCluster(t, chstore.Options{})
	start := time.Now()
	if _, err := m.Load(ctx, many, loc); err != nil {
		t.Fatal(err)
	}
	t.Logf("demo center loaded into the cluster in %s", time.Since(start).Round(time.Millisecond))
	want := answers(t, one, m)
	if n := countCards(want); n < 100 {
		t.Fatalf("single node answered only %d cards", n)
	}
	got := answers(t, many, m)
	if d := sameAnswers("", want, got); d != "" {
		t.Fatalf("cluster answers differ from single node: %s", d)
	}
	// The rows really are spread: every shard holds part of contacts.
	for s := range cluster.Nodes {
		var n uint64
		if err := nodeConn(t, cluster.Node(s, 0), db).QueryRow(ctx, "SELECT count() FROM contacts_local").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("shard %d holds no contacts", s+1)
		}
	}

	t.Run("one replica of each shard down", func(t *testing.T) {
		down := []struct{ s, r int }{{0, 0}, {1, 1}}
		for _, d := range down {
			cluster.Node(d.s, d.r).Kill()
		}
		t.Cleanup(func() {
			for _, d := range down {
				if err := cluster.Node(d.s, d.r).Restart(ctx); err != nil {
					t.Errorf("restart: %v", err)
				}
			}
		})
		reader, err := chstore.Open(ctx, clusterDSN(db), chstore.Options{Cluster: "servicecard", ZooKeeper: []string{cluster.ZooKeeper}})
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		if d := sameAnswers("", want, answers(t, reader, m)); d != "" {
			t.Fatalf("with a replica of each shard down, answers differ: %s", d)
		}
	})
}
