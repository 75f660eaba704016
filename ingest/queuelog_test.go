package ingest

import (
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ql0 is the time of the first line of testdata/queuelog/interleaved.queue_log.
var ql0 = time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)

func qlAt(sec int) time.Time { return ql0.Add(time.Duration(sec) * time.Second) }

func qlAtP(sec int) *time.Time { t := qlAt(sec); return &t }

func TestParseQueueLogInterleaved(t *testing.T) {
	in := string(vendorRead(t, filepath.Join("testdata", "queuelog", "interleaved.queue_log")))
	rec, err := vendorParse(t, ParseQueueLog, in, vendorOpt())
	if err != nil {
		t.Fatal(err)
	}
	vendorCheck(t, rec)
	c := func(id, queue, agent, customer string, start int, answered *time.Time, end int, wait, talk uint32,
		abandoned, transferred bool, disp, initial string) Contact {
		return Contact{ContactID: id, Source: "asterisk", Channel: "voice", Direction: "inbound", Queue: queue,
			AgentID: agent, CustomerID: customer, StartedAt: qlAt(start), AnsweredAt: answered, EndedAt: qlAt(end),
			WaitS: wait, TalkS: talk, Abandoned: abandoned, Transferred: transferred, Disposition: disp,
			InitialContactID: initial, SourceUpdatedAt: qlAt(end)}
	}
	// In the order the calls end.
	want := []Contact{
		c("1709542905.12", "support", "", "5552000", 105, nil, 145, 40, 0, true, false, "ABANDON", ""),
		c("1709542900.11", "support", "1001", "5551000", 100, qlAtP(112), 297, 12, 185, false, false, "COMPLETECALLER", ""),
		c("1709543000.20", "sales", "", "5553000", 200, nil, 500, 300, 0, true, false, "EXITWITHTIMEOUT", ""),
		c("1709543400.30", "support", "1001", "", 600, qlAtP(608), 703, 8, 95, false, true, "BLINDTRANSFER", ""),
		c("1709543400.30#2", "sales", "1003", "", 704, qlAtP(709), 769, 5, 60, false, false, "COMPLETEAGENT", "1709543400.30"),
		c("1709543600.50", "sales", "", "5555000", 800, nil, 825, 25, 0, true, false, "EXITWITHKEY", ""),
		c("1709543630.51", "support", "", "5556000", 830, nil, 833, 3, 0, true, false, "EXITEMPTY", ""),
		c("1709543800.60", "support", "1002", "5557000", 1000, qlAtP(1010), 1210, 10, 200, false, true, "ATTENDEDTRANSFER", ""),
	}
	if len(rec.contacts) != len(want) {
		t.Fatalf("got %d contacts, want %d: %+v", len(rec.contacts), len(want), rec.contacts)
	}
	for i, w := range want {
		t.Run(w.ContactID, func(t *testing.T) {
			vendorSameContact(t, rec.contacts[i], w)
		})
	}
	wantRejects := []struct {
		line  int
		field string
		in    string
	}{
		{24, "time", "not an epoch time"},
		{25, "agent", "want at least 5"},
		{41, "event", "incomplete call 1709546300.70"},
	}
	if len(rec.rejects) != len(wantRejects) {
		t.Fatalf("got rejects %+v, want %d", rec.rejects, len(wantRejects))
	}
	for i, w := range wantRejects {
		r := rec.rejects[i]
		if r.Line != w.line || r.Field != w.field || !strings.Contains(r.Reason, w.in) || r.Raw == "" {
			t.Errorf("reject %d = %+v, want line %d field %s reason containing %q", i, r, w.line, w.field, w.in)
		}
	}
	st := func(agent, state, reason string, start, end int) AgentState {
		return AgentState{AgentID: agent, Source: "asterisk", State: state, Reason: reason, Start: qlAt(start), End: qlAt(end)}
	}
	wantStates := []AgentState{
		st("1002", StateBreak, "lunch", 510, 900),
		st("1001", StateBreak, "coaching", 1300, 1500),
		st("1001", StateLoggedIn, "", 5, 3600),
		st("1002", StateLoggedIn, "", 6, 3602), // until it left its last queue
		// 1003 never left sales: no interval.
	}
	if len(rec.states) != len(wantStates) {
		t.Fatalf("got states %+v, want %+v", rec.states, wantStates)
	}
	for i, w := range wantStates {
		if g := rec.states[i]; g != w {
			t.Errorf("state %d = %+v, want %+v", i, g, w)
		}
	}
}

