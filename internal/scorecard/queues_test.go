package scorecard

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// queueCenter is a tiny center of two teams on two days. Billing (site
// North) has agent a1, Tech (site South) agent a2. Day 1 (2025-03-03):
// queue billing offers 3 (a1 answers one, a2 helps with one, one
// abandons after 30 s), queue tech offers 3 (a2 answers one, two abandon),
// queue misc offers 1 that abandons. Day 2: queue tech offers 2, a2
// answers both. The abandons have no agent, so the roster gives them no
// team: before the queue map they fell out of team and site metrics.
const queueRoster = `agent_id,name,team,site,valid_from
a1,Ann,Billing,North,2024-01-01
a2,Bo,Tech,South,2024-01-01
`

const queueContacts = `contact_id,queue,agent_id,started_at,answered_at,wait_s,talk_s,abandoned
b1,billing,a1,2025-03-03 09:00:00,2025-03-03 09:00:10,10,300,0
b2,billing,a2,2025-03-03 09:10:00,2025-03-03 09:10:40,40,200,0
b3,billing,,2025-03-03 09:20:00,,30,0,1
t1,tech,a2,2025-03-03 10:00:00,2025-03-03 10:00:05,5,250,0
t2,tech,,2025-03-03 10:10:00,,60,0,1
t3,tech,,2025-03-03 10:20:00,,90,0,1
m1,misc,,2025-03-03 11:00:00,,45,0,1
t4,tech,a2,2025-03-04 10:00:00,2025-03-04 10:00:05,5,250,0
t5,tech,a2,2025-03-04 10:10:00,2025-03-04 10:10:15,15,250,0
`

// Agent states: a1 only logs in and pauses (as queue_log does), a2 has
// detailed states: 2 h available, 1 h on contact.
const queueStates = `agent_id,state,start,end
a1,logged_in,2025-03-03 08:00:00,2025-03-03 16:00:00
a1,break,2025-03-03 12:00:00,2025-03-03 12:30:00
a2,available,2025-03-03 08:00:00,2025-03-03 10:00:00
a2,on_contact,2025-03-03 10:00:00,2025-03-03 11:00:00
`

// queueMapCSV maps billing to Billing and tech to Tech, then moves tech
// to Billing from day 2; misc stays unmapped.
const queueMapCSV = `queue,team,site,valid_from
billing,Billing,North,2024-01-01
tech,Tech,South,2024-01-01
tech,Billing,North,2025-03-04
`

