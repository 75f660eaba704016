package chstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// countsFixture loads a small contact center whose sums are worked out by
// hand in the comments of TestCounts.
func countsFixture(t *testing.T) *Store {
	t.Helper()
	st := newStore(t, Options{})
	b := func(kind ingest.Kind) ingest.Batch {
		return ingest.Batch{ID: NewBatchID(), Source: "test", Kind: kind, Format: ingest.FormatCSV}
	}
	load(t, st, b(ingest.KindAgents), agents(
		ingest.Agent{AgentID: "a1", Team: "red", Site: "north", ValidFrom: ingest.MinTime},
		ingest.Agent{AgentID: "a2", Team: "red", Site: "north", ValidFrom: ingest.MinTime},
		ingest.Agent{AgentID: "b1", Team: "blue", Site: "south", ValidFrom: ingest.MinTime},
	))
	// Monday 2024-03-04, UTC. c1 (a1, wait 10, talk 100) is transferred to
	// c1b (a2, talk 50); c2 (a1, wait 30, talk 200, hold 20); c3 abandoned
	// after 3 s (short), c4 abandoned after 40 s; c5 (b1, wait 5, talk 60) by
	// customer k1, who calls again 2 days later (c6, b1, wait 5, talk 60).
	c1 := contact("c1", "a1", 0, 10, 100, 0)
	c1.Transferred, c1.CustomerID = true, "k0"
	c1b := contact("c1b", "a2", 3, 0, 50, 3)
	c1b.InitialContactID = "c1"
	c2 := contact("c2", "a1", 10, 30, 200, 10)
	c2.HoldS = 20
	c3 := ingest.Contact{ContactID: "c3", Source: "test", Channel: "voice", Direction: "inbound", Queue: "sales",
		StartedAt: at(20), EndedAt: at(20).Add(3 * time.Second), WaitS: 3, Abandoned: true, SourceUpdatedAt: at(20)}
	c4 := c3
	c4.ContactID, c4.WaitS, c4.EndedAt = "c4", 40, at(20).Add(40*time.Second)
	c5 := contact("c5", "b1", 30, 5, 60, 30)
	c5.Queue, c5.CustomerID = "support", "k1"
	c6 := contact("c6", "b1", 30+2*24*60, 5, 60, 30+2*24*60)
	c6.Queue, c6.CustomerID = "support", "k1"
	load(t, st, b(ingest.KindContacts), contacts(c1, c1b, c2, c3, c4, c5, c6))
	// Surveys: c1 -> attributed to its last leg (a2), NPS 10; c2 -> a1, NPS 3,
	// CSAT 2; an unlinked one with NPS 9 (org only).
	load(t, st, b(ingest.KindSurveys), surveys(
		ingest.Survey{ResponseID: "s1", Source: "test", ContactID: "c1", RespondedAt: at(60), NPS: pu8(10)},
		ingest.Survey{ResponseID: "s2", Source: "test", ContactID: "c2", RespondedAt: at(60), NPS: pu8(3), CSAT: pu8(2)},
		ingest.Survey{ResponseID: "s3", Source: "test", RespondedAt: at(60), NPS: pu8(9)},
	))
	// a1: scheduled work 09:00-10:00; available 09:00-09:30, on contact
	// 09:30-09:50, break 09:50-10:00 => adherent 50 min, occupied 20 min,
	// staffed 50 min.
	w, err := st.Begin(context.Background(), b(ingest.KindStates))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []ingest.AgentState{
		{AgentID: "a1", State: ingest.StateAvailable, Start: at(0), End: at(30)},
		{AgentID: "a1", State: ingest.StateOnContact, Start: at(30), End: at(50)},
		{AgentID: "a1", State: ingest.StateBreak, Start: at(50), End: at(60)},
	} {
		if err := w.State(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Schedule(ingest.Schedule{AgentID: "a1", Activity: "work", Start: at(0), End: at(60)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(context.Background(), &ingest.Summary{Status: "done"}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCounts(t *testing.T) {
	st := countsFixture(t)
	cfg := metrics.Default()
	week := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	q := func(level metrics.Level, grain metrics.Grain, teams ...string) map[string]GroupCounts {
		t.Helper()
		gs, err := st.Counts(context.Background(), CountsQueryFor(cfg, level, grain, week, week.AddDate(0, 0, 7), teams))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]GroupCounts{}
		for _, g := range gs {
			out[g.Key+"@"+g.PeriodStart.Format("01-02")] = g
		}
		return out
	}

	org := q(metrics.LevelOrg, metrics.GrainWeek)["org@03-04"].Counts
	want := metrics.Counts{
		// first legs c1 c2 c3 c4 c5 c6: 6 offered, 4 answered, 2 abandoned.
		Offered: 6, Answered: 4, Abandoned: 2, WaitAnsweredS: 10 + 30 + 5 + 5,
		AnsweredWithin: 3, ShortAbandons: 1, HandledContacts: 4, // c2 waited 30 s > 20 s
		Legs: 7, Handled: 5, HandleS: 100 + 50 + 220 + 60 + 60, TalkS: 470, HoldS: 20,
		Transferred: 1, Held: 1,
		// repeat FCR: known customers k0 (c1, resolved) and k1 (c5 repeats
		// within 7 days: not resolved; c6 resolved).
		FCRKnown: 3, FCRResolved: 2,
		OccupiedS: 20 * 60, AvailableS: 50 * 60, ScheduledS: 60 * 60, AdherentS: 50 * 60,
		SurveysLinked: 2, NPSN: 3, Promoters: 2, Detractors: 1, CSATN: 1, CSATSatisfied: 0,
		CESN: 0, CESSum: 0, CESSumSq: 0,
	}
	if org != want {
		t.Errorf("org week counts\n got %+v\nwant %+v", org, want)
	}

	agents := q(metrics.LevelAgent, metrics.GrainWeek)
	a1, a2 := agents["a1@03-04"], agents["a2@03-04"]
	if a1.Team != "red" || a1.Counts.Handled != 2 || a1.Counts.HandleS != 320 || a1.Counts.Detractors != 1 || a1.Counts.Promoters != 0 {
		t.Errorf("a1 = %+v", a1)
	}
	if a2.Counts.Promoters != 1 || a2.Counts.Handled != 1 || a2.Counts.Offered != 0 {
		t.Errorf("a2 (second leg, survey attributed to the last leg) = %+v", a2)
	}

	teams := q(metrics.LevelTeam, metrics.GrainDay, "blue")
	if len(teams) != 2 {
		t.Fatalf("blue by day: want 2 days (c5 Monday, c6 Wednesday), got %v", teams)
	}
	if mon := teams["blue@03-04"].Counts; mon.Offered != 1 || mon.FCRKnown != 1 || mon.FCRResolved != 0 {
		t.Errorf("blue Monday = %+v", mon)
	}

	queues := q(metrics.LevelQueue, metrics.GrainMonth)
	if s := queues["sales@03-01"].Counts; s.Offered != 4 || s.ScheduledS != 0 {
		t.Errorf("queue sales month = %+v", s)
	}
}

// A contact at 23:30 local on Sunday belongs to Sunday's day and the week
// before, in the business zone, not in UTC.
func TestCountsBusinessZone(t *testing.T) {
	st := newStore(t, Options{})
	ny, _ := time.LoadLocation("America/New_York")
	// 2024-03-10 is the US DST change; 23:30 EDT Sunday = 03:30Z Monday.
	local := time.Date(2024, 3, 10, 23, 30, 0, 0, ny)
	c := contact("late", "a1", 0, 5, 60, 0)
	c.StartedAt, c.AnsweredAt, c.EndedAt, c.SourceUpdatedAt = local, ptime(local.Add(5*time.Second)), local.Add(65*time.Second), local
	load(t, st, ingest.Batch{ID: NewBatchID(), Source: "test", Kind: ingest.KindContacts}, contacts(c))
	cfg := metrics.Default()
	cfg.Timezone = "America/New_York"
	for _, tc := range []struct {
		grain metrics.Grain
		want  string
	}{
		{metrics.GrainDay, "2024-03-10"},
		{metrics.GrainWeek, "2024-03-04"},
		{metrics.GrainMonth, "2024-03-01"},
	} {
		t.Run(string(tc.grain), func(t *testing.T) {
			q := CountsQueryFor(cfg, metrics.LevelOrg, tc.grain, time.Date(2024, 3, 1, 0, 0, 0, 0, ny), time.Date(2024, 3, 20, 0, 0, 0, 0, ny), nil)
			q.Location = ny
			gs, err := st.Counts(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 1 || gs[0].PeriodStart.Format("2006-01-02") != tc.want || gs[0].Counts.Offered != 1 {
				t.Fatalf("got %+v, want one period %s", gs, tc.want)
			}
			if gs[0].PeriodStart.Location() != ny {
				t.Errorf("period start in %v, want the business zone", gs[0].PeriodStart.Location())
			}
		})
	}
}

// Email waits hours by design: it counts as handled work, not in the
// queue metrics of the real-time channels (service_level.channels).
func TestCountsQueueMetricsCoverRealTimeChannels(t *testing.T) {
	st := newStore(t, Options{})
	voice := contact("v1", "a1", 0, 10, 100, 0)
	email := contact("e1", "a1", 0, 7200, 300, 0)
	email.Channel = "email"
	load(t, st, ingest.Batch{ID: NewBatchID(), Source: "test", Kind: ingest.KindContacts}, contacts(voice, email))
	cfg := metrics.Default()
	day := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	gs, err := st.Counts(context.Background(), CountsQueryFor(cfg, metrics.LevelOrg, "", day, day.AddDate(0, 0, 1), nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 {
		t.Fatalf("got %d groups", len(gs))
	}
	c := gs[0].Counts
	if c.Offered != 1 || c.Answered != 1 || c.WaitAnsweredS != 10 || c.HandledContacts != 2 || c.HandleS != 400 {
		t.Errorf("counts = %+v: want the email out of offered/answered/wait, in handled and handle time", c)
	}
}

// exportRows collects an export.
type exportRows struct {
	cols []domain.Column
	rows [][]any
}

func (x *exportRows) Columns(c []domain.Column) error { x.cols = c; return nil }
func (x *exportRows) Row(v []any) error {
	x.rows = append(x.rows, append([]any(nil), v...))
	return nil
}

func TestExportContactsTypes(t *testing.T) {
	st := newStore(t, Options{})
	c := contact("x1", "a1", 0, 10, 100, 0)
	c.Transferred, c.Resolved = true, pbool(false)
	load(t, st, ingest.Batch{ID: NewBatchID(), Source: "test", Kind: ingest.KindContacts}, contacts(c))
	var got exportRows
	if err := st.Export(context.Background(), "contacts", at(-60), at(60), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.rows) != 1 {
		t.Fatalf("rows = %d, want 1", len(got.rows))
	}
	row := map[string]any{}
	for i, col := range got.cols {
		row[col.Name] = got.rows[0][i]
	}
	if row["abandoned"] != false || row["transferred"] != true || row["resolved"] != false || row["contact_id"] != "x1" {
		t.Errorf("exported row = %v", row)
	}
	if err := st.Export(context.Background(), "bogus", at(0), at(1), &got); !errors.Is(err, ErrUnknownTable) {
		t.Errorf("unknown table: err = %v", err)
	}
}
