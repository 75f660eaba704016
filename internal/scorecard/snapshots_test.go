package scorecard

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/metrics"
)

// serve's snapshot loop follows the facts: a load re-snapshots the month
// it touched, and only that month.
func TestSnapshotsFollowTheFacts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := chstore.Open(ctx, chtest.NewDatabase(t), chstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := metrics.Default()
	march := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	may := time.Date(2025, 5, 12, 12, 0, 0, 0, time.UTC)
	e := New(st, cfg, Options{Now: func() time.Time { return may.AddDate(0, 1, 0) }})
	load := func(id string, at time.Time) {
		t.Helper()
		csv := fmt.Sprintf("contact_id,queue,agent_id,started_at,wait_s,talk_s\n%s,sales,a1,%s,5,100\n", id, at.Format(time.RFC3339))
		if _, err := ingest.Load(ctx, st, strings.NewReader(csv), ingest.Batch{Kind: ingest.KindContacts, Format: ingest.FormatCSV},
			ingest.Options{Location: time.UTC}); err != nil {
			t.Fatal(err)
		}
	}
	load("c1", march)
	go func() { _ = e.RunSnapshots(ctx, time.Hour, 400*24*time.Hour) }()
	computed := func(month time.Time) (legs int64, at time.Time) {
		_ = st.Conn().QueryRow(ctx, `SELECT toInt64(metric_values[indexOf(metric_ids, 'handled')]), computed_at FROM scorecards FINAL
			WHERE level = 'org' AND grain = 'month' AND period_start = ?`, month.Format(time.DateOnly)).Scan(&legs, &at)
		return legs, at
	}
	wait := func(month time.Time, legs int64) time.Time {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if n, at := computed(month); n == legs {
				return at
			}
			if time.Now().After(deadline) {
				n, _ := computed(month)
				t.Fatalf("the %s snapshot shows %d handled, want %d", month.Format("2006-01"), n, legs)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	marchAt := wait(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), 1)
	time.Sleep(1100 * time.Millisecond) // computed_at has whole seconds
	load("c2", may)
	e.Ingested()
	wait(time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), 1)
	if _, at := computed(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)); !at.Equal(marchAt) {
		t.Errorf("March was snapshotted again (%s, first %s) though the load touched May only", at, marchAt)
	}
}
