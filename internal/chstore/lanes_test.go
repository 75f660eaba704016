package chstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// Tests of the write path's moving parts: lanes, the in-flush dedupe,
// the range probe before a lookup, and the columnar buffers.

// versioned returns cs shuffled, with extra versions of some keys (older
// and newer source_updated_at, other talk_s) mixed in, and the live
// version of every key by the replacement rule (newest wins, a tie goes to
// the later row).
func versioned(cs []ingest.Contact, seed uint64) (rows []ingest.Contact, live map[rowKey]ingest.Contact) {
	r := rand.New(rand.NewPCG(seed, 7))
	for _, c := range cs {
		rows = append(rows, c)
		for range r.IntN(3) {
			v := c
			v.SourceUpdatedAt = c.SourceUpdatedAt.Add(time.Duration(r.IntN(5)-2) * time.Minute)
			v.TalkS = c.TalkS + uint32(1+r.IntN(50))
			rows = append(rows, v)
		}
	}
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	live = map[rowKey]ingest.Contact{}
	for _, c := range rows {
		k := rowKey{c.Source, c.ContactID}
		if old, ok := live[k]; !ok || !c.SourceUpdatedAt.Before(old.SourceUpdatedAt) {
			live[k] = c
		}
	}
	return rows, live
}

// supersededByFlushes counts the rows of a batch flushed every n rows
// that are not stored: a repeat of a key within a flush, or a flush's
// latest version of a key older than the stored one. stored (key ->
// source_updated_at) is updated.
func supersededByFlushes(rows []ingest.Contact, n int, stored map[rowKey]time.Time) (superseded int64) {
	for len(rows) > 0 {
		flush := rows[:min(n, len(rows))]
		rows = rows[len(flush):]
		latest := map[rowKey]time.Time{}
		for _, c := range flush {
			k := rowKey{c.Source, c.ContactID}
			if t, ok := latest[k]; ok {
				superseded++
				if c.SourceUpdatedAt.Before(t) {
					continue
				}
			}
			latest[k] = c.SourceUpdatedAt
		}
		for k, t := range latest {
			if old, ok := stored[k]; ok && t.Before(old) {
				superseded++
				continue
			}
			stored[k] = t
		}
	}
	return superseded
}

// checkLive checks that contacts holds exactly live: one row of net weight
// +1 per key with the live talk_s, and a rollup that adds up to it.
func checkLive(t *testing.T, st *Store, live map[rowKey]ingest.Contact) {
	t.Helper()
	if n := queryInt(t, st, "SELECT count() FROM (SELECT source, contact_id, sum(sign) AS w FROM contacts GROUP BY source, contact_id HAVING w != 1)"); n != 0 {
		t.Fatalf("%d keys with a net weight other than 1", n)
	}
	got := map[string]bool{}
	for _, s := range queryStrings(t, st, "SELECT concat(source, '/', contact_id, '/', toString(talk_s)) FROM contacts FINAL") {
		got[s] = true
	}
	if len(got) != len(live) {
		t.Fatalf("contacts FINAL holds %d rows, want %d", len(got), len(live))
	}
	for k, c := range live {
		if s := fmt.Sprintf("%s/%s/%d", k.source, k.id, c.TalkS); !got[s] {
			t.Fatalf("live row %s missing", s)
		}
	}
	names, _ := rollupExprs(t)
	sel := make([]string, len(names))
	for i, n := range names {
		sel[i] = "toInt64(sum(" + n + "))"
	}
	if d := diffTotals(expectedRollup(live), scanTotals(t, st, names, "SELECT "+strings.Join(sel, ", ")+" FROM contacts_rollup")); d != "" {
		t.Fatalf("rollup differs from the live rows:\n%s", d)
	}
}

