package chstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// synthContacts makes n contacts (some with a second, transferred-to leg)
// over two days, all with source_updated_at = updated.
func synthContacts(n int, seed uint64, updated time.Time) []ingest.Contact {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	teams := []string{"north", "south"}
	var out []ingest.Contact
	for i := range n {
		start := t0.Add(time.Duration(r.IntN(2*24*3600)) * time.Second)
		c := ingest.Contact{
			ContactID: fmt.Sprintf("r%05d", i), Source: "synth", Channel: []string{"voice", "chat"}[r.IntN(2)],
			Direction: "inbound", Queue: []string{"sales", "support"}[r.IntN(2)],
			CustomerID: fmt.Sprintf("cust%d", r.IntN(n/3+1)), StartedAt: start, SourceUpdatedAt: updated,
		}
		switch x := r.IntN(20); {
		case x == 0:
			c.Direction, c.Queue = "outbound", ""
		case x == 1:
			c.Queue = "" // inbound straight to an agent
		case x == 2:
			c.InitialContactID = c.ContactID // some sources name the root itself
		}
		c.WaitS = uint32(r.IntN(400))
		if r.IntN(100) < 15 {
			c.Abandoned = true
			c.WaitS = uint32(r.IntN(40))
			c.EndedAt = start.Add(time.Duration(c.WaitS) * time.Second)
			out = append(out, c)
			continue
		}
		agent := r.IntN(8)
		c.AgentID, c.Team, c.Site = fmt.Sprintf("a%d", agent), teams[agent%2], "lyon"
		ans := start.Add(time.Duration(c.WaitS) * time.Second)
		c.AnsweredAt = &ans
		c.TalkS = uint32(30 + r.IntN(900))
		if r.IntN(100) < 40 {
			c.HoldS, c.HoldCount = uint32(10+r.IntN(200)), uint16(1+r.IntN(3))
		}
		c.AcwS = uint32(r.IntN(120))
		c.EndedAt = ans.Add(time.Duration(c.TalkS+c.HoldS) * time.Second)
		switch r.IntN(10) {
		case 0, 1, 2:
		case 3, 4:
			c.Resolved = pbool(false)
		default:
			c.Resolved = pbool(true)
		}
		if r.IntN(100) < 15 {
			c.Transferred = true
			leg := c
			leg.ContactID, leg.InitialContactID = c.ContactID+"-2", c.ContactID
			leg.Transferred, leg.Resolved = false, pbool(true)
			agent2 := (agent + 1 + r.IntN(7)) % 8
			leg.AgentID, leg.Team = fmt.Sprintf("a%d", agent2), teams[agent2%2]
			leg.StartedAt = c.EndedAt
			leg.WaitS = uint32(r.IntN(30))
			a2 := leg.StartedAt.Add(time.Duration(leg.WaitS) * time.Second)
			leg.AnsweredAt = &a2
			leg.TalkS, leg.HoldS, leg.HoldCount = uint32(20+r.IntN(300)), 0, 0
			leg.EndedAt = a2.Add(time.Duration(leg.TalkS) * time.Second)
			out = append(out, c, leg)
			continue
		}
		out = append(out, c)
	}
	return out
}

