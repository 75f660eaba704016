package demo

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// The shared center: 9 weeks to 2025-11-10, with Customer Service Week,
// the 4 weeks before it and the end of DST inside, generated once for the
// tests that only read it.
var fx struct {
	once sync.Once
	dir  string
	w    *world
	m    *Manifest
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "demo-test-")
	if err != nil {
		panic(err)
	}
	fx.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func chicago(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(DefaultTimezone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// build runs Generate's steps but keeps the simulation for the tests.
func build(t *testing.T, opt Options) (*world, *Manifest, error) {
	t.Helper()
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	w := newWorld(opt)
	w.simulate()
	m, err := w.write()
	t.Logf("generated %d days in %v", opt.Days, time.Since(start))
	return w, m, err
}

func center(t *testing.T) (*world, *Manifest) {
	t.Helper()
	fx.once.Do(func() {
		loc := chicago(t)
		fx.w, fx.m, fx.err = build(t, Options{Dir: fx.dir, Seed: 42, Days: 63, Location: loc,
			End: time.Date(2025, 11, 10, 0, 0, 0, 0, loc)})
	})
	if fx.err != nil {
		t.Fatal(fx.err)
	}
	return fx.w, fx.m
}

func spec(t *testing.T, m *Manifest, name string) FileSpec {
	t.Helper()
	for _, f := range m.Files {
		if filepath.Base(f.Path) == name {
			return f
		}
	}
	t.Fatalf("manifest has no %s", name)
	return FileSpec{}
}

// cache keeps parsed files: several tests read the same big ones.
var cache = map[string]any{}

func cached[T any](key string, read func() T) T {
	if v, ok := cache[key]; ok {
		return v.(T)
	}
	v := read()
	cache[key] = v
	return v
}

// readCSV returns the records of a CSV file after skip header rows.
func readCSV(t *testing.T, path string, skip int) [][]string {
	t.Helper()
	return cached("csv"+path, func() [][]string { return readCSVFile(t, path) })[skip:]
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.ReuseRecord = false
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) < 3 {
		t.Fatalf("%s: %d records", path, len(recs))
	}
	return recs
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func parseTS(t *testing.T, s string) time.Time {
	t.Helper()
	x, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("timestamp %q: %v", s, err)
	}
	return x
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("integer %q: %v", s, err)
	}
	return n
}

func hashDir(t *testing.T, m *Manifest) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range m.Files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		out[filepath.Base(f.Path)] = hex.EncodeToString(h[:])
	}
	return out
}

func TestDeterministic(t *testing.T) {
	loc := chicago(t)
	gen := func(seed int64) map[string]string {
		m, err := Generate(Options{Dir: t.TempDir(), Seed: seed, Days: 14, Location: loc,
			End: time.Date(2025, 3, 20, 0, 0, 0, 0, loc)})
		if err != nil {
			t.Fatal(err)
		}
		return hashDir(t, m)
	}
	a, b, c := gen(7), gen(7), gen(8)
	if len(a) != 10 {
		t.Fatalf("%d files, want 10", len(a))
	}
	for name, h := range a {
		if b[name] != h {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
		if name != FileAgents && name != FileQueues && c[name] == h {
			t.Errorf("%s is the same under another seed", name)
		}
	}
}

func TestOptions(t *testing.T) {
	loc := chicago(t)
	tests := []struct {
		name string
		opt  Options
	}{
		{"no dir", Options{}},
		{"negative days", Options{Dir: t.TempDir(), Days: -1}},
		{"negative scale", Options{Dir: t.TempDir(), Scale: -1}},
		{"too few agents", Options{Dir: t.TempDir(), Agents: 6}},
		{"scaled below minimum", Options{Dir: t.TempDir(), Agents: 20, Scale: 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(tc.opt); !errors.Is(err, ErrOptions) {
				t.Fatalf("err = %v, want ErrOptions", err)
			}
		})
	}
	t.Run("smallest center", func(t *testing.T) {
		m, err := Generate(Options{Dir: t.TempDir(), Agents: 12, Days: 14, Location: loc, End: time.Date(2025, 5, 1, 0, 0, 0, 0, loc)})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Patterns) != 8 || m.Files[1].Rows == 0 {
			t.Errorf("patterns %v, %d helpdesk rows", m.Patterns, m.Files[1].Rows)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		o, err := Options{Dir: "x"}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().In(loc)
		if want := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc); !o.End.Equal(want) {
			t.Errorf("End = %v, want %v", o.End, want)
		}
		if o.Days != 90 || o.headcount() != 48 || o.Location.String() != DefaultTimezone {
			t.Errorf("defaults = %d days, %d agents, %s", o.Days, o.headcount(), o.Location)
		}
	})
}