func vendorSameContact(t *testing.T, got, want Contact) {
	t.Helper()
	ga, wa := got.AnsweredAt, want.AnsweredAt
	got.AnsweredAt, want.AnsweredAt = nil, nil
	if got != want {
		t.Errorf("contact\n got %+v\nwant %+v", got, want)
	}
	if (ga == nil) != (wa == nil) || (ga != nil && !ga.Equal(*wa)) {
		t.Errorf("answered_at = %v, want %v", ga, wa)
	}
}

func TestParseQueueLogCases(t *testing.T) {
	const t0 = "1709542800" // 2024-03-04 09:00:00 UTC
	tests := []struct {
		name     string
		in       string
		opt      func(*Options)
		contacts []Contact
		rejects  []string // "line:field"
		states   int
		err      error
	}{
		{name: "empty input", in: ""},
		{name: "blank lines", in: "\n\r\n\n"},
		{
			name: "real raw file with system events only, trailing pipe",
			in:   string(vendorRead(t, vendorReal("asterisk-queue-log", "simularent-raw-queue_log-system-events-only"))),
		},
		{
			name: "CRLF, BOM and trailing empty fields",
			in: "\ufeff" + t0 + "|c1|q|NONE|ENTERQUEUE||555|1|\r\n" +
				"1709542810|c1|q|SIP/200|CONNECT|10|c2|3|\r\n" +
				"1709542870|c1|q|SIP/200|COMPLETEAGENT|10|60|1|\r\n",
			contacts: []Contact{{ContactID: "c1", Source: "asterisk", Channel: "voice", Direction: "inbound", Queue: "q",
				AgentID: "200", CustomerID: "555", StartedAt: qlAt(0), AnsweredAt: qlAtP(10), EndedAt: qlAt(70),
				WaitS: 10, TalkS: 60, Disposition: "COMPLETEAGENT", SourceUpdatedAt: qlAt(70)}},
		},
		{
			name: "log rotated mid-call: end without ENTERQUEUE is rebuilt from its durations",
			in:   "1709542870|c1|q|Agent/7|COMPLETECALLER|10|60|1\n",
			contacts: []Contact{{ContactID: "c1", Source: "asterisk", Channel: "voice", Direction: "inbound", Queue: "q",
				AgentID: "7", StartedAt: qlAt(0), AnsweredAt: qlAtP(10), EndedAt: qlAt(70),
				WaitS: 10, TalkS: 60, Disposition: "COMPLETECALLER", SourceUpdatedAt: qlAt(70)}},
		},
		{
			name: "abandon without ENTERQUEUE",
			in:   "1709542830|c1|q|NONE|ABANDON|1|1|30\n",
			contacts: []Contact{{ContactID: "c1", Source: "asterisk", Channel: "voice", Direction: "inbound", Queue: "q",
				StartedAt: qlAt(0), EndedAt: qlAt(30), WaitS: 30, Abandoned: true, Disposition: "ABANDON", SourceUpdatedAt: qlAt(30)}},
		},
		{
			name: "overflow after a timeout is a second leg",
			in: t0 + "|c1|q1|NONE|ENTERQUEUE||anonymous|1\n" +
				"1709542860|c1|q1|NONE|EXITWITHTIMEOUT|1|1|60\n" +
				"1709542861|c1|q2|NONE|ENTERQUEUE||anonymous|1\n" +
				"1709542871|c1|q2|NONE|ABANDON|1|1|10\n",
			contacts: []Contact{
				{ContactID: "c1", Source: "asterisk", Channel: "voice", Direction: "inbound", Queue: "q1",
					StartedAt: qlAt(0), EndedAt: qlAt(60), WaitS: 60, Abandoned: true, Disposition: "EXITWITHTIMEOUT", SourceUpdatedAt: qlAt(60)},
				{ContactID: "c1#2", InitialContactID: "c1", Source: "asterisk", Channel: "voice", Direction: "inbound", Queue: "q2",
					StartedAt: qlAt(61), EndedAt: qlAt(71), WaitS: 10, Abandoned: true, Disposition: "ABANDON", SourceUpdatedAt: qlAt(71)},
			},
		},
		{
			name: "old EXITWITHKEY without waittime uses the ENTERQUEUE time",
			in:   t0 + "|c1|q|NONE|ENTERQUEUE||555|1\n1709542842|c1|q|NONE|EXITWITHKEY|5|1\n",
			contacts: []Contact{{ContactID: "c1", Source: "asterisk", Channel: "voice", Direction: "inbound", Queue: "q", CustomerID: "555",
				StartedAt: qlAt(0), EndedAt: qlAt(42), WaitS: 42, Abandoned: true, Disposition: "EXITWITHKEY", SourceUpdatedAt: qlAt(42)}},
		},
		{
			name: "a bad holdtime drops the call with one reject",
			in: t0 + "|c1|q|NONE|ENTERQUEUE||555|1\n" +
				"1709542810|c1|q|SIP/200|CONNECT|ten|c2|3\n" +
				"1709542870|c1|q|SIP/200|COMPLETEAGENT|10|60|1\n",
			rejects: []string{"2:data1"},
		},
		{
			name:    "a talk time of a day is rejected",
			in:      t0 + "|c1|q|NONE|ENTERQUEUE||555|1\n1709542810|c1|q|SIP/200|CONNECT|10|c2|3\n1709542870|c1|q|SIP/200|COMPLETEAGENT|10|86400|1\n",
			rejects: []string{"3:data2"},
		},
		{
			name:    "epoch 0 is out of range, unknown verbs are not checked",
			in:      "0|c1|q|NONE|ENTERQUEUE||555|1\n0|NONE|NONE|NONE|QUEUESTART|\n",
			rejects: []string{"1:time"},
		},
		{
			name:    "a time more than a day after now",
			in:      "1999999999|c1|q|NONE|ABANDON|1|1|3\n",
			rejects: []string{"1:time"},
		},
		{
			name:    "too few fields and a bad epoch",
			in:      t0 + "|c1\nyesterday|c1|q|NONE|ENTERQUEUE||555|1\n",
			rejects: []string{"1:queue", "2:time"},
		},
		{
			name:    "CONNECT before ENTERQUEUE",
			in:      "1709542810|c1|q|NONE|ENTERQUEUE||555|1\n" + t0 + "|c1|q|SIP/200|CONNECT|10|c2|3\n1709542870|c1|q|SIP/200|COMPLETEAGENT|10|60|1\n",
			rejects: []string{"3:time"},
		},
		{
			name:    "calls idle for a day are rejected as the log moves on",
			in:      t0 + "|c1|q|NONE|ENTERQUEUE||555|1\n1709635000|NONE|NONE|Agent/1|PAUSE|x\n1709635100|NONE|NONE|Agent/1|UNPAUSE|\n",
			rejects: []string{"1:event"},
			states:  1,
		},
		{
			name:    "a long line is rejected, the next one read",
			in:      t0 + "|c1|q|NONE|ENTERQUEUE||" + strings.Repeat("9", 100) + "|1\n1709542830|c1|q|NONE|ABANDON|1|1|30\n",
			opt:     func(o *Options) { o.MaxLineBytes = 64 },
			rejects: []string{"1:"},
			contacts: []Contact{{ContactID: "c1", Source: "asterisk", Channel: "voice", Direction: "inbound", Queue: "q",
				StartedAt: qlAt(0), EndedAt: qlAt(30), WaitS: 30, Abandoned: true, Disposition: "ABANDON", SourceUpdatedAt: qlAt(30)}},
		},
		{
			name:   "a logoff with its login time rebuilds a login from an earlier file",
			in:     "1709546400|NONE|NONE|Agent/1001|AGENTCALLBACKLOGOFF|1001@default|3600|Autologoff\n",
			states: 1,
		},
		{
			name: "Asterisk realtime table export with DATETIME and data1..data5",
			in: "time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n" +
				"2024-03-04 09:00:00.123456,c1,q,NONE,ENTERQUEUE,,555,1,,\n" +
				"2024-03-04 09:00:10.5,c1,q,PJSIP/300,CONNECT,10,c2,2,,\n" +
				"2024-03-04 09:01:10,c1,q,PJSIP/300,COMPLETECALLER,10,60,1,,\n",
			contacts: []Contact{{ContactID: "c1", Source: "pbx", Channel: "voice", Direction: "inbound", Queue: "q",
				AgentID: "300", CustomerID: "555", StartedAt: qlAt(0).Add(123456 * time.Microsecond), AnsweredAt: func() *time.Time { x := qlAt(10).Add(time.Second / 2); return &x }(),
				EndedAt: qlAt(70), WaitS: 10, TalkS: 60, Disposition: "COMPLETECALLER", SourceUpdatedAt: qlAt(70)}},
			opt: func(o *Options) { o.Source = "pbx" },
		},
		{name: "not a queue_log", in: "a,b,c\n1,2,3\n", err: ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := vendorOpt()
			if tt.opt != nil {
				tt.opt(&opt)
			}
			rec, err := vendorParse(t, ParseQueueLog, tt.in, opt)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			vendorCheck(t, rec)
			vendorSameRejects(t, rec.rejects, tt.rejects)
			if len(rec.contacts) != len(tt.contacts) {
				t.Fatalf("got contacts %+v, want %d", rec.contacts, len(tt.contacts))
			}
			for i := range tt.contacts {
				vendorSameContact(t, rec.contacts[i], tt.contacts[i])
			}
			if len(rec.states) != tt.states {
				t.Errorf("got states %+v, want %d", rec.states, tt.states)
			}
		})
	}
}

