package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestQueueMapOwner(t *testing.T) {
	var qm QueueMap
	qm.Add("tech", "Tech", "South", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	qm.Add("tech", "Billing", "North", time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC))
	chicago, _ := time.LoadLocation("America/Chicago")
	for _, c := range []struct {
		day  time.Time
		team string
	}{
		{time.Date(2023, 6, 1, 0, 0, 0, 0, chicago), "Tech"}, // before the first entry: the first
		{time.Date(2025, 3, 3, 0, 0, 0, 0, chicago), "Tech"},
		{time.Date(2025, 3, 4, 0, 0, 0, 0, chicago), "Billing"}, // the business day, whatever its UTC offset
		{time.Date(2026, 1, 1, 0, 0, 0, 0, chicago), "Billing"},
	} {
		if team, _, ok := qm.Owner("tech", c.day); !ok || team != c.team {
			t.Errorf("%s: %s, want %s", c.day.Format(time.DateOnly), team, c.team)
		}
	}
	if _, _, ok := qm.Owner("misc", time.Now()); ok {
		t.Error("an unknown queue has an owner")
	}
	// The same queue and date again replaces the entry.
	qm.Add("tech", "Retention", "North", time.Date(2025, 3, 4, 0, 0, 0, 0, chicago))
	if team, _, _ := qm.Owner("tech", time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)); team != "Retention" {
		t.Errorf("replaced entry: %s, want Retention", team)
	}
}

func TestConfigQueues(t *testing.T) {
	c, err := ParseConfig([]byte("queues:\n  - {queue: billing, team: Billing, site: North, valid_from: 2025-01-01}\n  - {queue: chat, team: Chat}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var qm QueueMap
	c.AddQueuesTo(&qm)
	if team, site, ok := qm.Owner("billing", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)); !ok || team != "Billing" || site != "North" {
		t.Errorf("billing: %s %s %v", team, site, ok)
	}
	if c.Version() == Default().Version() {
		t.Error("a queue map does not change the config version: snapshots would not be recomputed")
	}
	_, err = ParseConfig([]byte("queues:\n  - {queue: billing}\n  - {queue: chat, team: Chat, valid_from: 2025-13-01}\n  - {queue: billing, team: B}\n"))
	for _, want := range []string{"queues[0].team: required", "queues[1].valid_from: want a date", "queues[2]: queue \"billing\""} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
	if _, err := ParseConfig([]byte("queues:\n  - {queue: x, team: X, colour: red}\n")); err == nil || !strings.Contains(err.Error(), "queues[0].colour: unknown key") {
		t.Errorf("unknown key: %v", err)
	}
}
