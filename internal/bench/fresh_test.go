package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/metrics"
)

// contactsOnly collects the contacts and rejects a parser emits.
type contactsOnly struct {
	contacts []ingest.Contact
	rejects  []ingest.Reject
}

func (c *contactsOnly) Contact(x ingest.Contact) error {
	c.contacts = append(c.contacts, x)
	return nil
}
func (c *contactsOnly) Reject(r ingest.Reject) error   { c.rejects = append(c.rejects, r); return nil }
func (c *contactsOnly) Survey(ingest.Survey) error     { return nil }
func (c *contactsOnly) Agent(ingest.Agent) error       { return nil }
func (c *contactsOnly) State(ingest.AgentState) error  { return nil }
func (c *contactsOnly) Schedule(ingest.Schedule) error { return nil }

// TestWriteFreshCSV parses a load's file with the real generic contacts
// parser: every row valid, new, on the loaded days, counted in the org's
// offered, and attributed as the generator attributes its contacts.
func TestWriteFreshCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := writeFreshCSV(&buf, 3, 1000, freshFrom, freshTo); err != nil {
		t.Fatal(err)
	}
	var got contactsOnly
	if err := ingest.ParseContactsCSV(bytes.NewReader(buf.Bytes()), ingest.Options{}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.rejects) > 0 || len(got.contacts) != 1000 {
		t.Fatalf("%d contacts, %d rejects (first %+v); want 1000 and none", len(got.contacts), len(got.rejects), got.rejects)
	}
	channels := metrics.Default().ServiceLevel.Channels
	ids := map[string]bool{}
	days := map[string]bool{}
	abandoned := 0
	for _, c := range got.contacts {
		if ids[c.ContactID] || !strings.HasPrefix(c.ContactID, "BF3-") {
			t.Fatalf("contact id %q: repeated or not load 3's", c.ContactID)
		}
		ids[c.ContactID] = true
		days[c.StartedAt.Format(time.DateOnly)] = true
		if c.StartedAt.Before(freshFrom) || !c.StartedAt.Before(freshTo) {
			t.Errorf("%s starts %s, outside the loaded days", c.ContactID, c.StartedAt)
		}
		if c.Direction != "inbound" || !slices.Contains(channels, c.Channel) || c.Queue == "" {
			t.Errorf("%s: %s %s queue %q does not count as offered", c.ContactID, c.Direction, c.Channel, c.Queue)
		}
		team := slices.Index(benchTeams, c.Team)
		if team < 0 || c.Queue != benchQueues[team] || c.Site != benchSites[team%3] {
			t.Errorf("%s: team %q, queue %q, site %q are not the generator's", c.ContactID, c.Team, c.Queue, c.Site)
		}
		if c.Abandoned {
			abandoned++
			if c.AgentID != "" || c.AnsweredAt != nil {
				t.Errorf("%s: abandoned with an agent or an answer", c.ContactID)
			}
		} else if !strings.HasPrefix(c.AgentID, "agent-") || c.AnsweredAt == nil || c.EndedAt.Before(*c.AnsweredAt) {
			t.Errorf("%s: answered by %q at %v, ended %s", c.ContactID, c.AgentID, c.AnsweredAt, c.EndedAt)
		}
	}
	if len(days) != 7 || abandoned < 30 || abandoned > 120 {
		t.Errorf("%d days, %d abandoned; want 7 days and about 70 abandoned", len(days), abandoned)
	}
	var again bytes.Buffer
	if err := writeFreshCSV(&again, 3, 1000, freshFrom, freshTo); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Errorf("load 3 written twice differs (%v)", err)
	}
	if err := writeFreshCSV(&again, 1, 10, freshFrom, freshFrom); err == nil {
		t.Error("an empty day range gave no error")
	}
}

func TestLagSummary(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		lags []float64
		want string
	}{
		{nil, "no load"},
		{[]float64{0.3, 0.1, 0.2, 0.25, 0.15}, "p50 0.20 s, max 0.30 s"},
		{[]float64{0.1, inf, 0.2}, "p50 0.20 s, max not visible after 120 s (1 of 3 loads)"},
		{[]float64{inf, inf, 0.2}, "p50 not visible after 120 s, max not visible after 120 s (2 of 3 loads)"},
	}
	for _, tt := range tests {
		if got := lagSummary(tt.lags); got != tt.want {
			t.Errorf("lagSummary(%v) = %q, want %q", tt.lags, got, tt.want)
		}
	}
}