func TestManifest(t *testing.T) {
	_, m := center(t)
	var kinds []ingest.Kind
	for _, f := range m.Files {
		if len(kinds) == 0 || kinds[len(kinds)-1] != f.Kind {
			kinds = append(kinds, f.Kind)
		}
	}
	want := []ingest.Kind{ingest.KindAgents, ingest.KindContacts, ingest.KindSurveys, ingest.KindStates, ingest.KindSchedules, ingest.KindQueues}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds in order %v, want %v", kinds, want)
	}
	if len(m.Teams) < 4 || len(m.Teams) > 6 || len(m.Sites) < 2 || len(m.Sites) > 3 {
		t.Errorf("%d teams over %d sites", len(m.Teams), len(m.Sites))
	}
	for _, p := range []string{PatternFastUnhappy, PatternStar, PatternLongHolds, PatternTransfers,
		PatternRepeat, PatternFallingNPS, PatternLowAdherence, PatternTeamChange} {
		if m.Patterns[p] == "" {
			t.Errorf("pattern %s has no agent", p)
		}
	}
	if cs := m.Events[EventCSWeek]; cs.Format(time.DateOnly) != "2025-10-06" || cs.Weekday() != time.Monday {
		t.Errorf("Customer Service Week starts %v, want Monday 2025-10-06", cs)
	}

	// Rows + BadRows match what is in each file.
	for _, f := range m.Files {
		t.Run(filepath.Base(f.Path), func(t *testing.T) {
			switch f.Format {
			case ingest.FormatCSV:
				if got := len(readCSV(t, f.Path, 1)); got != f.Rows+f.BadRows {
					t.Errorf("%d rows, manifest says %d + %d bad", got, f.Rows, f.BadRows)
				}
			case ingest.FormatQualtrics:
				if got := len(readCSV(t, f.Path, 3)); got != f.Rows {
					t.Errorf("%d responses, manifest says %d", got, f.Rows)
				}
			case ingest.FormatConnectCTR:
				if got := len(readLines(t, f.Path)); got != f.Rows {
					t.Errorf("%d records, manifest says %d", got, f.Rows)
				}
			case ingest.FormatQueueLog:
				var legs, states int
				for _, l := range readLines(t, f.Path) {
					switch strings.Split(l, "|")[4] {
					case "ENTERQUEUE":
						legs++
					case "AGENTLOGIN", "PAUSE":
						states++
					}
				}
				if legs != f.Records[ingest.KindContacts] || states != f.Records[ingest.KindStates] || f.Rows != legs+states {
					t.Errorf("%d legs and %d states, manifest says %v (rows %d)", legs, states, f.Records, f.Rows)
				}
			default:
				t.Fatalf("unexpected format %s", f.Format)
			}
			if f.Rows == 0 {
				t.Error("empty file")
			}
		})
	}
}

func TestRoster(t *testing.T) {
	_, m := center(t)
	rows := readCSV(t, spec(t, m, FileAgents).Path, 1)
	teams := map[string]map[string]bool{} // team -> agents
	sup := map[string]string{}
	byAgent := map[string][][]string{}
	for _, r := range rows {
		if teams[r[2]] == nil {
			teams[r[2]] = map[string]bool{}
		}
		teams[r[2]][r[0]] = true
		if sup[r[2]] != "" && sup[r[2]] != r[4] {
			t.Errorf("team %s has two supervisors", r[2])
		}
		sup[r[2]] = r[4]
		byAgent[r[0]] = append(byAgent[r[0]], r)
		parseTS(t, r[5])
	}
	if len(byAgent) != 48 {
		t.Errorf("%d agents, want 48", len(byAgent))
	}
	for team, as := range teams {
		if len(as) < 8 || len(as) > 10 || sup[team] == "" {
			t.Errorf("team %s: %d agents, supervisor %q", team, len(as), sup[team])
		}
	}
	mover := byAgent[m.Patterns[PatternTeamChange]]
	if len(mover) != 2 || mover[0][2] == mover[1][2] || !parseTS(t, mover[1][5]).After(parseTS(t, mover[0][5])) {
		t.Errorf("team change rows = %v", mover)
	}
	for id, rs := range byAgent {
		if len(rs) > 1 && id != m.Patterns[PatternTeamChange] {
			t.Errorf("agent %s has %d rows", id, len(rs))
		}
	}
}

func TestHelpdeskCSV(t *testing.T) {
	_, m := center(t)
	f := spec(t, m, FileHelpdesk)
	all := readCSV(t, f.Path, 0)
	if !slices.Equal(all[0], ContactColumns) {
		t.Fatalf("header = %v", all[0])
	}
	bad := 0
	for _, r := range all[1:] {
		if len(r) != len(ContactColumns) {
			t.Fatalf("row has %d fields: %v", len(r), r)
		}
		if _, err := time.Parse(time.RFC3339, r[9]); err != nil || strings.HasPrefix(r[13], "-") {
			bad++
			continue
		}
		for _, i := range []int{11, 22} {
			parseTS(t, r[i])
		}
		if r[10] != "" {
			parseTS(t, r[10])
		}
		for _, i := range []int{12, 13, 14, 15, 16} {
			if n := atoi(t, r[i]); n < 0 || n >= 86400 {
				t.Errorf("%s = %d in %v", ContactColumns[i], n, r)
			}
		}
		for _, i := range []int{17, 18} {
			if r[i] != "true" && r[i] != "false" {
				t.Errorf("%s = %q", ContactColumns[i], r[i])
			}
		}
		if r[19] != "" && r[19] != "true" && r[19] != "false" {
			t.Errorf("resolved = %q", r[19])
		}
		if (r[10] == "") != (r[17] == "true") || (r[7] == "") != (r[17] == "true") {
			t.Errorf("abandoned row with an answer or agent, or the reverse: %v", r)
		}
	}
	if bad != f.BadRows || bad == 0 {
		t.Errorf("%d bad rows, manifest says %d", bad, f.BadRows)
	}
	if rate := float64(bad) / float64(len(all)-1); rate > 0.005 {
		t.Errorf("bad row rate %.4f", rate)
	}
}