// TestReplaceAcrossLanesAndFlushes loads keys in random order with
// versions repeated within and across the flushes of several lanes, then
// corrections of them in a second batch.
func TestReplaceAcrossLanesAndFlushes(t *testing.T) {
	for _, lanes := range []int{1, 3} {
		t.Run(fmt.Sprintf("lanes_%d", lanes), func(t *testing.T) {
			st := newStore(t, Options{FlushRows: 61, Lanes: lanes, FlushInterval: time.Hour})
			first, live := versioned(synthContacts(120, 3, at(-60)), 1)
			later := synthContacts(120, 3, at(-30))
			for i := range later {
				later[i].TalkS += 1000
			}
			second, live2 := versioned(later[:60], 2)
			stored := map[rowKey]time.Time{}
			for i, rows := range [][]ingest.Contact{first, second} {
				id := fmt.Sprint("b", i)
				w := load(t, st, ingest.Batch{ID: id, Kind: ingest.KindContacts}, contacts(rows...))
				if want := supersededByFlushes(rows, 61, stored); w.Superseded() != want {
					t.Fatalf("batch %s: superseded = %d, want %d", id, w.Superseded(), want)
				}
			}
			for k, c := range live2 {
				live[k] = c // every version of the second batch is newer
			}
			checkLive(t, st, live)
		})
	}
}

// TestLanesRouteKeys: a key always lands in the same lane, so two flushes
// of different lanes never hold the same key.
func TestLanesRouteKeys(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{Lanes: 4, FlushInterval: time.Hour})
	w, err := st.Begin(ctx, ingest.Batch{ID: "route", Kind: ingest.KindContacts})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx, nil)
	for i := range 400 {
		c := contact(fmt.Sprint("c", i%100), "", 0, 1, 1, i)
		if err := w.Contact(c); err != nil {
			t.Fatal(err)
		}
	}
	wr := w.(*Writer)
	wr.mu.Lock()
	defer wr.mu.Unlock()
	seen := map[rowKey]int{}
	used := 0
	for lane, cols := range wr.buf.contacts {
		if cols.rows() > 0 {
			used++
		}
		for i := range cols.rows() {
			k := key[ingest.Contact](cols, i)
			if l, ok := seen[k]; ok && l != lane {
				t.Fatalf("key %v in lanes %d and %d", k, l, lane)
			}
			seen[k] = lane
			if st.lanes.of(k) != lane {
				t.Fatalf("key %v buffered in lane %d, routes to %d", k, lane, st.lanes.of(k))
			}
		}
	}
	if len(seen) != 100 || used < 2 {
		t.Fatalf("%d keys over %d lanes, want 100 keys spread over several lanes", len(seen), used)
	}
}

// TestConcurrentWritersSameKeys: writers of one store loading the same
// keys at once leave one live row per key (the lane locks order their
// read-before-write).
func TestConcurrentWritersSameKeys(t *testing.T) {
	st := newStore(t, Options{FlushRows: 90, Lanes: 2})
	var wg sync.WaitGroup
	for wi := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cs []ingest.Contact
			for i := range 200 {
				cs = append(cs, contact(fmt.Sprint("k", (i*7+wi*13)%200), "a1", 0, 1, uint32(wi+1), 0))
			}
			load(t, st, ingest.Batch{ID: fmt.Sprint("w", wi), Kind: ingest.KindContacts}, contacts(cs...))
		}()
	}
	wg.Wait()
	if n := queryInt(t, st, "SELECT count() FROM (SELECT contact_id, sum(sign) AS w FROM contacts GROUP BY contact_id HAVING w != 1)"); n != 0 {
		t.Fatalf("%d keys with a net weight other than 1", n)
	}
	if n := queryInt(t, st, "SELECT count() FROM contacts FINAL"); n != 200 {
		t.Fatalf("%d live rows, want 200", n)
	}
	if n := queryInt(t, st, "SELECT sum(legs) FROM contacts_rollup"); n != 200 {
		t.Fatalf("rollup legs = %d, want 200", n)
	}
}

