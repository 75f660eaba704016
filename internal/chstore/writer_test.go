package chstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chtest"
)

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// liveContact reads the one live row of a contact and checks it is one.
func liveContact(t *testing.T, st *Store, source, id string) (talk, wait int64, batch string) {
	t.Helper()
	if n := queryInt(t, st, "SELECT sum(sign) FROM contacts WHERE source = ? AND contact_id = ?", source, id); n != 1 {
		t.Fatalf("contact %s has net weight %d, want 1", id, n)
	}
	if n := queryInt(t, st, "SELECT count() FROM contacts FINAL WHERE source = ? AND contact_id = ?", source, id); n != 1 {
		t.Fatalf("contact %s has %d rows in FINAL, want 1", id, n)
	}
	err := st.Conn().QueryRow(context.Background(),
		"SELECT toInt64(talk_s), toInt64(wait_s), batch_id FROM contacts FINAL WHERE source = ? AND contact_id = ?", source, id).
		Scan(&talk, &wait, &batch)
	if err != nil {
		t.Fatal(err)
	}
	return talk, wait, batch
}

// withSource returns cs with their source set, so subtests can share a
// database.
func withSource(source string, cs ...ingest.Contact) []ingest.Contact {
	out := make([]ingest.Contact, len(cs))
	for i, c := range cs {
		c.Source = source
		out[i] = c
	}
	return out
}

func TestReplaceContactsEveryOrder(t *testing.T) {
	// Three versions of c1 by source_updated_at; v2 is the newest.
	versions := []ingest.Contact{
		contact("c1", "a1", 0, 5, 50, 5),    // stale
		contact("c1", "a1", 0, 10, 100, 10), // first
		contact("c1", "a1", 0, 30, 200, 20), // corrected, newest
	}
	other := contact("c2", "a2", 3, 7, 70, 1)
	st := newStore(t, Options{}) // subtests keep apart by source
	for _, order := range permutations(3) {
		// Expected superseded: arrivals older than one that came before.
		wantSup := int64(0)
		newest := -1
		for _, i := range order {
			if i < newest {
				wantSup++
			} else {
				newest = i
			}
		}
		name := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(order)), ""), "[]")
		t.Run("batches_"+name, func(t *testing.T) {
			src := "batches_" + name
			load(t, st, ingest.Batch{ID: src + "other", Kind: ingest.KindContacts}, contacts(withSource(src, other)...))
			var sup int64
			for n, i := range order {
				w := load(t, st, ingest.Batch{ID: fmt.Sprintf("%s%d", src, n), Kind: ingest.KindContacts}, contacts(withSource(src, versions[i])...))
				sup += w.Superseded()
			}
			if talk, wait, _ := liveContact(t, st, src, "c1"); talk != 200 || wait != 30 {
				t.Fatalf("live c1 talk=%d wait=%d, want the newest (200, 30)", talk, wait)
			}
			if sup != wantSup {
				t.Fatalf("superseded = %d, want %d", sup, wantSup)
			}
			if talk, _, _ := liveContact(t, st, src, "c2"); talk != 70 {
				t.Fatalf("c2 changed: talk %d", talk)
			}
			if n := queryInt(t, st, "SELECT sum(legs) FROM contacts_rollup WHERE source = ?", src); n != 2 {
				t.Fatalf("rollup legs = %d, want 2", n)
			}
			if n := queryInt(t, st, "SELECT sum(talk_sum_s) FROM contacts_rollup WHERE source = ?", src); n != 270 {
				t.Fatalf("rollup talk = %d, want 270", n)
			}
		})
		t.Run("one_flush_"+name, func(t *testing.T) {
			src := "one_flush_" + name
			var cs []ingest.Contact
			for _, i := range order {
				cs = append(cs, versions[i])
			}
			w := load(t, st, ingest.Batch{ID: src, Kind: ingest.KindContacts}, contacts(withSource(src, cs...)...))
			if talk, _, _ := liveContact(t, st, src, "c1"); talk != 200 {
				t.Fatalf("live c1 talk=%d, want 200", talk)
			}
			if w.Superseded() != 2 {
				t.Fatalf("superseded = %d, want 2", w.Superseded())
			}
			if n := queryInt(t, st, "SELECT count() FROM contacts WHERE source = ?", src); n != 1 {
				t.Fatalf("%d rows written for one key in one flush, want 1", n)
			}
		})
	}
}

