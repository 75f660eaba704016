package chstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chserver"
	"github.com/servicecard/servicecard/metrics"
)

// crashServer is a ClickHouse server of the test's own, so killing it
// leaves the package's server alone.
func crashServer(t *testing.T) (*chserver.Server, *Store) {
	t.Helper()
	ctx := context.Background()
	srv, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	st, err := Open(ctx, srv.DSN("crash"), Options{FlushRows: 4000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st.UseConfig(metrics.Default())
	return srv, st
}

// loadRows writes rows as one batch; it returns the writer's error.
func loadRows(ctx context.Context, st *Store, rows []ingest.Contact, sv []ingest.Survey) error {
	w, err := st.Begin(ctx, ingest.Batch{Kind: ingest.KindContacts, Source: "synth"})
	if err != nil {
		return err
	}
	for _, c := range rows {
		if err := w.Contact(c); err != nil {
			_ = w.Close(ctx, nil)
			return err
		}
	}
	for _, s := range sv {
		if err := w.Survey(s); err != nil {
			_ = w.Close(ctx, nil)
			return err
		}
	}
	return w.Close(ctx, nil)
}

// synthSurveys are responses naming every fifth contact.
func synthSurveys(cs []ingest.Contact) []ingest.Survey {
	var out []ingest.Survey
	for i, c := range cs {
		if i%5 != 0 {
			continue
		}
		out = append(out, ingest.Survey{Source: "synth", ResponseID: "s-" + c.ContactID, ContactID: c.ContactID,
			RespondedAt: c.StartedAt.Add(2 * time.Hour), NPS: pu8(uint8(i % 11)), Comment: fmt.Sprint("about ", c.ContactID)})
	}
	return out
}

// waitRows waits until the contacts table holds at least n rows.
func waitRows(t *testing.T, st *Store, n int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var got uint64
		err := st.Conn().QueryRow(context.Background(), "SELECT count() FROM contacts").Scan(&got)
		if err == nil && int64(got) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("contacts never reached %d rows (last %d, %v)", n, got, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// restart starts the killed server again and waits for the store to
// reach it.
func restart(t *testing.T, srv *chserver.Server, st *Store) {
	t.Helper()
	time.Sleep(500 * time.Millisecond)
	if err := srv.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for st.Ping(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the store never reached the restarted server")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A ClickHouse crash (SIGKILL) in the middle of a load, then the load
// retried: the facts equal a recomputation from the raw rows, and the
// org's legs and talk time equal what the loaded contacts say. The load
// replaces every contact of a first load with a corrected version, so the
// cut-off flushes hold cancel rows.
func TestFactsExactAfterClickHouseCrashMidLoad(t *testing.T) {
	ctx := context.Background()
	srv, st := crashServer(t)
	first := synthContacts(12000, 7, at(0))
	if err := loadRows(ctx, st, first, synthSurveys(first)); err != nil {
		t.Fatal(err)
	}
	second := synthContacts(12000, 7, at(10))
	for i := range second {
		second[i].TalkS += 7
		if i%3 == 0 {
			second[i].AgentID = "a9" // re-attributes the responses of the contact
		}
	}
	done := make(chan error, 1)
	go func() { done <- loadRows(ctx, st, second, nil) }()
	// Two flushes of the second load (new rows and cancel rows) are in.
	waitRows(t, st, int64(len(first))+2*4000)
	srv.Kill()
	if err := <-done; err == nil {
		t.Fatal("the load cut off by the crash reported no error")
	}
	restart(t, srv, st)
	if err := loadRows(ctx, st, second, nil); err != nil {
		t.Fatalf("retried load: %v", err)
	}
	checkFacts(t, st, "after the retried load")
	wantFactsTotals(t, st, second)
}

// A crash in the middle of a refresh leaves an unfinished generation that
// nobody reads; the next refresh makes the facts exact.
func TestFactsExactAfterClickHouseCrashMidRefresh(t *testing.T) {
	ctx := context.Background()
	srv, st := crashServer(t)
	rows := synthContacts(12000, 11, at(0))
	if err := loadRows(ctx, st, rows, synthSurveys(rows)); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkAllDirty(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := st.RefreshFacts(ctx, 0)
		done <- err
	}()
	time.Sleep(30 * time.Millisecond)
	srv.Kill()
	<-done // cut off or finished: either way the next steps must hold
	restart(t, srv, st)
	if _, err := st.RefreshFacts(ctx, 0); err != nil {
		t.Fatal(err)
	}
	checkFacts(t, st, "after the refresh that followed the crash")
	wantFactsTotals(t, st, rows)
}

// wantFactsTotals compares the org's stored legs and talk time with the
// live contacts of rows (the latest version of each key).
func wantFactsTotals(t *testing.T, st *Store, rows []ingest.Contact) {
	t.Helper()
	var legs, talk int64
	for _, c := range rows {
		legs++
		if c.AnsweredAt != nil {
			talk += int64(c.TalkS)
		}
	}
	q := st.factsQuery()
	q.From, q.To = time.Date(2024, 3, 1, 0, 0, 0, 0, q.Location), time.Date(2024, 3, 15, 0, 0, 0, 0, q.Location)
	facts, err := st.Facts(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var got metrics.Counts
	for _, g := range facts.Group(metrics.LevelOrg, "", q.From, q.Location) {
		got.Add(g.Counts)
	}
	if got.Legs != legs || got.TalkS != talk {
		t.Errorf("org legs %d, talk %d s; the contacts say %d and %d s", got.Legs, got.TalkS, legs, talk)
	}
}
