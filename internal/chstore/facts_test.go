package chstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/metrics"
)

// checkFacts fails t unless the stored facts equal a recomputation from
// the raw rows, with no day stale or missing.
func checkFacts(t *testing.T, st *Store, when string) FactsReport {
	t.Helper()
	rep, err := st.CheckFacts(context.Background())
	if err != nil {
		t.Fatalf("%s: check facts: %v", when, err)
	}
	if len(rep.Stale) > 0 || len(rep.Missing) > 0 {
		t.Errorf("%s: stale days %v, missing days %v", when, rep.Stale, rep.Missing)
	}
	if len(rep.Diffs) > 0 {
		t.Errorf("%s: stored facts differ from the raw rows:\n%s", when, strings.Join(rep.Diffs, "\n"))
	}
	return rep
}

// factsScenario are batches whose result must not depend on their
// order: two legs of one contact (the second transferred to, ending
// later), a repeat contact of the same customer three days on, an
// abandon, surveys naming either leg or no contact, a correction of leg
// 2 (another agent), a stale version of leg 1, a roster, agent states and
// schedules.
func factsScenario() map[string]func(ingest.Writer) error {
	leg1 := contact("c1", "a1", 0, 10, 200, 0)
	leg1.CustomerID, leg1.Transferred = "cust-1", true
	leg2 := contact("c1-2", "a2", 4, 0, 300, 0)
	leg2.InitialContactID, leg2.CustomerID = "c1", "cust-1"
	fixed := leg2
	fixed.AgentID, fixed.SourceUpdatedAt = "a3", at(60)
	stale := leg1
	stale.AgentID, stale.TalkS, stale.SourceUpdatedAt = "a9", 9999, at(-60)
	repeat := contact("c2", "a1", 3*24*60, 30, 100, 3*24*60)
	repeat.CustomerID = "cust-1"
	abandon := contact("c3", "", 30, 40, 0, 30)
	abandon.AnsweredAt, abandon.Abandoned, abandon.EndedAt = nil, true, at(31)
	anon := contact("c4", "a2", 60, 5, 50, 60)
	anon.CustomerID = "anonymous"
	survey := func(id, contactID string, nps uint8, minute int) ingest.Survey {
		return ingest.Survey{Source: "test", ResponseID: id, ContactID: contactID, RespondedAt: at(minute),
			NPS: pu8(nps), Comment: "comment " + id}
	}
	return map[string]func(ingest.Writer) error{
		"leg 1":      contacts(leg1),
		"leg 2":      contacts(leg2),
		"correction": contacts(fixed),
		"stale":      contacts(stale),
		"repeat":     contacts(repeat, abandon, anon),
		"surveys": surveys(survey("s1", "c1", 10, 90), survey("s2", "c1-2", 3, 24*60+10),
			survey("s3", "", 9, 100), survey("s4", "nope", 6, 110)),
		"roster": agents(
			ingest.Agent{AgentID: "a1", Team: "North", Site: "Riverbend", ValidFrom: at(-10 * 24 * 60)},
			ingest.Agent{AgentID: "a2", Team: "South", Site: "Riverbend", ValidFrom: at(-10 * 24 * 60)},
			ingest.Agent{AgentID: "a3", Team: "South", Site: "Lakeside", ValidFrom: at(-10 * 24 * 60)}),
		"states": func(w ingest.Writer) error {
			for i, s := range []string{"available", "on_contact", "acw", "break"} {
				if err := w.State(ingest.AgentState{AgentID: "a1", State: s, Start: at(i * 30), End: at(i*30 + 25)}); err != nil {
					return err
				}
			}
			return nil
		},
		"schedules": func(w ingest.Writer) error {
			return w.Schedule(ingest.Schedule{AgentID: "a1", Activity: "work", Start: at(0), End: at(120)})
		},
	}
}