func TestReplaceTieGoesToNewerIngest(t *testing.T) {
	st := newStore(t, Options{})
	a := contact("c1", "a1", 0, 10, 100, 10)
	b := contact("c1", "a1", 0, 10, 111, 10) // same source_updated_at
	load(t, st, ingest.Batch{ID: "first", Kind: ingest.KindContacts}, contacts(a))
	w := load(t, st, ingest.Batch{ID: "second", Kind: ingest.KindContacts}, contacts(b))
	talk, _, batch := liveContact(t, st, "test", "c1")
	if talk != 111 || batch != "second" {
		t.Fatalf("live row talk=%d batch=%s, want the newer ingest (111, second)", talk, batch)
	}
	if w.Superseded() != 0 {
		t.Fatalf("superseded = %d, want 0", w.Superseded())
	}
	// Reloading the same batch (a retry) changes nothing countable.
	load(t, st, ingest.Batch{ID: "second", Kind: ingest.KindContacts}, contacts(b))
	load(t, st, ingest.Batch{ID: "second", Kind: ingest.KindContacts}, contacts(b))
	if talk, _, _ := liveContact(t, st, "test", "c1"); talk != 111 {
		t.Fatalf("talk after retries = %d", talk)
	}
	if n := queryInt(t, st, "SELECT sum(handled) FROM contacts_rollup"); n != 1 {
		t.Fatalf("rollup handled = %d after retries, want 1", n)
	}
}

func TestReplaceSurveys(t *testing.T) {
	st := newStore(t, Options{})
	s1 := ingest.Survey{ResponseID: "r1", Source: "qualtrics", ContactID: "c1", RespondedAt: at(30), NPS: pu8(3)}
	s1b := s1
	s1b.NPS = pu8(10)
	s2 := ingest.Survey{ResponseID: "r2", Source: "qualtrics", RespondedAt: at(31), CSAT: pu8(5)}
	load(t, st, ingest.Batch{ID: "s1", Kind: ingest.KindSurveys}, surveys(s1, s2))
	w := load(t, st, ingest.Batch{ID: "s2", Kind: ingest.KindSurveys}, surveys(s1, s1b))
	if w.Superseded() != 1 {
		t.Fatalf("superseded = %d, want 1 (the first r1 of the batch)", w.Superseded())
	}
	if n := queryInt(t, st, "SELECT sum(sign) FROM surveys WHERE response_id = 'r1'"); n != 1 {
		t.Fatalf("r1 net weight %d, want 1", n)
	}
	if n := queryInt(t, st, "SELECT any(nps) FROM surveys FINAL WHERE response_id = 'r1'"); n != 10 {
		t.Fatalf("r1 nps = %d, want the latest ingest's 10", n)
	}
	if n := queryInt(t, st, "SELECT count() FROM surveys FINAL"); n != 2 {
		t.Fatalf("%d surveys, want 2", n)
	}
}

// TestReplaceHealsDoubleLive: two live rows of one key (as two processes
// racing could leave) are both cancelled by the next load.
func TestReplaceHealsDoubleLive(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	cols := contactTable.newCols()
	c := contact("c1", "a1", 0, 10, 100, 10)
	cols.reset()
	cols.add(&c, rowMeta{ingestedAt: t0, batchID: "p1", sign: 1, version: 1})
	cols.add(&c, rowMeta{ingestedAt: t0, batchID: "p2", sign: 1, version: 2})
	if err := st.insertColumns(ctx, st.contactsTable().insertSQL(), cols.values()); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, st, "SELECT sum(legs) FROM contacts_rollup"); n != 2 {
		t.Fatalf("setup: rollup legs = %d, want 2", n)
	}
	load(t, st, ingest.Batch{ID: "heal", Kind: ingest.KindContacts}, contacts(contact("c1", "a1", 0, 10, 120, 11)))
	if talk, _, _ := liveContact(t, st, "test", "c1"); talk != 120 {
		t.Fatalf("talk = %d, want 120", talk)
	}
	if n := queryInt(t, st, "SELECT sum(legs) FROM contacts_rollup"); n != 1 {
		t.Fatalf("rollup legs = %d after healing, want 1", n)
	}
}