func TestCounterValues(t *testing.T) {
	text := `# HELP servicecard_scorecard_requests_total Scorecard computations by source.
# TYPE servicecard_scorecard_requests_total counter
servicecard_scorecard_requests_total{source="live"} 12
servicecard_scorecard_requests_total{source="snapshot"} 3.5e+01
servicecard_scorecard_requests_total_other{source="live"} 99
servicecard_scorecard_compute_duration_seconds_count{grain="week",level="org"} 7
`
	got := counterValues(text, "servicecard_scorecard_requests_total", "source")
	if len(got) != 2 || got["live"] != 12 || got["snapshot"] != 35 {
		t.Errorf("counterValues = %v, want live 12 and snapshot 35", got)
	}
	if got := counterValues("", "servicecard_scorecard_requests_total", "source"); got == nil || len(got) != 0 {
		t.Errorf("counterValues of nothing = %#v, want an empty map", got)
	}
}

// TestWriteConfig checks serve would admit the bench's tokens with their
// roles and teams.
func TestWriteConfig(t *testing.T) {
	tok, entries, err := newTokens()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := writeConfig(path, entries); err != nil {
		t.Fatal(err)
	}
	cfg, err := metrics.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Version() == "" || cfg.ServiceLevel.ThresholdS != metrics.Default().ServiceLevel.ThresholdS {
		t.Error("the configuration lost its defaults")
	}
	for token, want := range map[string]auth.Role{tok.executive: auth.RoleExecutive, tok.supervisor: auth.RoleSupervisor, tok.analyst: auth.RoleAnalyst} {
		p, ok := auth.Authenticate(cfg.Tokens, token)
		if !ok || p.Role != want {
			t.Errorf("token of %s: %+v, %v", want, p, ok)
		}
		if want == auth.RoleSupervisor && !slices.Equal(p.Teams, []string{benchTeam}) {
			t.Errorf("supervisor's teams %v, want %s", p.Teams, benchTeam)
		}
	}
}

// TestFreshTable builds servicecard and runs the fresh table on 20k
// contacts: a serve process, loads by ingest processes, and the lag.
func TestFreshTable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds servicecard and runs serve and ingest processes")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "servicecard")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/servicecard")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	h, out := testHarness(t, chtest.Server().Addr)
	o := options{bin: bin, sizes: []int{20_000}, reps: 1, budget: time.Minute,
		freshRows: 100, freshEvery: 3 * time.Second, freshLoads: 2}
	rs, err := h.freshTable(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d results, want 1", len(rs))
	}
	r := rs[0]
	n := len(freshRequests())
	if len(r.steady.secs) != n || len(r.loading.secs) != n {
		t.Fatalf("%d steady and %d loading requests measured, want %d", len(r.steady.secs), len(r.loading.secs), n)
	}
	for i, q := range freshRequests() {
		if len(r.steady.secs[i]) != 1 || len(r.loading.secs[i]) != 1 {
			t.Errorf("%s: %d steady and %d loading rounds, want 1", q.name, len(r.steady.secs[i]), len(r.loading.secs[i]))
		}
	}
	// serve counted the engine's computations of each round of the
	// org's weekly trend.
	for _, st := range []freshState{r.steady, r.loading} {
		if st.computed[0] < 1 {
			t.Errorf("org weekly: %v computations for a round", st.computed[0])
		}
	}
	if len(r.loads) == 0 || len(r.lags) != 2 {
		t.Errorf("%d loads while measuring, %d lags; want some and 2", len(r.loads), len(r.lags))
	}
	for _, l := range r.lags {
		if l < 0 || l > 60 {
			t.Errorf("freshness lag %v s", l)
		}
	}
	if r.peakRSS < 10<<20 {
		t.Errorf("serve's peak RSS %d bytes", r.peakRSS)
	}
	for _, want := range []string{"Fresh and fast at once", "coaching page /coaching", "freshness lag", "VmHWM", "facts rebuild"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 { // the binary and the configuration
		t.Errorf("left in the directory: %v", entries)
	}
}