// The facts equal a recomputation from the raw rows after every batch,
// whatever order the batches arrive in, and every order ends with the
// same org, team and agent sums.
func TestFactsEqualRawInEveryArrivalOrder(t *testing.T) {
	// Contacts take their team from the roster when they are loaded, so
	// the sums are compared among the orders that load the roster first;
	// the facts must equal the raw rows in every order.
	orders := [][]string{
		{"roster", "leg 1", "leg 2", "repeat", "surveys", "correction", "stale", "states", "schedules"},
		{"roster", "surveys", "leg 2", "leg 1", "stale", "correction", "repeat", "schedules", "states"},
		{"roster", "correction", "surveys", "stale", "repeat", "leg 1", "states", "schedules", "leg 2"},
		{"roster", "repeat", "states", "correction", "leg 2", "surveys", "schedules", "leg 1", "stale"},
		{"surveys", "leg 2", "repeat", "leg 1", "correction", "states", "schedules", "stale", "roster"},
	}
	var want string
	for i, order := range orders {
		t.Run(fmt.Sprint("order ", i), func(t *testing.T) {
			st := newStore(t, Options{})
			cfg := metrics.Default()
			cfg.Timezone = "America/Chicago" // business days straddle UTC days
			st.UseConfig(mustLocation(t, cfg))
			batches := factsScenario()
			for _, name := range order {
				kind := ingest.KindContacts
				switch name {
				case "surveys":
					kind = ingest.KindSurveys
				case "roster":
					kind = ingest.KindAgents
				case "states":
					kind = ingest.KindStates
				case "schedules":
					kind = ingest.KindSchedules
				}
				load(t, st, ingest.Batch{Kind: kind, Source: "test"}, batches[name])
				checkFacts(t, st, "after "+name)
			}
			got := factsSummary(t, st)
			if order[0] != "roster" {
				return
			}
			if want == "" {
				want = got
				if !strings.Contains(got, "a3") || !strings.Contains(got, "fcr_known") {
					t.Errorf("the scenario's facts miss the correction or FCR:\n%s", got)
				}
			} else if got != want {
				t.Errorf("the order %v ends with other sums:\n%s\nwant (first order):\n%s", order, got, want)
			}
		})
	}
}

// mustLocation returns cfg validated (its location loaded).
func mustLocation(t *testing.T, cfg metrics.Config) metrics.Config {
	t.Helper()
	b := fmt.Appendf(nil, "timezone: %s\n", cfg.Timezone)
	out, err := metrics.ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// factsSummary prints the org, team and agent sums of the scenario's
// week, from the stored facts.
func factsSummary(t *testing.T, st *Store) string {
	t.Helper()
	q := st.factsQuery()
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, q.Location)
	to := time.Date(2024, 3, 15, 0, 0, 0, 0, q.Location)
	var b strings.Builder
	for _, lv := range []metrics.Level{metrics.LevelOrg, metrics.LevelTeam, metrics.LevelAgent} {
		cq := q
		cq.Level, cq.From, cq.To = lv, from, to
		facts, err := st.Facts(context.Background(), cq)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range facts.Group(lv, "", from, q.Location) {
			if nz := nonZero(g.Counts); nz != "" { // a replaced row's cancelled group sums to zero
				fmt.Fprintf(&b, "%s %s %s\n", lv, g.Key, nz)
			}
		}
	}
	sv, err := st.SurveyFacts(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sv {
		fmt.Fprintf(&b, "survey %s agent=%s team=%s linked=%t\n", s.ResponseID, s.AgentID, s.Team, s.Linked)
	}
	return b.String()
}

// nonZero shows the non-zero fields of c by name.
func nonZero(c metrics.Counts) string {
	var parts []string
	for i, p := range c.Fields() {
		if *p != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", metrics.CountsFieldNames()[i], *p))
		}
	}
	return strings.Join(parts, " ")
}