// TestLookupExternalTable checks the read-before-write lookup itself: the
// keys travel as an external table, which the server must accept
// (ClickHouse 18.16 in the tests) and prefer over the placeholder table.
func TestLookupExternalTable(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	t.Logf("server %s", st.ServerVersion().String())
	stored := []ingest.Contact{contact("c1", "a1", 0, 10, 100, 10), contact("c2", "a2", 1, 20, 200, 10)}
	stored[1].Resolved = pbool(true)
	load(t, st, ingest.Batch{ID: "b1", Kind: ingest.KindContacts}, contacts(stored...))
	load(t, st, ingest.Batch{ID: "b2", Kind: ingest.KindContacts}, contacts(contact("c1", "a1", 0, 10, 150, 12)))

	tbl := st.contactsTable()
	win := map[rowKey]int32{{"test", "c1"}: 0, {"test", "c2"}: 1, {"test", "new"}: 2}
	live, err := tbl.lookup(ctx, st, win)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 2 || len(live[rowKey{"test", "new"}]) != 0 {
		t.Fatalf("live keys = %v, want c1 and c2", live)
	}
	c1 := live[rowKey{"test", "c1"}]
	if len(c1) != 1 || c1[0].rec.TalkS != 150 || c1[0].meta.batchID != "b2" || c1[0].meta.sign != 1 {
		t.Fatalf("c1 live rows = %+v, want the b2 row only", c1)
	}
	c2 := live[rowKey{"test", "c2"}]
	if len(c2) != 1 || c2[0].rec.Resolved == nil || !*c2[0].rec.Resolved || c2[0].rec.AnsweredAt == nil ||
		!c2[0].rec.StartedAt.Equal(stored[1].StartedAt) || c2[0].rec.Queue != "sales" {
		t.Fatalf("c2 read back wrong: %+v", c2)
	}
	if n := queryInt(t, st, "SELECT count() FROM lookup_keys"); n != 0 {
		t.Fatalf("placeholder lookup_keys holds %d rows", n)
	}
}