type qlEvent struct {
	t      int64
	callid string
	queue  string
	agent  string
	event  string
	data   []string
}

func queueLog(t *testing.T, m *Manifest) []qlEvent {
	t.Helper()
	return cached("ql", func() []qlEvent { return readQueueLog(t, m) })
}

func readQueueLog(t *testing.T, m *Manifest) []qlEvent {
	t.Helper()
	var out []qlEvent
	for _, l := range readLines(t, spec(t, m, FileQueueLog).Path) {
		f := strings.Split(l, "|")
		if len(f) < 6 {
			t.Fatalf("line with %d fields: %q", len(f), l)
		}
		epoch, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			t.Fatalf("epoch of %q: %v", l, err)
		}
		out = append(out, qlEvent{epoch, f[1], f[2], strings.TrimPrefix(f[3], "Agent/"), f[4], f[5:]})
	}
	return out
}

func TestQueueLog(t *testing.T) {
	_, m := center(t)
	roster := map[string]bool{}
	for _, r := range readCSV(t, spec(t, m, FileAgents).Path, 1) {
		roster[r[0]] = true
	}
	evs := queueLog(t, m)
	known := map[string]bool{"QUEUESTART": true, "ENTERQUEUE": true, "RINGNOANSWER": true, "CONNECT": true,
		"COMPLETEAGENT": true, "COMPLETECALLER": true, "ABANDON": true, "EXITWITHTIMEOUT": true,
		"EXITEMPTY": true, "BLINDTRANSFER": true, "AGENTLOGIN": true, "AGENTLOGOFF": true, "PAUSE": true, "UNPAUSE": true}
	count := map[string]int{}
	entered := map[string]bool{}
	connectWait := map[string]string{}
	var prev int64
	for _, e := range evs {
		if e.t < prev {
			t.Fatalf("epoch %d after %d", e.t, prev)
		}
		prev = e.t
		if !known[e.event] {
			t.Errorf("unknown event %s", e.event)
		}
		count[e.event]++
		if e.agent != "NONE" && !roster[e.agent] {
			t.Errorf("agent %q not in the roster", e.agent)
		}
		switch e.event {
		case "ENTERQUEUE":
			entered[e.callid] = true
			if len(e.data) != 3 || e.data[1] == "" {
				t.Errorf("ENTERQUEUE data %v", e.data)
			}
		case "CONNECT":
			connectWait[e.callid+e.queue] = e.data[0]
			if len(e.data) != 3 {
				t.Errorf("CONNECT data %v", e.data)
			}
		case "COMPLETEAGENT", "COMPLETECALLER", "BLINDTRANSFER":
			if connectWait[e.callid+e.queue] != e.data[len(e.data)-3] {
				t.Errorf("%s %s holdtime %s, CONNECT said %s", e.event, e.callid, e.data[len(e.data)-3], connectWait[e.callid+e.queue])
			}
		case "RINGNOANSWER":
			if e.data[0] != "15000" {
				t.Errorf("RINGNOANSWER data %v", e.data)
			}
		}
		if e.callid != "NONE" && !entered[e.callid] {
			t.Errorf("%s of %s before its ENTERQUEUE", e.event, e.callid)
		}
	}
	for ev := range known {
		if count[ev] == 0 && ev != "EXITEMPTY" {
			t.Errorf("no %s event", ev)
		}
	}
	if count["AGENTLOGIN"] != count["AGENTLOGOFF"] || count["PAUSE"] != count["UNPAUSE"] {
		t.Errorf("unbalanced agent events: %v", count)
	}
	// Calls interleave: some call starts before the previous one ends.
	interleaved := false
	open := 0
	for _, e := range evs {
		switch e.event {
		case "ENTERQUEUE":
			open++
		case "COMPLETEAGENT", "COMPLETECALLER", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "BLINDTRANSFER":
			open--
		}
		interleaved = interleaved || open > 1
	}
	if !interleaved {
		t.Error("calls never overlap")
	}
}

type ctrRec struct {
	AWSContactTraceRecordFormatVersion string
	ContactId                          string
	InitialContactId                   *string
	PreviousContactId                  *string
	NextContactId                      *string
	Channel                            string
	InitiationMethod                   string
	InitiationTimestamp                string
	DisconnectTimestamp                string
	LastUpdateTimestamp                string
	Queue                              *struct {
		Name, ARN                          string
		EnqueueTimestamp, DequeueTimestamp *string
		Duration                           int
	}
	Agent *struct {
		Username                                                     string
		ConnectedToAgentTimestamp                                    string
		AgentInteractionDuration, CustomerHoldDuration               int
		NumberOfHolds, LongestHoldDuration                           int
		AfterContactWorkDuration                                     int
		AfterContactWorkStartTimestamp, AfterContactWorkEndTimestamp string
	}
	CustomerEndpoint struct{ Address, Type string }
}

func readCTR(t *testing.T, path string) []ctrRec {
	t.Helper()
	return cached("ctr"+path, func() []ctrRec { return readCTRFile(t, path) })
}

func readCTRFile(t *testing.T, path string) []ctrRec {
	t.Helper()
	var out []ctrRec
	for _, l := range readLines(t, path) {
		var r ctrRec
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		out = append(out, r)
	}
	return out
}