// expectedRollup computes the rollup columns' totals from the live
// contacts, independently of the SQL.
func expectedRollup(live map[rowKey]ingest.Contact) map[string]int64 {
	m := map[string]int64{}
	b := func(v bool) int64 {
		if v {
			return 1
		}
		return 0
	}
	for _, c := range live {
		first := c.InitialContactID == "" || c.InitialContactID == c.ContactID
		offered := first && c.Direction == "inbound" && c.Queue != ""
		handled := c.AnsweredAt != nil
		answered := offered && handled
		abandon := offered && c.Abandoned
		m["contact_count"] += b(first)
		m["offered"] += b(offered)
		m["answered"] += b(answered)
		m["abandons"] += b(abandon)
		if answered {
			m["wait_answered_sum_s"] += int64(c.WaitS)
		}
		for _, t := range []uint32{10, 15, 20, 30, 45, 60, 90, 120, 180, 300} {
			m[fmt.Sprintf("answered_within_%d", t)] += b(answered && c.WaitS <= t)
		}
		for _, s := range []uint32{3, 5, 10} {
			m[fmt.Sprintf("short_abandons_%d", s)] += b(abandon && c.WaitS < s)
		}
		m["handled_contacts"] += b(first && handled)
		m["legs"]++
		m["handled"] += b(handled)
		if handled {
			m["handle_sum_s"] += int64(c.TalkS + c.HoldS + c.AcwS)
			m["talk_sum_s"] += int64(c.TalkS)
			m["hold_sum_s"] += int64(c.HoldS)
			m["acw_sum_s"] += int64(c.AcwS)
		}
		m["transfers"] += b(c.Transferred)
		m["held"] += b(handled && c.HoldS > 0)
		m["resolved_known"] += b(c.Resolved != nil)
		m["resolved_true"] += b(c.Resolved != nil && *c.Resolved)
	}
	return m
}

var viewColumn = regexp.MustCompile(`(?m)^\s+((?:if|toInt64)\(.*\)) AS (\w+),?$`)

// rollupExprs returns the view's per-row expressions by column name, read
// from its migration, so contacts can be aggregated the same way.
func rollupExprs(t *testing.T) (names []string, exprs map[string]string) {
	t.Helper()
	b, err := migrationFS.ReadFile("migrations/0005_contacts_rollup.sql")
	if err != nil {
		t.Fatal(err)
	}
	exprs = map[string]string{}
	for _, m := range viewColumn.FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[2])
		exprs[m[2]] = m[1]
	}
	if len(names) < 25 {
		t.Fatalf("found %d view columns in the migration", len(names))
	}
	return names, exprs
}