func TestRejectsAndBatches(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	b := ingest.Batch{ID: "batch-1", Source: "generic", Kind: ingest.KindContacts, Format: ingest.FormatCSV, File: "day.csv"}
	run := func() {
		w, err := st.Begin(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if got := queryStrings(t, st, "SELECT status FROM ingest_batches FINAL WHERE batch_id = 'batch-1'"); len(got) != 1 || got[0] != "running" {
			t.Fatalf("status after Begin = %v, want running", got)
		}
		steps := []error{
			w.Contact(contact("c1", "a1", 0, 10, 100, 10)),
			w.Reject(ingest.Reject{Line: 3, Raw: "c2,voice,x", Field: "wait_s", Reason: "not a number"}),
			w.Contact(contact("c3", "a1", 0, 10, 100, 10)),
			w.Reject(ingest.Reject{Line: 7, Raw: "c4,,", Field: "started_at", Reason: "missing"}),
			w.Contact(contact("c3", "a1", 0, 10, 100, 9)), // stale duplicate
		}
		for _, err := range steps {
			if err != nil {
				t.Fatal(err)
			}
		}
		sum := &ingest.Summary{Status: "done", RowsOK: 3, RowsRejected: 2, Bytes: 1234, Duration: 1500 * time.Millisecond}
		if err := w.Close(ctx, sum); err != nil {
			t.Fatal(err)
		}
	}
	run()
	run() // a retry under the same ID
	rows, err := st.Conn().Query(ctx, "SELECT toInt64(line), raw, field, reason, file FROM ingest_rejects FINAL WHERE batch_id = 'batch-1' ORDER BY line")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var line int64
		var raw, field, reason, file string
		if err := rows.Scan(&line, &raw, &field, &reason, &file); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d|%s|%s|%s|%s", line, raw, field, reason, file))
	}
	want := []string{"3|c2,voice,x|wait_s|not a number|day.csv", "7|c4,,|started_at|missing|day.csv"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rejects:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var (
		status, kind, format, file, src, errText string
		ok, rejected, superseded, bytes, dur     uint64
		finished                                 *time.Time
	)
	err = st.Conn().QueryRow(ctx, `SELECT status, kind, format, file, source, error, rows_ok, rows_rejected,
		rows_superseded, bytes, duration_ms, finished_at FROM ingest_batches FINAL WHERE batch_id = 'batch-1'`).
		Scan(&status, &kind, &format, &file, &src, &errText, &ok, &rejected, &superseded, &bytes, &dur, &finished)
	if err != nil {
		t.Fatal(err)
	}
	gotRow := fmt.Sprintf("%s %s %s %s %s %q ok=%d rej=%d sup=%d bytes=%d dur=%d finished=%v",
		status, kind, format, file, src, errText, ok, rejected, superseded, bytes, dur, finished != nil)
	wantRow := `done contacts csv day.csv generic "" ok=3 rej=2 sup=1 bytes=1234 dur=1500 finished=true`
	if gotRow != wantRow {
		t.Fatalf("batch row: %s\nwant       %s", gotRow, wantRow)
	}

	// A failed load records its error.
	w, err := st.Begin(ctx, ingest.Batch{ID: "batch-2", Kind: ingest.KindSurveys, File: "bad.json"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx, &ingest.Summary{Status: "failed", Error: "ingest: input is not in the expected format"}); err != nil {
		t.Fatal(err)
	}
	got = queryStrings(t, st, "SELECT concat(status, '|', error) FROM ingest_batches FINAL WHERE batch_id = 'batch-2'")
	if len(got) != 1 || got[0] != "failed|ingest: input is not in the expected format" {
		t.Fatalf("failed batch row = %v", got)
	}
	if err := w.Close(ctx, nil); err != ErrClosed {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
	if err := w.Contact(contact("x", "", 0, 0, 0, 0)); err != ErrClosed {
		t.Fatalf("Contact after Close = %v, want ErrClosed", err)
	}
}

func TestRosterFill(t *testing.T) {
	st := newStore(t, Options{})
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	mar := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	load(t, st, ingest.Batch{ID: "roster", Kind: ingest.KindAgents}, agents(
		ingest.Agent{AgentID: "a1", Name: "Ann", Team: "north", Site: "lyon", ValidFrom: jan},
		ingest.Agent{AgentID: "a1", Name: "Ann", Team: "south", Site: "nice", ValidFrom: mar},
		ingest.Agent{AgentID: "a2", Name: "Bob", Team: "west", Site: "brest", ValidFrom: mar},
	))
	mk := func(id, agent string, start time.Time, team, site string) ingest.Contact {
		c := contact(id, agent, 0, 5, 60, 0)
		c.StartedAt, c.Team, c.Site = start, team, site
		return c
	}
	tests := []struct {
		name       string
		c          ingest.Contact
		team, site string
	}{
		{"valid then", mk("feb", "a1", time.Date(2024, 2, 10, 12, 0, 0, 0, time.UTC), "", ""), "north", "lyon"},
		{"after a move", mk("apr", "a1", time.Date(2024, 4, 10, 12, 0, 0, 0, time.UTC), "", ""), "south", "nice"},
		{"at valid_from", mk("mar", "a1", mar, "", ""), "south", "nice"},
		{"before the first entry", mk("dec", "a2", time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC), "", ""), "west", "brest"},
		{"team given", mk("given", "a1", time.Date(2024, 4, 10, 12, 0, 0, 0, time.UTC), "own", ""), "own", "nice"},
		{"unknown agent", mk("unknown", "zz", mar, "", ""), "", ""},
		{"no agent", mk("noagent", "", mar, "", ""), "", ""},
	}
	var cs []ingest.Contact
	for _, tt := range tests {
		cs = append(cs, tt.c)
	}
	load(t, st, ingest.Batch{ID: "contacts", Kind: ingest.KindContacts}, contacts(cs...))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := queryStrings(t, st, "SELECT concat(team, '/', site) FROM contacts FINAL WHERE contact_id = ?", tt.c.ContactID)
			if len(got) != 1 || got[0] != tt.team+"/"+tt.site {
				t.Fatalf("team/site = %v, want %s/%s", got, tt.team, tt.site)
			}
		})
	}
	// The rollup sees the filled team.
	if n := queryInt(t, st, "SELECT sum(legs) FROM contacts_rollup WHERE team = 'south'"); n != 2 {
		t.Fatalf("rollup legs of team south = %d, want 2", n)
	}
}