func TestConnectCTR(t *testing.T) {
	_, m := center(t)
	main := readCTR(t, spec(t, m, FileConnect).Path)
	byID := map[string]ctrRec{}
	transfers := 0
	for _, r := range main {
		if r.ContactId == "" || r.AWSContactTraceRecordFormatVersion != "2017-03-10" || r.Channel != "VOICE" ||
			r.CustomerEndpoint.Type != "TELEPHONE_NUMBER" || r.Queue == nil {
			t.Fatalf("record %+v", r)
		}
		if _, dup := byID[r.ContactId]; dup {
			t.Fatalf("ContactId %s twice in the main file", r.ContactId)
		}
		byID[r.ContactId] = r
		if r.Agent != nil && r.Agent.Username == "" {
			t.Errorf("handled record without Username: %s", r.ContactId)
		}
		if r.Agent == nil && r.Queue.EnqueueTimestamp == nil {
			t.Errorf("abandoned record without EnqueueTimestamp: %s", r.ContactId)
		}
	}
	for _, r := range main {
		if r.InitiationMethod == "TRANSFER" {
			transfers++
			prev, ok := byID[*r.PreviousContactId]
			if !ok || *r.InitialContactId == "" || prev.NextContactId == nil || *prev.NextContactId != r.ContactId {
				t.Errorf("transfer leg %s not linked to its previous leg", r.ContactId)
			}
		}
	}
	if transfers == 0 {
		t.Error("no transfer legs")
	}
	again := readCTR(t, spec(t, m, FileRedelivered).Path)
	if len(again) == 0 {
		t.Fatal("no re-delivered records")
	}
	for _, r := range again {
		first, ok := byID[r.ContactId]
		if !ok {
			t.Fatalf("re-delivered %s is not in the main file", r.ContactId)
		}
		if !parseTS(t, r.LastUpdateTimestamp).After(parseTS(t, first.LastUpdateTimestamp)) {
			t.Errorf("re-delivered %s is not newer", r.ContactId)
		}
		if r.Agent.AfterContactWorkDuration <= first.Agent.AfterContactWorkDuration {
			t.Errorf("re-delivered %s does not correct ACW (%d vs %d)", r.ContactId,
				r.Agent.AfterContactWorkDuration, first.Agent.AfterContactWorkDuration)
		}
	}
}

func TestSurveys(t *testing.T) {
	_, m := center(t)
	// Handled contacts that end a contact, per source file.
	handled := 0
	for _, r := range readCSV(t, spec(t, m, FileHelpdesk).Path, 1) {
		if r[10] != "" && r[18] == "false" {
			handled++
		}
	}
	for _, e := range queueLog(t, m) {
		if strings.HasPrefix(e.event, "COMPLETE") {
			handled++
		}
	}
	for _, r := range readCTR(t, spec(t, m, FileConnect).Path) {
		if r.Agent != nil && r.NextContactId == nil {
			handled++
		}
	}
	f := spec(t, m, FileSurveys)
	rows := readCSV(t, f.Path, 0)
	if !slices.Equal(rows[0], SurveyColumns) {
		t.Fatalf("survey header %v", rows[0])
	}
	q := readCSV(t, spec(t, m, FileQualtrics).Path, 0)
	if q[2][0] != `{"ImportId":"startDate"}` || q[2][6] != `{"ImportId":"QID1"}` || q[0][9] != "contact_id" {
		t.Errorf("Qualtrics headers %v / %v", q[0], q[2])
	}
	surveys := f.Rows + len(q) - 3
	if rate := float64(surveys) / float64(handled); rate < 0.08 || rate > 0.12 {
		t.Errorf("%d surveys for %d handled contacts: rate %.3f", surveys, handled, rate)
	}
	bad, comments := 0, 0
	for _, r := range rows[1:] {
		if r[5] == "11" {
			bad++
			continue
		}
		if n := atoi(t, r[5]); n < 0 || n > 10 {
			t.Errorf("nps %d", n)
		}
		if r[8] != "" {
			comments++
		}
		parseTS(t, r[4])
	}
	if bad != f.BadRows || bad == 0 {
		t.Errorf("%d NPS-11 rows, manifest says %d", bad, f.BadRows)
	}
	if share := float64(comments) / float64(len(rows)); share < 0.15 || share > 0.6 {
		t.Errorf("comment share %.2f", share)
	}
}