func queueEngine(t *testing.T, cfgYAML string) (*Engine, *chstore.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := chstore.Open(ctx, chtest.NewDatabase(t), chstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	load(t, st, ingest.KindAgents, queueRoster)
	load(t, st, ingest.KindContacts, queueContacts)
	load(t, st, ingest.KindStates, queueStates)
	cfg, err := metrics.ParseConfig([]byte(cfgYAML))
	if err != nil {
		t.Fatal(err)
	}
	return New(st, cfg, Options{}), st
}

func load(t *testing.T, st *chstore.Store, kind ingest.Kind, body string) {
	t.Helper()
	sum, err := ingest.Load(context.Background(), st, strings.NewReader(body),
		ingest.Batch{Kind: kind, Format: ingest.FormatCSV, File: string(kind) + ".csv"}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsRejected != 0 {
		t.Fatalf("%s: %d rows rejected", kind, sum.RowsRejected)
	}
}

func cardsOf(t *testing.T, e *Engine, level metrics.Level, teams ...string) map[string]metrics.Card {
	t.Helper()
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	cards, err := e.Scorecards(context.Background(), domain.ScorecardQuery{Level: level, From: from, To: from.AddDate(0, 0, 2), Teams: teams})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]metrics.Card{}
	for _, c := range cards {
		out[c.Key] = c
	}
	return out
}

func value(c metrics.Card, id string) float64 {
	if v := c.Metrics[id]; v != nil {
		return *v
	}
	return -1
}

// TestQueueOwnership: team and site queue metrics come from the queue
// map, so every offered contact belongs to exactly one team and team
// offered adds up to org offered (issue 8: abandons fell out of teams).
func TestQueueOwnership(t *testing.T) {
	e, st := queueEngine(t, "timezone: UTC")
	org := cardsOf(t, e, metrics.LevelOrg)["org"]
	if got := value(org, metrics.IDOffered); got != 9 {
		t.Fatalf("org offered %v, want 9", got)
	}

	// No queue map: a team card shows no queue metrics, with the reason,
	// rather than those of its answered contacts only.
	for _, level := range []metrics.Level{metrics.LevelTeam, metrics.LevelSite} {
		for key, c := range cardsOf(t, e, level) {
			for _, id := range []string{metrics.IDOffered, metrics.IDASA, metrics.IDServiceLevel, metrics.IDAbandonRate} {
				if c.Metrics[id] != nil || c.Reasons[id] != metrics.NoQueueMapReason {
					t.Errorf("no map: %s %s %s = %v (reason %q), want null with the no-map reason", level, key, id, value(c, id), c.Reasons[id])
				}
			}
			if c.Metrics[metrics.IDAHT] == nil {
				t.Errorf("no map: %s %s lost its AHT", level, key)
			}
		}
	}

	// The map arrives as an HTTP ingest would (the API hands the body to
	// Engine.Ingest).
	loaded, err := e.Ingest(context.Background(), domain.IngestRequest{Kind: ingest.KindQueues, Format: ingest.FormatAuto, File: "queues.csv"}, strings.NewReader(queueMapCSV))
	if err != nil || loaded.RowsOK != 3 || loaded.RowsRejected != 0 {
		t.Fatalf("ingest queue map: %+v, %v", loaded, err)
	}
	teams := cardsOf(t, e, metrics.LevelTeam)
	var sum float64
	for _, c := range teams {
		sum += value(c, metrics.IDOffered)
	}
	if sum != 9 {
		t.Errorf("team offered adds up to %v, want the org's 9", sum)
	}
	// Billing: billing 3 on day 1 + tech 2 on day 2 (the move); 1 abandon
	// of 5 (none short), answered 4 within 20 s but b2 (40 s): SL 3/5.
	b := teams["Billing"]
	for id, want := range map[string]float64{metrics.IDOffered: 5, metrics.IDAbandonRate: 0.2, metrics.IDServiceLevel: 0.6,
		metrics.IDASA: (10 + 40 + 5 + 15) / 4.0} {
		if got := value(b, id); got != want {
			t.Errorf("Billing %s = %v, want %v", id, got, want)
		}
	}
	// Tech: tech on day 1 only, 2 abandons of 3.
	if got := value(teams["Tech"], metrics.IDOffered); got != 3 {
		t.Errorf("Tech offered %v, want 3", got)
	}
	if got := value(teams["Tech"], metrics.IDAbandonRate); got != 2.0/3 {
		t.Errorf("Tech abandon rate %v, want 2/3", got)
	}
	// The unmapped queue stays visible.
	if got := value(teams[metrics.Unmapped], metrics.IDOffered); got != 1 {
		t.Errorf("%s offered %v, want 1", metrics.Unmapped, got)
	}
	// Handling stays with the agent's team: a2 (Tech) handled b2, t1, t4, t5.
	if got := value(teams["Tech"], metrics.IDHandled); got != 4 {
		t.Errorf("Tech handled %v, want 4 (the roster's team)", got)
	}
	sites := cardsOf(t, e, metrics.LevelSite)
	if got, want := value(sites["North"], metrics.IDOffered), 5.0; got != want {
		t.Errorf("North offered %v, want %v", got, want)
	}
	// A supervisor's view of a team equals the executive's.
	if got := value(cardsOf(t, e, metrics.LevelTeam, "Billing")["Billing"], metrics.IDOffered); got != 5 {
		t.Errorf("Billing offered for its supervisor %v, want 5", got)
	}

	// The config's queues: section overrides the stored map for the same
	// queue and date: misc to Tech.
	e2 := New(st, mustConfig(t, "timezone: UTC\nqueues:\n  - {queue: misc, team: Tech, site: South}\n"), Options{})
	if got := value(cardsOf(t, e2, metrics.LevelTeam)["Tech"], metrics.IDOffered); got != 4 {
		t.Errorf("Tech offered with misc from the config %v, want 4", got)
	}
}

// TestOccupancyWithoutStates: an agent whose source logs only logins and
// pauses has no occupancy (null, with the reason), and does not dilute
// the org's: before, a1's 7.5 logged-in hours counted as staffed time
// with nothing occupied, and org occupancy was 1 h / 10.5 h = 9.5%.
func TestOccupancyWithoutStates(t *testing.T) {
	e, _ := queueEngine(t, "timezone: UTC")
	if got := value(cardsOf(t, e, metrics.LevelOrg)["org"], metrics.IDOccupancy); got != 1.0/3 {
		t.Errorf("org occupancy %v, want a2's 1 h / 3 h", got)
	}
	a1 := cardsOf(t, e, metrics.LevelAgent)["a1"]
	if a1.Metrics[metrics.IDOccupancy] != nil || a1.Reasons[metrics.IDOccupancy] != metrics.NoOccupancyReason {
		t.Errorf("a1 occupancy %v (reason %q), want null, not available", value(a1, metrics.IDOccupancy), a1.Reasons[metrics.IDOccupancy])
	}
}

func mustConfig(t *testing.T, y string) metrics.Config {
	t.Helper()
	cfg, err := metrics.ParseConfig([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testDemoOfferedAddsUp: the demo loads a queue map, so its team and site
// offered add up to the org's, abandons included (issue 8: Billing showed
// offered = handled and an abandon rate of 0).
func testDemoOfferedAddsUp(t *testing.T, e *Engine, m *demo.Manifest) {
	ctx := context.Background()
	sum := func(level metrics.Level) (offered float64, cards []metrics.Card) {
		cards, err := e.Scorecards(ctx, domain.ScorecardQuery{Level: level, From: m.From, To: m.To})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cards {
			offered += value(c, metrics.IDOffered)
		}
		return offered, cards
	}
	org, _ := sum(metrics.LevelOrg)
	team, teams := sum(metrics.LevelTeam)
	site, _ := sum(metrics.LevelSite)
	if org <= 0 || team != org || site != org {
		t.Errorf("offered: org %v, teams %v, sites %v; want equal", org, team, site)
	}
	t.Logf("offered: org %v = teams %v = sites %v", org, team, site)
	for _, c := range teams {
		t.Logf("%s: offered %v, handled %v, abandon rate %.3f, service level %.3f", c.Key, value(c, metrics.IDOffered),
			value(c, metrics.IDHandled), value(c, metrics.IDAbandonRate), value(c, metrics.IDServiceLevel))
		if c.Key == metrics.Unmapped {
			t.Errorf("the demo's queue map leaves %v offered unmapped", value(c, metrics.IDOffered))
		}
		if c.Key == "Billing" && (value(c, metrics.IDAbandonRate) <= 0 || value(c, metrics.IDOffered) <= value(c, metrics.IDHandled)) {
			t.Errorf("Billing: offered %v, handled %v, abandon rate %v; want its abandons counted",
				value(c, metrics.IDOffered), value(c, metrics.IDHandled), value(c, metrics.IDAbandonRate))
		}
	}
}