// Answers read the stored facts: a day whose facts were refreshed is not
// recomputed, and a day touched by a load that has not refreshed yet
// keeps its last generation until the refresh, when the new rows appear.
func TestFactsServeTheStoredGeneration(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	st.UseConfig(metrics.Default())
	load(t, st, ingest.Batch{Kind: ingest.KindContacts, Source: "test"}, contacts(contact("c1", "a1", 0, 5, 60, 0)))
	q := st.factsQuery()
	q.From = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	q.To = q.From.AddDate(0, 0, 1)
	legs := func() int64 { return orgLegs(t, st, q) }
	if n := legs(); n != 1 {
		t.Fatalf("legs after the first load = %d, want 1", n)
	}
	// A writer that stops after its insert (a crash before Close): the
	// day is dirty, answers keep the last generation.
	w, err := st.Begin(ctx, ingest.Batch{Kind: ingest.KindContacts, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Contact(contact("c2", "a1", 10, 5, 60, 10)); err != nil {
		t.Fatal(err)
	}
	if err := w.(*Writer).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := legs(); n != 1 {
		t.Errorf("legs before any refresh = %d, want the stored generation's 1", n)
	}
	rep, err := st.CheckFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The day loaded into, and the FCR window's days before it (their
	// contacts may have become repeats).
	reach := 1 + metrics.Default().FCR.WindowDays
	if len(rep.Stale) != reach {
		t.Errorf("stale days = %v, want the day loaded into and the %d before it", rep.Stale, reach-1)
	}
	// serve's repair waits for a minute's quiet; a refresh without a
	// minimum age takes it now.
	if days, err := st.RefreshFacts(ctx, time.Hour); err != nil || len(days) != 0 {
		t.Errorf("refresh with an hour's minimum age: %v, %v; want nothing refreshed", days, err)
	}
	if days, err := st.RefreshFacts(ctx, 0); err != nil || len(days) != reach {
		t.Errorf("refresh: %v, %v; want %d days", days, err, reach)
	}
	if n := legs(); n != 2 {
		t.Errorf("legs after the refresh = %d, want 2", n)
	}
	checkFacts(t, st, "after the refresh")
	if err := w.Close(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// Rows written around the writer (INSERT ... SELECT) are not in the facts
// until MarkAllDirty and a refresh (`servicecard facts rebuild`); days
// never refreshed are computed live meanwhile.
func TestFactsRebuild(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	st.UseConfig(metrics.Default())
	load(t, st, ingest.Batch{Kind: ingest.KindContacts, Source: "test"}, contacts(contact("c1", "a1", 0, 5, 60, 0)))
	err := st.Conn().Exec(ctx, `INSERT INTO contacts (source, contact_id, channel, direction, queue, agent_id, started_at,
		answered_at, ended_at, wait_s, talk_s, sign, version)
		SELECT 'gen', toString(number), 'voice', 'inbound', 'sales', 'a1', toDateTime('2024-03-10 10:00:00', 'UTC'),
		toDateTime('2024-03-10 10:00:05', 'UTC'), toDateTime('2024-03-10 10:01:00', 'UTC'), 5, 55, 1, 1 FROM numbers(50)`)
	if err != nil {
		t.Fatal(err)
	}
	q := st.factsQuery()
	q.From, q.To = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC)
	org := func() int64 { return orgLegs(t, st, q) }
	if n := org(); n != 1 {
		t.Errorf("legs before the rebuild = %d, want 1 (the generated rows are not marked)", n)
	}
	if err := st.MarkAllDirty(ctx); err != nil {
		t.Fatal(err)
	}
	if n := org(); n != 51 {
		t.Errorf("legs once marked, before the refresh = %d, want 51 (the new day is computed live)", n)
	}
	if _, err := st.RefreshFacts(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if n := org(); n != 51 {
		t.Errorf("legs after the rebuild = %d, want 51", n)
	}
	checkFacts(t, st, "after the rebuild")
}

// Old generations are deleted once newer ones are current; the current
// ones stay and answers do not change.
func TestCollectFacts(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	st.UseConfig(metrics.Default())
	load(t, st, ingest.Batch{Kind: ingest.KindContacts, Source: "test"}, contacts(contact("c1", "a1", 0, 5, 60, 0)))
	load(t, st, ingest.Batch{Kind: ingest.KindContacts, Source: "test"}, contacts(contact("c2", "a1", 5, 5, 60, 0)))
	gens := func() int64 {
		return queryInt(t, st, "SELECT uniqExact(gen) FROM facts_daily")
	}
	if n := gens(); n != 2 {
		t.Fatalf("generations before collecting = %d, want 2", n)
	}
	if err := st.CollectFacts(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	waitMutations(t, st)
	if n := gens(); n != 2 {
		t.Fatalf("generations after collecting those over an hour old = %d, want both (they are new)", n)
	}
	if err := st.CollectFacts(ctx, 0); err != nil {
		t.Fatal(err)
	}
	waitMutations(t, st)
	if n := gens(); n != 1 {
		t.Errorf("generations after collecting = %d, want the current one", n)
	}
	checkFacts(t, st, "after collecting")
}

// waitMutations waits until the database's mutations are done.
func waitMutations(t *testing.T, st *Store) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for queryInt(t, st, "SELECT count() FROM system.mutations WHERE database = currentDatabase() AND NOT is_done") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("mutations not done within 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLoadRefreshesItsOwnDays checks what a load refreshes when it
// closes: its own days when they are few, even while other days wait
// for serve; none when it is a backfill of more than loadRefreshDays days
// (answers stay exact: days without facts are computed live).
func TestLoadRefreshesItsOwnDays(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	st.UseConfig(metrics.Default())
	day := 24 * 60 // at() counts minutes
	var backfill []ingest.Contact
	for i := range loadRefreshDays + 9 {
		backfill = append(backfill, contact(fmt.Sprintf("b%d", i), "a1", i*day, 5, 60, 0))
	}
	load(t, st, ingest.Batch{Kind: ingest.KindContacts, Source: "test"}, contacts(backfill...))
	versions, err := st.FactsVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 0 {
		t.Errorf("a backfill of %d days refreshed %d of them itself, want none (serve does)", len(backfill), len(versions))
	}
	q := st.factsQuery()
	q.From, q.To = at(0).Truncate(24*time.Hour), at(len(backfill)*day).Truncate(24*time.Hour).AddDate(0, 0, 1)
	if legs := orgLegs(t, st, q); legs != int64(len(backfill)) {
		t.Errorf("before any refresh the org counts %d legs, want %d (computed live)", legs, len(backfill))
	}

	// A one-day correction while the backfill's days still wait: the
	// load refreshes its day, and only it.
	fix := contact("b3", "a1", 3*day, 5, 90, 10)
	load(t, st, ingest.Batch{Kind: ingest.KindContacts, Source: "test"}, contacts(fix))
	if versions, err = st.FactsVersions(ctx); err != nil {
		t.Fatal(err)
	}
	// Its day and, for repeat-contact FCR, the window days before it.
	first, last := q.touches(dayOf(fix.StartedAt))
	if len(versions) != int(last-first+1) || versions[fix.StartedAt.UTC().Truncate(24*time.Hour)] == 0 {
		t.Errorf("after a one-day correction the days with facts are %v, want %s to %s", versions, first, last)
	}
	for d := range versions {
		if n := dayOf(d); n < first || n > last {
			t.Errorf("the correction refreshed %s, outside %s to %s", n, first, last)
		}
	}
	if _, err := st.RefreshFacts(ctx, 0); err != nil {
		t.Fatal(err)
	}
	checkFacts(t, st, "after serve's refresh")
}

// orgLegs is the org's legs over q's range, from the facts as answers
// read them.
func orgLegs(t *testing.T, st *Store, q CountsQuery) int64 {
	t.Helper()
	facts, err := st.Facts(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, g := range facts.Group(metrics.LevelOrg, "", q.From, time.UTC) {
		n += g.Counts.Legs
	}
	return n
}