func TestWorkforceTablesReplace(t *testing.T) {
	st := newStore(t, Options{})
	s1 := ingest.AgentState{AgentID: "a1", Source: "queue_log", State: ingest.StateBreak, Reason: "lunch", Start: at(0), End: at(30)}
	s2 := ingest.AgentState{AgentID: "a1", Source: "queue_log", State: ingest.StateAvailable, Start: at(30), End: at(60)}
	sc := ingest.Schedule{AgentID: "a1", Activity: "break", Start: at(0), End: at(30)}
	emit := func(reason string) func(ingest.Writer) error {
		return func(w ingest.Writer) error {
			s := s1
			s.Reason = reason
			for _, err := range []error{w.State(s), w.State(s2), w.Schedule(sc),
				w.Agent(ingest.Agent{AgentID: "a1", Team: "north", ValidFrom: at(0)})} {
				if err != nil {
					return err
				}
			}
			return nil
		}
	}
	load(t, st, ingest.Batch{ID: "w1", Kind: ingest.KindStates}, emit("lunch"))
	load(t, st, ingest.Batch{ID: "w2", Kind: ingest.KindStates}, emit("coffee"))
	for q, want := range map[string]int64{
		"SELECT count() FROM agent_states FINAL":                         2,
		"SELECT count() FROM schedules FINAL":                            1,
		"SELECT count() FROM agents FINAL":                               1,
		"SELECT count() FROM agent_states FINAL WHERE reason = 'coffee'": 1,
	} {
		if n := queryInt(t, st, q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
}

func TestFlushRowsAndInterval(t *testing.T) {
	ctx := context.Background()
	t.Run("rows", func(t *testing.T) {
		st := newStore(t, Options{FlushRows: 3, FlushInterval: time.Hour})
		w, err := st.Begin(ctx, ingest.Batch{ID: "r", Kind: ingest.KindContacts})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 7 {
			if err := w.Contact(contact(fmt.Sprint(i), "", 0, 1, 1, 0)); err != nil {
				t.Fatal(err)
			}
		}
		// Two flushes of 3 (the second in the background); the 7th row
		// waits for the interval or Close.
		deadline := time.Now().Add(10 * time.Second)
		for queryInt(t, st, "SELECT count() FROM contacts") != 6 {
			if time.Now().After(deadline) {
				t.Fatalf("%d rows before Close, want 6 (two flushes of 3)", queryInt(t, st, "SELECT count() FROM contacts"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		if n := queryInt(t, st, "SELECT count() FROM contacts"); n != 6 {
			t.Fatalf("%d rows before Close, want 6", n)
		}
		if err := w.Close(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, st, "SELECT count() FROM contacts"); n != 7 {
			t.Fatalf("%d rows after Close, want 7", n)
		}
	})
	t.Run("interval", func(t *testing.T) {
		st := newStore(t, Options{FlushRows: 1000, FlushInterval: 50 * time.Millisecond})
		w, err := st.Begin(ctx, ingest.Batch{ID: "i", Kind: ingest.KindSurveys})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(ctx, nil)
		if err := w.Survey(ingest.Survey{ResponseID: "r1", RespondedAt: at(0)}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for queryInt(t, st, "SELECT count() FROM surveys") == 0 {
			if time.Now().After(deadline) {
				t.Fatal("buffered row not flushed by the interval")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestDatabaseErrorsAreReturned(t *testing.T) {
	ctx := context.Background()
	t.Run("begin without schema", func(t *testing.T) {
		st, err := Open(ctx, chtest.NewDatabase(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Begin(ctx, ingest.Batch{ID: "x", Kind: ingest.KindSurveys}); err == nil {
			t.Fatal("Begin on a database without tables succeeded")
		}
	})
	t.Run("flush fails", func(t *testing.T) {
		// The load's context ends mid-batch: the flush fails like a lost
		// server would make it fail (no DDL here: the statement log is
		// replayed on another server).
		st := newStore(t, Options{FlushRows: 1})
		lctx, cancel := context.WithCancel(ctx)
		w, err := st.Begin(lctx, ingest.Batch{ID: "f", Kind: ingest.KindSurveys})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		// The flush runs in the background: its error comes back from a
		// later call, and then from every call.
		var failed error
		for i := 0; i < 3 && failed == nil; i++ {
			failed = w.Survey(ingest.Survey{ResponseID: fmt.Sprint("r", i), RespondedAt: at(0)})
		}
		if failed == nil {
			t.Fatal("writes under a cancelled context: no error")
		}
		if err := w.Reject(ingest.Reject{Line: 1, Reason: "x"}); err == nil {
			t.Fatal("writer not failed after a database error")
		}
		if err := w.Close(ctx, &ingest.Summary{Status: "done"}); err == nil {
			t.Fatal("Close after a failed flush: no error")
		}
		got := queryStrings(t, st, "SELECT status FROM ingest_batches FINAL WHERE batch_id = 'f'")
		if len(got) != 1 || got[0] != "failed" {
			t.Fatalf("batch status = %v, want failed", got)
		}
	})
}