func TestRealism(t *testing.T) {
	w, _ := center(t)
	var offered, answered, inSL, abandoned, shortAb, wait, handle int64
	daily := map[int]int{}
	hourly := [24]int{}
	for _, c := range w.contacts {
		di := w.dayIndex(c.arrive)
		if c.first == nil {
			daily[di]++
		}
		if c.team.channel != "voice" {
			continue
		}
		lt := time.Unix(c.arrive, 0).In(w.loc)
		if wd := lt.Weekday(); wd != time.Saturday && wd != time.Sunday {
			hourly[lt.Hour()]++
		}
		offered++
		switch {
		case c.handled():
			answered++
			wait += c.wait
			handle += c.talk + c.hold + c.acw
			if c.wait <= 20 {
				inSL++
			}
		case c.wait < 5:
			shortAb++
		default:
			abandoned++
		}
	}
	asa := float64(wait) / float64(answered)
	sl := float64(inSL) / float64(offered-shortAb)
	ab := float64(abandoned) / float64(offered-shortAb)
	aht := float64(handle) / float64(answered)
	t.Logf("voice: offered %d, ASA %.1f s, SL %.3f, abandon %.3f, AHT %.0f s", offered, asa, sl, ab, aht)
	if asa < 10 || asa > 60 || sl < 0.7 || sl > 0.9 || ab < 0.03 || ab > 0.08 || aht < 240 || aht > 480 {
		t.Error("voice service outside the realistic ranges")
	}
	var byWeekday [7][]int
	for di, n := range daily {
		wd := w.days[di].Weekday()
		byWeekday[wd] = append(byWeekday[wd], n)
	}
	mean := func(xs []int) float64 {
		s := 0
		for _, x := range xs {
			s += x
		}
		return float64(s) / float64(len(xs))
	}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		if v := mean(byWeekday[wd]); v < 1500 || v > 3000 {
			t.Errorf("%s: %.0f contacts a day", wd, v)
		}
	}
	if mean(byWeekday[time.Monday]) <= mean(byWeekday[time.Wednesday]) || mean(byWeekday[time.Sunday]) > 0.3*mean(byWeekday[time.Wednesday]) {
		t.Errorf("weekly pattern: %v", byWeekday)
	}
	peak := 0
	for h := range hourly {
		if hourly[h] > hourly[peak] {
			peak = h
		}
	}
	if peak < 10 || peak > 11 || hourly[14] <= hourly[13] || hourly[14] >= hourly[peak] || hourly[18] >= hourly[14]/2 {
		t.Errorf("intraday voice pattern: %v", hourly)
	}
}

func TestCustomerServiceWeek(t *testing.T) {
	w, _ := center(t)
	var cs, before [3]int // promoters, detractors, n
	for _, s := range w.surveys {
		di := w.dayIndex(s.c.root().arrive)
		var x *[3]int
		switch {
		case w.inCSWeek(di):
			x = &cs
		case di >= w.csFrom-28 && di < w.csFrom:
			x = &before
		default:
			continue
		}
		x[2]++
		if s.nps >= 9 {
			x[0]++
		} else if s.nps <= 6 {
			x[1]++
		}
	}
	nps := func(x [3]int) float64 { return 100 * float64(x[0]-x[1]) / float64(x[2]) }
	t.Logf("NPS in Customer Service Week %.1f (n %d), the 4 weeks before %.1f (n %d)", nps(cs), cs[2], nps(before), before[2])
	if nps(cs) < nps(before)+5 {
		t.Error("Customer Service Week is not visibly better")
	}
}

func TestDST(t *testing.T) {
	_, m := center(t)
	loc := chicago(t)
	// Billing's first shift starts at 08:00 local on weekdays, on both
	// sides of the change back from CDT to CST (2025-11-02).
	first := map[string]time.Time{}
	billing := map[string]bool{}
	for _, r := range readCSV(t, spec(t, m, FileAgents).Path, 1) {
		if r[2] == "Billing" {
			billing[r[0]] = true
		}
	}
	for _, r := range readCSV(t, spec(t, m, FileSchedules).Path, 1) {
		if !billing[r[0]] || r[2] == "n/a" {
			continue
		}
		s := parseTS(t, r[2]).In(loc)
		day := s.Format(time.DateOnly)
		if f, ok := first[day]; !ok || s.Before(f) {
			first[day] = s
		}
	}
	for _, day := range []string{"2025-10-31", "2025-11-03"} {
		if f := first[day]; f.Hour() != 8 || f.Minute() != 0 {
			t.Errorf("%s: first Billing shift at %v", day, f)
		}
	}
}

// perAgent sums two counters per agent.
type ratio struct{ num, den float64 }

func (r ratio) v() float64 { return r.num / r.den }

func peers(m map[string]*ratio, team map[string]bool, except string) ratio {
	var out ratio
	for a, r := range m {
		if team[a] && a != except {
			out.num += r.num
			out.den += r.den
		}
	}
	return out
}

func add(m map[string]*ratio, key string, num, den float64) {
	r := m[key]
	if r == nil {
		r = &ratio{}
		m[key] = r
	}
	r.num += num
	r.den += den
}