func scanTotals(t *testing.T, st *Store, names []string, q string) map[string]int64 {
	t.Helper()
	vals := make([]int64, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := st.Conn().QueryRow(context.Background(), q).Scan(ptrs...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out := map[string]int64{}
	for i, n := range names {
		out[n] = vals[i]
	}
	return out
}

func diffTotals(want, got map[string]int64) string {
	var d []string
	for k, v := range want {
		if got[k] != v {
			d = append(d, fmt.Sprintf("%s: got %d, want %d", k, got[k], v))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// groupedRows returns "key=values" lines of a grouped query, sorted.
func groupedRows(t *testing.T, st *Store, q string) []string {
	t.Helper()
	return queryStrings(t, st, "SELECT concat(k, '=', v) FROM ("+q+") ORDER BY k")
}

func TestRollupMatchesFinal(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{FlushRows: 700})
	names, exprs := rollupExprs(t)
	var rollupSel, viewSel []string
	for _, n := range names {
		rollupSel = append(rollupSel, "toInt64(sum("+n+"))")
		viewSel = append(viewSel, "toInt64(sum("+exprs[n]+"))")
	}
	qRollup := "SELECT " + strings.Join(rollupSel, ", ") + " FROM contacts_rollup"
	qFinal := "SELECT " + strings.Join(viewSel, ", ") + " FROM contacts FINAL"
	qRaw := "SELECT " + strings.Join(viewSel, ", ") + " FROM contacts" // weighted by sign

	// Per business day in a +05:45 zone (15-minute offsets bucket exactly)
	// and agent: the rollup against contacts FINAL.
	const tz = "Asia/Kathmandu"
	qDayRollup := fmt.Sprintf(`SELECT concat(toString(toDate(bucket, '%s')), '/', agent_id) AS k,
		concat(toString(sum(legs)), ',', toString(sum(offered)), ',', toString(sum(talk_sum_s)), ',', toString(sum(answered_within_20))) AS v
		FROM contacts_rollup GROUP BY k HAVING sum(legs) != 0`, tz)
	qDayFinal := fmt.Sprintf(`SELECT concat(toString(toDate(started_at, '%s')), '/', agent_id) AS k,
		concat(toString(sum(%s)), ',', toString(sum(%s)), ',', toString(sum(%s)), ',', toString(sum(%s))) AS v
		FROM contacts FINAL GROUP BY k`, tz, exprs["legs"], exprs["offered"], exprs["talk_sum_s"], exprs["answered_within_20"])

	live := map[rowKey]ingest.Contact{}
	apply := func(cs []ingest.Contact) {
		for _, c := range cs {
			k := rowKey{c.Source, c.ContactID}
			if old, ok := live[k]; !ok || !c.SourceUpdatedAt.Before(old.SourceUpdatedAt) {
				live[k] = c
			}
		}
	}
	u0, u1, u2 := at(-600), at(-300), at(-60)
	base := synthContacts(3000, 1, u1)

	var corrected []ingest.Contact
	for i, c := range base {
		if i%7 != 0 {
			continue
		}
		c.SourceUpdatedAt = u2
		c.WaitS = (c.WaitS + 17) % 400 // crosses thresholds both ways
		if c.AnsweredAt != nil {
			c.TalkS += 45
			c.HoldS = 0
		}
		corrected = append(corrected, c)
	}
	// Plus new keys: the same seed repeats base's contacts first.
	corrected = append(corrected, synthContacts(3100, 1, u2)[len(base):]...)
	var stale []ingest.Contact
	for i, c := range base {
		if i%5 != 0 {
			continue
		}
		c.SourceUpdatedAt = u0
		c.WaitS, c.TalkS, c.AnsweredAt, c.Abandoned = 1, 9999, nil, true
		stale = append(stale, c)
	}

	stages := []struct {
		name    string
		rows    []ingest.Contact
		wantSup int64
	}{
		{"load", base, 0},
		{"reload", base, 0},
		{"corrected", corrected, 0},
		{"stale", stale, int64(len(stale))},
	}
	check := func(t *testing.T) {
		want := expectedRollup(live)
		for _, q := range []struct{ name, sql string }{{"rollup", qRollup}, {"FINAL", qFinal}, {"sign-weighted", qRaw}} {
			if d := diffTotals(want, scanTotals(t, st, names, q.sql)); d != "" {
				t.Errorf("%s totals differ from the expected numbers:\n%s", q.name, d)
			}
		}
		a, b := groupedRows(t, st, qDayRollup), groupedRows(t, st, qDayFinal)
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("per day (%s) and agent: rollup %d rows != FINAL %d rows\nrollup: %.300v\nFINAL:  %.300v", tz, len(a), len(b), a, b)
		}
	}
	for i, s := range stages {
		t.Run(s.name, func(t *testing.T) {
			w := load(t, st, ingest.Batch{ID: fmt.Sprintf("stage%d", i), Kind: ingest.KindContacts}, contacts(s.rows...))
			apply(s.rows)
			if w.Superseded() != s.wantSup {
				t.Errorf("superseded = %d, want %d", w.Superseded(), s.wantSup)
			}
			check(t)
		})
	}
	if want := int64(len(live)); queryInt(t, st, "SELECT count() FROM contacts FINAL") != want {
		t.Fatalf("contacts FINAL rows != %d live keys", want)
	}
	t.Run("after merges", func(t *testing.T) {
		for _, q := range []string{"OPTIMIZE TABLE contacts FINAL", "OPTIMIZE TABLE contacts_rollup FINAL"} {
			if err := st.Conn().Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		check(t)
		if got, want := queryInt(t, st, "SELECT count() FROM contacts"), int64(len(live)); got != want {
			t.Errorf("after OPTIMIZE FINAL contacts holds %d rows, want %d (cancel pairs collapsed)", got, want)
		}
	})
}