// vendorSameRejects compares rejects by "line:field".
func vendorSameRejects(t *testing.T, got []Reject, want []string) {
	t.Helper()
	var g []string
	for _, r := range got {
		g = append(g, strings.Join([]string{strconv.Itoa(r.Line), r.Field}, ":"))
	}
	if strings.Join(g, " ") != strings.Join(want, " ") {
		t.Errorf("rejects %v, want %v (%+v)", g, want, got)
	}
}

func TestParseQueueLogRebuiltLogin(t *testing.T) {
	rec, err := vendorParse(t, ParseQueueLog,
		"1709542800|MANAGER|q|Local/1001@from-queue/n|REMOVEMEMBER|\n"+
			"1709542800|NONE|NONE|Agent/1001|AGENTCALLBACKLOGOFF|1001@default|3600|\n"+
			"1709542900|NONE|NONE|Agent/1001|AGENTCALLBACKLOGIN|1001@default\n"+
			"1709542950|MANAGER|q|Local/1001@from-queue/n|REMOVEMEMBER|\n"+
			"1709543000|NONE|NONE|Agent/1001|AGENTCALLBACKLOGOFF|1001@default|100|\n", vendorOpt())
	if err != nil {
		t.Fatal(err)
	}
	want := []AgentState{
		{AgentID: "1001", Source: "asterisk", State: StateLoggedIn, Start: qlAt(-3600), End: qlAt(0)},
		{AgentID: "1001", Source: "asterisk", State: StateLoggedIn, Start: qlAt(100), End: qlAt(200)},
	}
	if len(rec.states) != len(want) {
		t.Fatalf("states %+v, want %+v", rec.states, want)
	}
	for i := range want {
		if rec.states[i] != want[i] {
			t.Errorf("state %d = %+v, want %+v", i, rec.states[i], want[i])
		}
	}
}