func TestPatterns(t *testing.T) {
	_, m := center(t)
	loc := chicago(t)
	team := map[string]map[string]bool{} // first team of each agent
	firstName := map[string]string{}
	for _, r := range readCSV(t, spec(t, m, FileAgents).Path, 1) {
		if firstName[r[0]] != "" {
			continue
		}
		if team[r[2]] == nil {
			team[r[2]] = map[string]bool{}
		}
		team[r[2]][r[0]] = true
		firstName[r[0]] = strings.Fields(r[1])[0]
	}
	teamOf := func(id string) map[string]bool {
		for _, as := range team {
			if as[id] {
				return as
			}
		}
		t.Fatalf("agent %s has no team", id)
		return nil
	}
	evs := queueLog(t, m)
	ctrs := readCTR(t, spec(t, m, FileConnect).Path)
	ctrAgent := map[string]string{}
	for _, r := range ctrs {
		if r.Agent != nil {
			ctrAgent[r.ContactId] = r.Agent.Username
		}
	}
	qualtrics := readCSV(t, spec(t, m, FileQualtrics).Path, 3)
	surveys := readCSV(t, spec(t, m, FileSurveys).Path, 1)

	tests := []struct {
		pattern string
		check   func(t *testing.T, id string)
	}{
		{PatternFastUnhappy, func(t *testing.T, id string) {
			talk, det := map[string]*ratio{}, map[string]*ratio{}
			for _, e := range evs {
				if strings.HasPrefix(e.event, "COMPLETE") {
					add(talk, e.agent, float64(atoi(t, e.data[1])), 1)
				}
			}
			for _, r := range surveys {
				if r[5] != "11" {
					add(det, r[3], b2f(atoi(t, r[5]) <= 6), 1)
				}
			}
			own, others := talk[id].v(), peers(talk, teamOf(id), id).v()
			d, dp := det[id].v(), peers(det, teamOf(id), id).v()
			t.Logf("handle %.0f s vs peers %.0f s; detractors %.2f vs peers %.2f", own, others, d, dp)
			if own > 0.7*others || d < 2.5*dp {
				t.Error("not fast and unhappy enough")
			}
		}},
		{PatternStar, func(t *testing.T, id string) {
			var n, prom, det, csat, csatN, named float64
			for _, r := range qualtrics {
				if ctrAgent[r[9]] != id {
					continue
				}
				n++
				s := atoi(t, r[6])
				prom += b2f(s >= 9)
				det += b2f(s <= 6)
				if r[7] != "" {
					csatN++
					csat += b2f(atoi(t, r[7]) >= 4)
				}
				named += b2f(strings.Contains(r[8], firstName[id]))
			}
			nps := 100 * (prom - det) / n
			t.Logf("NPS %.1f, CSAT %.2f, %v comments naming %s (n %v)", nps, csat/csatN, named, firstName[id], n)
			if nps < 65 || csat/csatN < 0.9 || named < 10 {
				t.Error("not a star")
			}
		}},
		{PatternLongHolds, func(t *testing.T, id string) {
			hold, held := map[string]*ratio{}, map[string]*ratio{}
			for _, r := range ctrs {
				if r.Agent != nil {
					add(hold, r.Agent.Username, float64(r.Agent.CustomerHoldDuration), 1)
					add(held, r.Agent.Username, b2f(r.Agent.NumberOfHolds > 0), 1)
				}
			}
			h, hp := hold[id].v(), peers(hold, teamOf(id), id).v()
			s, sp := held[id].v(), peers(held, teamOf(id), id).v()
			t.Logf("hold %.0f s per contact vs peers %.0f s; held %.2f vs %.2f", h, hp, s, sp)
			if h < 3*hp || s < 2*sp {
				t.Error("holds not long enough")
			}
		}},
		{PatternTransfers, func(t *testing.T, id string) {
			tr := map[string]*ratio{}
			for _, e := range evs {
				switch {
				case e.event == "BLINDTRANSFER":
					add(tr, e.agent, 1, 1)
				case strings.HasPrefix(e.event, "COMPLETE"):
					add(tr, e.agent, 0, 1)
				}
			}
			x, p := tr[id].v(), peers(tr, teamOf(id), id).v()
			t.Logf("transfer rate %.3f vs peers %.3f", x, p)
			if x < 3*p {
				t.Error("not transferring often enough")
			}
		}},
		{PatternRepeat, func(t *testing.T, id string) {
			rows := readCSV(t, spec(t, m, FileHelpdesk).Path, 1)
			starts := map[string][]time.Time{}
			for _, r := range rows {
				if ts, err := time.Parse(time.RFC3339, r[9]); err == nil {
					starts[r[8]] = append(starts[r[8]], ts)
				}
			}
			rep := map[string]*ratio{}
			for _, r := range rows {
				if r[7] == "" || r[18] == "true" || r[1] != sourceHelpdesk || r[2] != "chat" {
					continue
				}
				ts, err := time.Parse(time.RFC3339, r[9])
				if err != nil {
					continue
				}
				again := false
				for _, x := range starts[r[8]] {
					again = again || x.After(ts) && x.Sub(ts) <= 7*24*time.Hour
				}
				add(rep, r[7], b2f(again), 1)
			}
			x, p := rep[id].v(), peers(rep, teamOf(id), id).v()
			t.Logf("contacted again within 7 days: %.3f vs peers %.3f", x, p)
			if x < 2*p {
				t.Error("not enough repeat contacts")
			}
		}},
		{PatternFallingNPS, func(t *testing.T, id string) {
			end := m.To
			var last, prev [3]float64
			for _, r := range qualtrics {
				if ctrAgent[r[9]] != id {
					continue
				}
				at, err := time.ParseInLocation(time.DateTime, r[5], loc)
				if err != nil {
					t.Fatal(err)
				}
				var x *[3]float64
				switch age := end.Sub(at); {
				case age <= 28*24*time.Hour:
					x = &last
				case age <= 56*24*time.Hour:
					x = &prev
				default:
					continue
				}
				s := atoi(t, r[6])
				x[0] += b2f(s >= 9)
				x[1] += b2f(s <= 6)
				x[2]++
			}
			nps := func(x [3]float64) float64 { return 100 * (x[0] - x[1]) / x[2] }
			t.Logf("NPS last 4 weeks %.1f (n %v), the 4 before %.1f (n %v)", nps(last), last[2], nps(prev), prev[2])
			if nps(last) > nps(prev)-25 {
				t.Error("NPS does not fall")
			}
		}},
		{PatternLowAdherence, func(t *testing.T, id string) {
			adh := adherence(t, m)
			var others []float64
			for a, x := range adh {
				if a != id {
					others = append(others, x)
				}
			}
			slices.Sort(others)
			med := others[len(others)/2]
			t.Logf("adherence %.3f; others from %.3f, median %.3f", adh[id], others[0], med)
			if adh[id] < 0.6 || adh[id] > 0.8 || med < 0.85 || med > 0.97 || others[0] < 0.8 {
				t.Error("adherence pattern not as planted")
			}
		}},
		{PatternTeamChange, func(t *testing.T, id string) {
			queues := map[string]bool{}
			for _, e := range evs {
				if e.agent == id && e.event == "CONNECT" {
					queues[e.queue] = true
				}
			}
			if !queues["billing"] || !queues["techsupport"] {
				t.Errorf("the mover answered in %v", queues)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) { tc.check(t, m.Patterns[tc.pattern]) })
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// adherence computes, per agent in the states file, the share of
// scheduled minutes spent in the scheduled activity (on_contact: available,
// on a contact or in after-contact work; break: on break).
func adherence(t *testing.T, m *Manifest) map[string]float64 {
	type iv struct {
		s, e int64
		work bool
	}
	states := map[string][]iv{}
	for _, r := range readCSV(t, spec(t, m, FileStates).Path, 1) {
		if r[1] == ingest.StateLoggedIn {
			continue
		}
		e, err := time.Parse(time.RFC3339, r[3])
		if err != nil {
			continue // a planted bad row
		}
		states[r[0]] = append(states[r[0]], iv{parseTS(t, r[2]).Unix(), e.Unix(), r[1] != ingest.StateBreak})
	}
	plans := map[string][]iv{}
	for _, r := range readCSV(t, spec(t, m, FileSchedules).Path, 1) {
		if r[2] == "n/a" {
			continue
		}
		plans[r[0]] = append(plans[r[0]], iv{parseTS(t, r[2]).Unix(), parseTS(t, r[3]).Unix(), r[1] == activityWork})
	}
	out := map[string]float64{}
	for a, st := range states {
		slices.SortFunc(st, func(x, y iv) int { return int(x.s - y.s) })
		var in, total int64
		j := 0
		for _, p := range plans[a] {
			total += p.e - p.s
			for j < len(st) && st[j].e <= p.s {
				j++
			}
			for k := j; k < len(st) && st[k].s < p.e; k++ {
				if st[k].work == p.work {
					in += min(p.e, st[k].e) - max(p.s, st[k].s)
				}
			}
		}
		out[a] = float64(in) / float64(total)
	}
	return out
}

func TestStatesAndSchedules(t *testing.T) {
	_, m := center(t)
	for _, name := range []string{FileStates, FileSchedules} {
		f := spec(t, m, name)
		bad := 0
		for _, r := range readCSV(t, f.Path, 1) {
			s, err1 := time.Parse(time.RFC3339, r[2])
			e, err2 := time.Parse(time.RFC3339, r[3])
			if err1 != nil || err2 != nil {
				bad++
				continue
			}
			if !e.After(s) {
				t.Errorf("%s: empty interval %v", name, r)
			}
		}
		if bad != f.BadRows || bad == 0 {
			t.Errorf("%s: %d unparseable rows, manifest says %d", name, bad, f.BadRows)
		}
	}
	// Within a session the detailed states tile the logged_in interval.
	var session [2]time.Time
	var cursor time.Time
	agent := ""
	for _, r := range readCSV(t, spec(t, m, FileStates).Path, 1) {
		e, err := time.Parse(time.RFC3339, r[3])
		if err != nil {
			continue
		}
		s := parseTS(t, r[2])
		if r[1] == ingest.StateLoggedIn {
			if agent != "" && !cursor.Equal(session[1]) {
				t.Fatalf("%s: states end at %v, session at %v", agent, cursor, session[1])
			}
			agent, session, cursor = r[0], [2]time.Time{s, e}, s
			continue
		}
		if r[0] != agent || !s.Equal(cursor) {
			t.Fatalf("%s state %v does not continue at %v", r[0], r, cursor)
		}
		cursor = e
	}
}

func TestScale(t *testing.T) {
	loc := chicago(t)
	count := func(scale float64) int {
		m, err := Generate(Options{Dir: t.TempDir(), Seed: 3, Days: 7, Scale: scale, Location: loc,
			End: time.Date(2025, 6, 2, 0, 0, 0, 0, loc)})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range m.Files {
			if f.Kind == ingest.KindContacts && filepath.Base(f.Path) != FileRedelivered {
				n += f.Rows - f.Records[ingest.KindStates]
			}
		}
		return n
	}
	one, two := count(1), count(2)
	if r := float64(two) / float64(one); r < 1.8 || r > 2.6 {
		t.Errorf("Scale 2 gives %d contacts, Scale 1 %d", two, one)
	}
}

func TestWriteContactsCSV(t *testing.T) {
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	var sb strings.Builder
	if err := WriteContactsCSV(&sb, 5000, 1, from, to); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(sb.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], ContactColumns) || len(recs) != 5001 {
		t.Fatalf("header %v, %d records", recs[0], len(recs))
	}
	ids := map[string]bool{}
	var prev time.Time
	for _, r := range recs[1:] {
		s := parseTS(t, r[9])
		if s.Before(from) || !s.Before(to) || s.Before(prev) {
			t.Fatalf("started_at %v out of order or range", s)
		}
		prev = s
		if ids[r[0]] {
			t.Fatalf("duplicate id %s", r[0])
		}
		ids[r[0]] = true
	}
	allocs := testing.AllocsPerRun(1, func() {
		if err := WriteContactsCSV(io.Discard, 20000, 1, from, to); err != nil {
			t.Fatal(err)
		}
	})
	if perRow := allocs / 20000; perRow > 8 {
		t.Errorf("%.1f allocations per row", perRow)
	}
	if err := WriteContactsCSV(io.Discard, 1, 1, to, from); !errors.Is(err, ErrOptions) {
		t.Errorf("reversed range: err = %v", err)
	}
}

func BenchmarkWriteContactsCSV(b *testing.B) {
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if err := WriteContactsCSV(io.Discard, 100000, 1, from, from.AddDate(0, 3, 0)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	loc := chicago(b)
	for b.Loop() {
		if _, err := Generate(Options{Dir: b.TempDir(), Seed: 1, Location: loc, End: time.Date(2025, 11, 10, 0, 0, 0, 0, loc)}); err != nil {
			b.Fatal(err)
		}
	}
}

// counter is an ingest.Emitter that tallies what a parser emits.
type counter struct {
	contacts, abandoned, surveys, agents, states, schedules, queues, rejects int
	wait                                                                     int64
	reasons                                                                  map[string]int
}

func (c *counter) QueueOwner(ingest.QueueOwner) error { c.queues++; return nil }

func (c *counter) Contact(x ingest.Contact) error {
	c.contacts++
	c.wait += int64(x.WaitS)
	if x.Abandoned {
		c.abandoned++
	}
	return nil
}
func (c *counter) Survey(ingest.Survey) error     { c.surveys++; return nil }
func (c *counter) Agent(ingest.Agent) error       { c.agents++; return nil }
func (c *counter) State(ingest.AgentState) error  { c.states++; return nil }
func (c *counter) Schedule(ingest.Schedule) error { c.schedules++; return nil }
func (c *counter) Reject(r ingest.Reject) error {
	c.rejects++
	c.reasons[r.Field+": "+r.Reason]++
	return nil
}

// TestIngestParsers loads every file of a two-week center (over the start
// of DST) with the real parser and its manifest entry: the parser must
// emit the manifest's rows, reject exactly the planted bad rows, and see
// the contacts the simulation made.
func TestIngestParsers(t *testing.T) {
	loc := chicago(t)
	w, m, err := build(t, Options{Dir: t.TempDir(), Seed: 5, Days: 14, Location: loc,
		End: time.Date(2025, 3, 17, 0, 0, 0, 0, loc)})
	if err != nil {
		t.Fatal(err)
	}
	type truth struct {
		legs, abandoned int
		wait            int64
	}
	bySource := map[string]*truth{}
	for _, c := range w.contacts {
		src := map[system]string{sysAsterisk: sourceAsterisk, sysConnect: sourceConnect, sysHelpdesk: sourceHelpdesk}[c.team.site.sys]
		x := bySource[src]
		if x == nil {
			x = &truth{}
			bySource[src] = x
		}
		x.legs++
		x.wait += c.wait
		if c.abandoned() {
			x.abandoned++
		}
	}
	for _, f := range m.Files {
		t.Run(filepath.Base(f.Path), func(t *testing.T) {
			parse, err := ingest.Parser(f.Kind, f.Format)
			if err != nil {
				t.Fatal(err)
			}
			in, err := os.Open(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			head := make([]byte, 64<<10)
			n, _ := io.ReadFull(in, head)
			if got := ingest.Sniff(f.Kind, head[:n]); got != f.Format {
				t.Errorf("sniffed as %s, written as %s", got, f.Format)
			}
			if _, err := in.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			c := &counter{reasons: map[string]int{}}
			opt := ingest.Options{File: f.Path, Source: f.Source, Location: w.loc, Now: m.To, Columns: f.Columns}
			if err := parse(in, opt, c); err != nil {
				t.Fatal(err)
			}
			if c.rejects != f.BadRows {
				t.Errorf("%d rejects, manifest says %d: %v", c.rejects, f.BadRows, c.reasons)
			}
			got := map[ingest.Kind]int{ingest.KindContacts: c.contacts, ingest.KindSurveys: c.surveys,
				ingest.KindAgents: c.agents, ingest.KindStates: c.states, ingest.KindSchedules: c.schedules,
				ingest.KindQueues: c.queues}
			want := f.Records
			if want == nil {
				want = map[ingest.Kind]int{f.Kind: f.Rows}
			}
			for k, n := range got {
				if n != want[k] {
					t.Errorf("%d %s records, manifest says %d", n, k, want[k])
				}
			}
			src := f.Source
			if f.Format == ingest.FormatCSV && f.Kind == ingest.KindContacts {
				src = sourceHelpdesk
			}
			if x := bySource[src]; f.Kind == ingest.KindContacts && filepath.Base(f.Path) != FileRedelivered {
				if c.contacts != x.legs || c.abandoned != x.abandoned || c.wait != x.wait {
					t.Errorf("parsed %d legs, %d abandoned, %d s waiting; simulated %d, %d, %d",
						c.contacts, c.abandoned, c.wait, x.legs, x.abandoned, x.wait)
				}
			}
		})
	}
}