// TestProbe checks the range probe that decides whether a flush's keys
// are looked up, and replacement through it with keys that need quoting
// or that it does not handle (too many sources, long keys).
func TestProbe(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	stored := []ingest.Contact{contact("k10", "", 0, 1, 1, 0), contact("k20", "", 0, 1, 1, 0)}
	other := contact("k15", "", 0, 1, 1, 0)
	other.Source = "other"
	load(t, st, ingest.Batch{ID: "p", Kind: ingest.KindContacts}, contacts(append(stored, other)...))
	tbl := st.contactsTable()
	for _, tt := range []struct {
		name string
		keys []rowKey
		want bool
	}{
		{"between stored keys", []rowKey{{"test", "k11"}, {"test", "k19"}}, false},
		{"past stored keys", []rowKey{{"test", "k21"}, {"test", "k99"}}, false},
		{"span covers a key", []rowKey{{"test", "k19"}, {"test", "k05"}}, true},
		{"exact key", []rowKey{{"test", "k20"}}, true},
		{"other source's key", []rowKey{{"test", "k30"}, {"other", "k14"}, {"other", "k16"}}, true},
		{"source not stored", []rowKey{{"none", "k10"}, {"none", "k20"}}, false},
		{"too many sources", []rowKey{{"s1", "x"}, {"s2", "x"}, {"s3", "x"}, {"s4", "x"}, {"s5", "x"}, {"s6", "x"}, {"s7", "x"}, {"s8", "x"}, {"s9", "x"}}, true},
		{"long key", []rowKey{{"test", strings.Repeat("z", probeMaxKey+1)}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var keys keyList
			for _, k := range tt.keys {
				keys.add([]byte(k.source), []byte(k.id))
			}
			got, err := tbl.probe(ctx, st, keys.all)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("probe = %v, want %v", got, tt.want)
			}
		})
	}
	for _, id := range []string{`q'uote`, `back\slash`, "what?", "nul\x00byte", "zwölf", strings.Repeat("L", 2*probeMaxKey)} {
		t.Run("replace "+fmt.Sprintf("%.12q", id), func(t *testing.T) {
			src := fmt.Sprintf("src%x", maphash.String(maphash.MakeSeed(), id)%1e6)
			c := contact(id, "a1", 0, 5, 50, 1)
			c.Source = src
			load(t, st, ingest.Batch{ID: src + "1", Kind: ingest.KindContacts}, contacts(c))
			c.TalkS, c.SourceUpdatedAt = 70, at(2)
			load(t, st, ingest.Batch{ID: src + "2", Kind: ingest.KindContacts}, contacts(c))
			if talk, _, _ := liveContact(t, st, src, id); talk != 70 {
				t.Fatalf("talk = %d, want the reload's 70", talk)
			}
		})
	}
	t.Run("replace with many sources", func(t *testing.T) {
		var cs []ingest.Contact
		live := map[rowKey]ingest.Contact{}
		for i := range 2 * probeMaxSources {
			c := contact("m", "a1", i, 1, 10, 1)
			c.Source = fmt.Sprint("many", i)
			cs = append(cs, c)
		}
		load(t, st, ingest.Batch{ID: "many1", Kind: ingest.KindContacts}, contacts(cs...))
		for i := range cs {
			cs[i].TalkS, cs[i].SourceUpdatedAt = 20, at(2)
			live[rowKey{cs[i].Source, "m"}] = cs[i]
		}
		load(t, st, ingest.Batch{ID: "many2", Kind: ingest.KindContacts}, contacts(cs...))
		for k := range live {
			if talk, _, _ := liveContact(t, st, k.source, k.id); talk != 20 {
				t.Fatalf("%v: talk = %d, want 20", k, talk)
			}
		}
	})
}