func TestQLAgentID(t *testing.T) {
	for in, want := range map[string]string{
		"Agent/1127":                "1127",
		"Local/1127@callback-agent": "1127",
		"Local/8007@from-queue/n":   "8007",
		"SIP/8007":                  "8007",
		"PJSIP/8007":                "8007",
		"IAX2/alice":                "alice",
		"Alice Smith":               "Alice Smith",
		"NONE":                      "",
		"":                          "",
		"Custom/thing":              "Custom/thing",
		"Local/":                    "Local/",
	} {
		t.Run(in, func(t *testing.T) {
			if got := qlAgentID(in); got != want {
				t.Errorf("qlAgentID(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

// TestParseQueueLogPBXware checks the real PBXware table export against
// counts taken from the file with awk (field 6 is the event, 12 htime,
// 13 ttime; lines are physical lines, the header is line 1):
//
//	awk -F, '$6=="ENTERQUEUE"' | wc -l                                  -> 108 calls
//	awk -F, '$6 ~ /^(COMPLETEAGENT|COMPLETECALLER|BLINDTRANSFER|ATTENDEDTRANSFER)$/ {n++; t+=$13} END {print n, t}'
//	                                                                     -> 91 answered, talk 23913 s
//	awk -F, '$6=="CONNECT"{c[$3]=$12} $6 ~ /^(COMPLETE|BLINDTRANSFER|ATTENDEDTRANSFER)/ {w+=c[$3]} END {print w}'
//	                                                                     -> wait of answered calls 3570 s
//	awk -F, '$6 ~ /^(ABANDON|EXITWITHTIMEOUT)$/ {n++; w+=$12} END {print n, w}'
//	                                                                     -> 13 abandoned (12 + 1), wait 1441 s
//	grep -c -E ',(BLINDTRANSFER|ATTENDEDTRANSFER),'                      -> 2 transferred
//	calls with no end event (the dump stops at 1,000 rows): ENTERQUEUE on lines 968, 970, 993, 1001
//	awk -F, '$6 ~ /^(COMPLETE|BLINDTRANSFER|ATTENDEDTRANSFER)/ {print $5}' | sort | uniq -c
//	                                                                     -> per-agent answered counts below
//	grep -c AGENTCALLBACKLOGOFF                                          -> 10 logins closed
func TestParseQueueLogPBXware(t *testing.T) {
	in := string(vendorRead(t, vendorReal("asterisk-queue-log", "pbxware-queue_log-table-export.csv")))
	rec, err := vendorParse(t, ParseQueueLog, in, vendorOpt())
	if err != nil {
		t.Fatal(err)
	}
	vendorCheck(t, rec)
	var answered, abandoned, transferred int
	var talk, waitAnswered, waitAbandoned uint32
	perAgent := map[string]int{}
	for _, c := range rec.contacts {
		switch {
		case c.AnsweredAt != nil:
			answered++
			talk += c.TalkS
			waitAnswered += c.WaitS
			perAgent[c.AgentID]++
		case c.Abandoned:
			abandoned++
			waitAbandoned += c.WaitS
		}
		if c.Transferred {
			transferred++
		}
	}
	for _, x := range []struct {
		name      string
		got, want int
	}{
		{"contacts", len(rec.contacts), 104},
		{"answered", answered, 91},
		{"abandoned", abandoned, 13},
		{"transferred", transferred, 2},
		{"talk_s", int(talk), 23913},
		{"wait_s answered", int(waitAnswered), 3570},
		{"wait_s abandoned", int(waitAbandoned), 1441},
		{"agent 1109", perAgent["1109"], 16},
		{"agent 1126", perAgent["1126"], 13},
		{"agent 1127", perAgent["1127"], 17},
		{"agent 1128", perAgent["1128"], 13},
		{"agent 1141", perAgent["1141"], 22},
		{"agent 1144", perAgent["1144"], 10},
		{"logged_in intervals", len(rec.states), 10},
	} {
		t.Run(x.name, func(t *testing.T) {
			if x.got != x.want {
				t.Errorf("%s = %d, want %d", x.name, x.got, x.want)
			}
		})
	}
	vendorSameRejects(t, rec.rejects, []string{"968:event", "970:event", "993:event", "1001:event"})
	// Lines 13-20: ENTERQUEUE, five RINGNOANSWER, CONNECT, COMPLETECALLER.
	vendorSameContact(t, rec.contacts[0], Contact{ContactID: "1543602660.197", Source: "asterisk", Channel: "voice",
		Direction: "inbound", Queue: "IT", AgentID: "1127", CustomerID: "17038225596",
		StartedAt: time.Unix(1543602677, 0).UTC(), AnsweredAt: func() *time.Time { x := time.Unix(1543602753, 0).UTC(); return &x }(),
		EndedAt: time.Unix(1543603600, 0).UTC(), WaitS: 76, TalkS: 847, Disposition: "COMPLETECALLER",
		SourceUpdatedAt: time.Unix(1543603600, 0).UTC()})
	// Lines 8 and 134: AGENTCALLBACKLOGIN and AGENTCALLBACKLOGOFF (logintime 25195).
	if got, want := rec.states[0], (AgentState{AgentID: "1141", Source: "asterisk", State: StateLoggedIn,
		Start: time.Unix(1543600769, 0).UTC(), End: time.Unix(1543625964, 0).UTC()}); got != want {
		t.Errorf("first state = %+v, want %+v", got, want)
	}
}

// TestParseQueueLogStatesOnly checks that --kind states --format queue_log
// loads the agent states alone: no contacts, and no rejects of call events
// (the contacts load of the same file stores those).
func TestParseQueueLogStatesOnly(t *testing.T) {
	in := string(vendorRead(t, filepath.Join("testdata", "queuelog", "interleaved.queue_log"))) +
		"1709542999|c-open|q|NONE|ENTERQUEUE||555|1\n" + // incomplete call: a contacts reject
		"1709543000|c-bad|q|NONE|ABANDON|x|1|30\n" + // bad call event
		"1709543001|NONE|NONE|Agent/9|PAUSE|\n" +
		"yesterday|NONE|NONE|Agent/9|UNPAUSE|\n" // bad agent event: both report it
	all, err := vendorParse(t, ParseQueueLog, in, vendorOpt())
	if err != nil {
		t.Fatal(err)
	}
	parse, err := Parser(KindStates, FormatQueueLog)
	if err != nil {
		t.Fatal(err)
	}
	states, err := vendorParse(t, parse, in, vendorOpt())
	if err != nil {
		t.Fatal(err)
	}
	vendorCheck(t, states)
	if len(all.contacts) == 0 || len(all.states) == 0 || len(all.rejects) < 3 {
		t.Fatalf("fixture: %d contacts, %d states, rejects %+v", len(all.contacts), len(all.states), all.rejects)
	}
	if len(states.contacts) != 0 || !reflect.DeepEqual(states.states, all.states) {
		t.Errorf("states load: %d contacts, %d states (want 0, %d)", len(states.contacts), len(states.states), len(all.states))
	}
	// Only lines that are not call events: the bad agent event, and the
	// fixture's line that is too short to say what it is.
	var got []string
	for _, r := range states.rejects {
		got = append(got, strconv.Itoa(r.Line)+":"+r.Field)
	}
	if want := []string{"25:agent", "46:time"}; !reflect.DeepEqual(got, want) {
		t.Errorf("states load rejects %+v, want %v", states.rejects, want)
	}
}