// TestDedupe compares the in-flush dedupe (sorted fast path, hashed, and
// by key after a hash collision) with a plain reference.
func TestDedupe(t *testing.T) {
	ref := func(cs []ingest.Contact) (win []bool, losers int) {
		win = make([]bool, len(cs))
		latest := map[rowKey]int{}
		for i, c := range cs {
			k := rowKey{c.Source, c.ContactID}
			win[i] = true
			j, ok := latest[k]
			if !ok {
				latest[k] = i
				continue
			}
			losers++
			if !c.SourceUpdatedAt.Before(cs[j].SourceUpdatedAt) {
				win[j], latest[k] = false, i
			} else {
				win[i] = false
			}
		}
		return win, losers
	}
	sorted := synthContacts(300, 5, at(0))
	unsorted, _ := versioned(sorted, 9)
	twoSources := append([]ingest.Contact{}, sorted[:50]...)
	for i := range twoSources {
		if i%2 == 1 {
			twoSources[i].Source = "another"
		}
	}
	for _, tt := range []struct {
		name string
		rows []ingest.Contact
	}{
		{"sorted", sorted},
		{"unsorted with repeats", unsorted},
		{"interleaved sources", twoSources},
		{"one row", sorted[:1]},
		{"same key twice, equal times", []ingest.Contact{sorted[0], sorted[0]}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := contactTable.newCols()
			for i := range tt.rows {
				in.push(&tt.rows[i])
			}
			wantWin, wantLosers := ref(tt.rows)
			var sc laneScratch[ingest.Contact]
			sc.hash.SetSeed(maphash.MakeSeed())
			if losers := sc.dedupe(in); losers != wantLosers || fmt.Sprint(sc.win) != fmt.Sprint(wantWin) {
				t.Fatalf("dedupe: %d losers %v, want %d %v", losers, sc.win, wantLosers, wantWin)
			}
			if losers := sc.dedupeByKey(in); losers != wantLosers || fmt.Sprint(sc.win) != fmt.Sprint(wantWin) {
				t.Fatalf("dedupeByKey: %d losers %v, want %d %v", losers, sc.win, wantLosers, wantWin)
			}
		})
	}
}

// TestFlushBytes: wide rows flush on FlushBytes before FlushRows.
func TestFlushBytes(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{FlushRows: 1_000_000, FlushBytes: 20_000, FlushInterval: time.Hour})
	w, err := st.Begin(ctx, ingest.Batch{ID: "wide", Kind: ingest.KindContacts})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		c := contact(fmt.Sprint("w", i), "", 0, 1, 1, 0)
		c.Disposition = strings.Repeat("d", 1000)
		if err := w.Contact(c); err != nil {
			t.Fatal(err)
		}
	}
	// About 1.3 kB a row: a flush every 16 rows, with FlushInterval an hour
	// away and FlushRows out of reach.
	deadline := time.Now().Add(10 * time.Second)
	for queryInt(t, st, "SELECT count() FROM contacts") < 16 {
		if time.Now().After(deadline) {
			t.Fatal("no flush after 40 rows of 1.3 kB with FlushBytes 20 kB")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := w.Close(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, st, "SELECT count() FROM contacts"); n != 40 {
		t.Fatalf("%d rows after Close, want 40", n)
	}
}

// TestColumnsRoundTrip writes a flush bigger than a send chunk, some of
// whose rows a stored row supersedes (so the rows go out in runs), with
// every nullable and flag shape, and reads the values back.
func TestColumnsRoundTrip(t *testing.T) {
	st := newStore(t, Options{FlushRows: 3 * sendChunk})
	mk := func(i int, updated int) ingest.Contact {
		c := contact(fmt.Sprintf("c%05d", i), fmt.Sprint("a", i%7), i%1000, uint32(i%300), uint32(i%900), updated)
		switch i % 4 {
		case 0:
			c.AnsweredAt, c.TalkS, c.Abandoned = nil, 0, true
		case 1:
			c.Resolved = pbool(true)
		case 2:
			c.Resolved = pbool(false)
			c.Transferred = true
		}
		c.HoldCount = uint16(i % 5)
		c.CustomerID = fmt.Sprint("cust", i%97)
		return c
	}
	// Stored first: every 10th key, newer than the batch's version.
	var stored []ingest.Contact
	for i := 0; i < 2*sendChunk+100; i += 10 {
		stored = append(stored, mk(i, 50))
	}
	load(t, st, ingest.Batch{ID: "stored", Kind: ingest.KindContacts}, contacts(stored...))
	var batch []ingest.Contact
	want := map[string]string{}
	show := func(c ingest.Contact) string {
		resolved := "N"
		if c.Resolved != nil {
			resolved = fmt.Sprint(b2u(*c.Resolved))
		}
		answered := "N"
		if c.AnsweredAt != nil {
			answered = fmt.Sprint(c.AnsweredAt.Unix())
		}
		return fmt.Sprintf("%s %s %s %d %s %d %d %d %d %d %d %s %d", c.ContactID, c.AgentID, c.CustomerID,
			c.StartedAt.Unix(), answered, c.EndedAt.Unix(), c.WaitS, c.TalkS, c.HoldCount,
			b2u(c.Abandoned), b2u(c.Transferred), resolved, c.SourceUpdatedAt.Unix())
	}
	for _, c := range stored {
		want[c.ContactID] = show(c)
	}
	for i := range 2*sendChunk + 100 {
		c := mk(i, 10)
		c.WaitS++ // differs from the stored version
		batch = append(batch, c)
		if i%10 != 0 {
			want[c.ContactID] = show(c)
		}
	}
	w := load(t, st, ingest.Batch{ID: "batch", Kind: ingest.KindContacts}, contacts(batch...))
	if got := w.Superseded(); got != int64(len(stored)) {
		t.Fatalf("superseded = %d, want %d", got, len(stored))
	}
	got := queryStrings(t, st, `SELECT concat(contact_id, ' ', agent_id, ' ', customer_id, ' ', toString(toUInt32(started_at)), ' ',
		ifNull(toString(toUInt32(answered_at)), 'N'), ' ', toString(toUInt32(ended_at)), ' ', toString(wait_s), ' ',
		toString(talk_s), ' ', toString(hold_count), ' ', toString(abandoned), ' ', toString(transferred), ' ',
		ifNull(toString(resolved), 'N'), ' ', toString(toUInt32(source_updated_at))) FROM contacts FINAL`)
	if len(got) != len(want) {
		t.Fatalf("%d live rows, want %d", len(got), len(want))
	}
	for _, g := range got {
		id, _, _ := strings.Cut(g, " ")
		if want[id] != g {
			t.Fatalf("row %s read back as\n%s, want\n%s", id, g, want[id])
		}
	}
}

// TestLiveOfSharedHash: live rows are found by the hash of their key;
// rows of another key that share the hash are left out.
func TestLiveOfSharedHash(t *testing.T) {
	in, stored := contactTable.newCols(), contactTable.newCols()
	a, b := contact("a", "", 0, 1, 1, 0), contact("b", "", 0, 1, 1, 0)
	in.push(&a)
	for _, c := range []ingest.Contact{b, a, b} {
		stored.add(&c, rowMeta{sign: 1})
	}
	st := storedRows[ingest.Contact]{rows: stored}
	st.hash.SetSeed(maphash.MakeSeed())
	h := hashKey[ingest.Contact](&st.hash, in, 0)
	for _, js := range [][]int32{{1}, {0, 1, 2}} {
		st.live = map[uint64][]int32{h: js}
		if got := st.liveOf(in, 0); fmt.Sprint(got) != "[1]" {
			t.Fatalf("live rows of a with bucket %v = %v, want [1]", js, got)
		}
	}
	st.live = map[uint64][]int32{h + 1: {1}}
	if got := st.liveOf(in, 0); len(got) != 0 {
		t.Fatalf("live rows of a from another bucket: %v", got)
	}
}
