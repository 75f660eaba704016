package ingest

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func ctrAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ctrAtP(s string) *time.Time { t := ctrAt(s); return &t }

func TestParseConnectCTRFiles(t *testing.T) {
	inbound := Contact{ContactID: "5ca3b2d1-7e7c-4a43-9d6b-1f2a3b4c5d6e", Source: "connect", Channel: "voice",
		Direction: "inbound", Queue: "Billing", Team: "Billing Team A", AgentID: "jdoe", CustomerID: "+441632960001",
		StartedAt: ctrAt("2024-03-04T14:00:40Z"), AnsweredAt: ctrAtP("2024-03-04T14:01:12Z"),
		EndedAt: ctrAt("2024-03-04T14:06:17Z"), WaitS: 32, TalkS: 245, HoldS: 60, HoldCount: 2, AcwS: 30,
		Disposition: "CUSTOMER_DISCONNECT", SourceUpdatedAt: ctrAt("2024-03-04T14:07:30Z")}
	abandoned := Contact{ContactID: "9d1f0c2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f", Source: "connect", Channel: "voice",
		Direction: "inbound", Queue: "Billing", CustomerID: "+441632960002",
		StartedAt: ctrAt("2024-03-04T14:10:20Z"), EndedAt: ctrAt("2024-03-04T14:11:35Z"), WaitS: 75, Abandoned: true,
		Disposition: "CUSTOMER_DISCONNECT", SourceUpdatedAt: ctrAt("2024-03-04T14:12:40Z")}
	leg1 := Contact{ContactID: "a1b2c3d4-0001-4000-8000-000000000001", Source: "connect", Channel: "voice",
		Direction: "inbound", Queue: "Sales", Team: "Sales Team", AgentID: "asmith", CustomerID: "+441632960003",
		StartedAt: ctrAt("2024-03-04T15:00:15Z"), AnsweredAt: ctrAtP("2024-03-04T15:00:25Z"),
		EndedAt: ctrAt("2024-03-04T15:02:25Z"), WaitS: 10, TalkS: 120, AcwS: 5, Transferred: true,
		Disposition: "CONTACT_FLOW_DISCONNECT", SourceUpdatedAt: ctrAt("2024-03-04T15:03:10Z")}
	leg2 := Contact{ContactID: "a1b2c3d4-0002-4000-8000-000000000002", Source: "connect", Channel: "voice",
		Direction: "inbound", Queue: "Billing", Team: "Billing Team A", AgentID: "jdoe", CustomerID: "+441632960003",
		StartedAt: ctrAt("2024-03-04T15:02:26Z"), AnsweredAt: ctrAtP("2024-03-04T15:03:01Z"),
		EndedAt: ctrAt("2024-03-04T15:08:21Z"), WaitS: 35, TalkS: 300, HoldS: 20, HoldCount: 1, AcwS: 40,
		Disposition: "AGENT_DISCONNECT", InitialContactID: "a1b2c3d4-0001-4000-8000-000000000001",
		SourceUpdatedAt: ctrAt("2024-03-04T15:09:30Z")}
	// The real CAPITA records (FORMATS.md; testdata/real/SOURCES.md section 2).
	capitaInbound := Contact{ContactID: "4cdd0d7e-0992-4d66-9ad3-0ec33b478fdd", Source: "connect", Channel: "voice",
		Direction: "inbound", CustomerID: "+4412345678", StartedAt: ctrAt("2019-01-30T15:11:35Z"),
		EndedAt: ctrAt("2019-01-30T15:11:39Z"), SourceUpdatedAt: ctrAt("2019-01-30T15:12:41Z")}
	capitaOutbound := Contact{ContactID: "3b124062-b242-4aa9-bb40-1e2414b8758a", Source: "connect", Channel: "voice",
		Direction: "outbound", Queue: "National Accounts", AgentID: "P12288098", CustomerID: "+448700103240",
		StartedAt: ctrAt("2019-02-27T08:19:18Z"), AnsweredAt: ctrAtP("2019-02-27T08:19:22Z"),
		EndedAt: ctrAt("2019-02-27T08:20:49Z"), TalkS: 86, AcwS: 10, SourceUpdatedAt: ctrAt("2019-02-27T08:22:06Z")}

	tests := []struct {
		name string
		path string
		want []Contact
	}{
		{"inbound answered with hold and ACW, pretty-printed", filepath.Join("testdata", "connect", "inbound-answered-hold-acw.json"), []Contact{inbound}},
		{"abandoned and a transfer pair, NDJSON", filepath.Join("testdata", "connect", "abandoned-and-transfer.ndjson"), []Contact{abandoned, leg1, leg2}},
		{"real: inbound with no queue and no agent", vendorReal("amazon-connect-ctr", "capita-inbound-no-agent-no-queue.json"), []Contact{capitaInbound}},
		{"real: outbound with agent, one Firehose line", vendorReal("amazon-connect-ctr", "capita-outbound-with-agent-firehose.json"), []Contact{capitaOutbound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := vendorParse(t, ParseConnectCTR, string(vendorRead(t, tt.path)), vendorOpt())
			if err != nil {
				t.Fatal(err)
			}
			vendorCheck(t, rec)
			if len(rec.rejects) != 0 || len(rec.contacts) != len(tt.want) {
				t.Fatalf("got %d contacts and rejects %+v, want %d contacts", len(rec.contacts), rec.rejects, len(tt.want))
			}
			for i := range tt.want {
				vendorSameContact(t, rec.contacts[i], tt.want[i])
			}
		})
	}
}

func TestParseConnectCTRLayouts(t *testing.T) {
	pretty := string(vendorRead(t, filepath.Join("testdata", "connect", "inbound-answered-hold-acw.json")))
	ndjson := string(vendorRead(t, filepath.Join("testdata", "connect", "abandoned-and-transfer.ndjson")))
	lines := strings.Split(strings.TrimSpace(ndjson), "\n")
	firehose := string(vendorRead(t, vendorReal("amazon-connect-ctr", "capita-outbound-with-agent-firehose.json")))
	firehose = strings.TrimSpace(firehose)
	prettyLines := strings.Count(pretty, "\n")
	tests := []struct {
		name     string
		in       string
		contacts int
		rejects  []string // "line:field"
		err      error
	}{
		{name: "empty", in: ""},
		{name: "white space only", in: " \n\t\n"},
		{name: "Firehose: objects concatenated without separators", in: firehose + firehose + firehose, contacts: 3},
		{name: "JSON array", in: "[" + strings.Join(lines, ",\n") + "]", contacts: 3},
		{name: "pretty-printed array", in: "[\n" + pretty + ",\n" + pretty + "]\n", contacts: 2},
		{name: "BOM", in: "\ufeff" + ndjson, contacts: 3},
		{name: "empty array", in: " [ ] ", contacts: 0},
		{
			name:    "rejects in an array carry the line where each object starts",
			in:      "[\n  {\"ContactId\": \"c1\"},\n  {\n    \"ContactId\": \"c2\"\n  }\n]\n",
			rejects: []string{"2:InitiationTimestamp", "3:InitiationTimestamp"},
		},
		{
			name:     "a broken line is rejected and reading goes on at the next object",
			in:       lines[0] + "\n{\"ContactId\": \"x\", oops\n" + lines[1] + "\n" + lines[2] + "\n",
			contacts: 3, rejects: []string{"2:"},
		},
		{
			name:     "a broken pretty object is skipped to the next one",
			in:       pretty + "{\n  \"ContactId\": 1,,\n  \"Queue\": {\n  }\n}\n" + pretty,
			contacts: 2, rejects: []string{strconv.Itoa(prettyLines+1) + ":"},
		},
		{
			name:     "truncated last record",
			in:       ndjson + lines[0][:100],
			contacts: 3, rejects: []string{"4:"},
		},
		{
			name:    "missing ContactId and InitiationTimestamp",
			in:      `{"InitiationTimestamp":"2024-03-04T14:00:05Z","DisconnectTimestamp":"2024-03-04T14:01:05Z"}` + "\n" + `{"ContactId":"c2","DisconnectTimestamp":"2024-03-04T14:01:05Z"}`,
			rejects: []string{"1:ContactId", "2:InitiationTimestamp"},
		},
		{
			name:    "no DisconnectTimestamp yet",
			in:      `{"ContactId":"c1","InitiationTimestamp":"2024-03-04T14:00:05Z"}`,
			rejects: []string{"1:DisconnectTimestamp"},
		},
		{
			name:    "ended before it started",
			in:      `{"ContactId":"c1","InitiationTimestamp":"2024-03-04T14:00:05Z","DisconnectTimestamp":"2024-03-04T13:00:05Z"}`,
			rejects: []string{"1:DisconnectTimestamp"},
		},
		{
			name:    "wrong types and bad values",
			in:      `{"ContactId":"c1","InitiationTimestamp":"2024-03-04T14:00:05Z","DisconnectTimestamp":"2024-03-04T14:01:05Z","Agent":{"Username":42}}` + "\n" + `{"ContactId":"c2","InitiationTimestamp":"2024-03-04T14:00:05Z","DisconnectTimestamp":"2024-03-04T14:01:05Z","Queue":{"Duration":-3}}` + "\n" + `{"ContactId":"c3","InitiationTimestamp":"yesterday","DisconnectTimestamp":"2024-03-04T14:01:05Z"}` + "\n" + `"c4"`,
			rejects: []string{"1:Agent.Username", "2:Queue.Duration", "3:InitiationTimestamp", "4:"},
		},
		{
			name:     "durations as strings, zone offsets, unknown fields",
			in:       `{"ContactId":"c1","Channel":"CHAT","InitiationMethod":"API","InitiationTimestamp":"2024-03-04T15:00:05+01:00","DisconnectTimestamp":"2024-03-04T14:01:05.250Z","Queue":{"Name":"q","EnqueueTimestamp":"2024-03-04T14:00:10Z","Duration":"5"},"Agent":{"Username":"a","ConnectedToAgentTimestamp":"2024-03-04T14:00:15Z","AgentInteractionDuration":"50.0"},"Future":{"x":[1,2]}}`,
			contacts: 1,
		},
		{
			name: "supervisor monitoring legs are not contacts",
			in:   `{"ContactId":"c1","InitiationMethod":"MONITOR","InitiationTimestamp":"2024-03-04T14:00:05Z","DisconnectTimestamp":"2024-03-04T14:01:05Z"}`,
		},
		{name: "not JSON", in: "ContactId,Queue\nc1,q\n", err: ErrFormat},
		{name: "broken array", in: "[" + lines[0] + ", {oops} ]", contacts: 1, err: ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := vendorParse(t, ParseConnectCTR, tt.in, vendorOpt())
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			vendorCheck(t, rec)
			if len(rec.contacts) != tt.contacts {
				t.Errorf("got %d contacts, want %d", len(rec.contacts), tt.contacts)
			}
			vendorSameRejects(t, rec.rejects, tt.rejects)
		})
	}
}

func TestParseConnectCTRValues(t *testing.T) {
	in := `{"ContactId":"c1","Channel":"CHAT","InitiationMethod":"API","InitiationTimestamp":"2024-03-04T15:00:05+01:00","DisconnectTimestamp":"2024-03-04T14:01:05.250Z","Queue":{"Name":"q","EnqueueTimestamp":"2024-03-04T14:00:10Z","Duration":"5"},"Agent":{"Username":"a","ConnectedToAgentTimestamp":"2024-03-04T14:00:15Z","AgentInteractionDuration":"50.0","HierarchyGroups":{"Level1":{"GroupName":"EU"},"Level3":{"GroupName":"Team 3"},"Level4":{"GroupName":""}}},"PreviousContactId":"c0","TransferredToEndpoint":{"Address":"+15550100","Type":"TELEPHONE_NUMBER"}}`
	rec, err := vendorParse(t, ParseConnectCTR, in, Options{Source: "connect-eu", Now: vendorOpt().Now})
	if err != nil || len(rec.contacts) != 1 {
		t.Fatalf("err %v, contacts %+v, rejects %+v", err, rec.contacts, rec.rejects)
	}
	vendorSameContact(t, rec.contacts[0], Contact{ContactID: "c1", Source: "connect-eu", Channel: "chat", Direction: "inbound",
		Queue: "q", Team: "Team 3", AgentID: "a", StartedAt: ctrAt("2024-03-04T14:00:10Z"), AnsweredAt: ctrAtP("2024-03-04T14:00:15Z"),
		EndedAt: ctrAt("2024-03-04T14:01:05.25Z"), WaitS: 5, TalkS: 50, Transferred: true, InitialContactID: "c0",
		SourceUpdatedAt: ctrAt("2024-03-04T14:01:05.25Z")})
}

func TestCTRDirection(t *testing.T) {
	for _, tt := range []struct{ method, channel, want string }{
		{"INBOUND", "voice", "inbound"},
		{"TRANSFER", "voice", "inbound"},
		{"QUEUE_TRANSFER", "chat", "inbound"},
		{"CALLBACK", "voice", "inbound"},
		{"API", "chat", "inbound"},
		{"API", "voice", "outbound"},
		{"OUTBOUND", "voice", "outbound"},
		{"EXTERNAL_OUTBOUND", "voice", "outbound"},
		{"", "voice", "inbound"},
	} {
		t.Run(tt.method+"/"+tt.channel, func(t *testing.T) {
			if got := ctrDirection(tt.method, tt.channel); got != tt.want {
				t.Errorf("ctrDirection(%q, %q) = %q, want %q", tt.method, tt.channel, got, tt.want)
			}
		})
	}
}

func TestParseConnectCTRTooLarge(t *testing.T) {
	big := `{"ContactId":"c1","Attributes":{"x":"` + strings.Repeat("a", 300<<10) + `"}}`
	rec, err := vendorParse(t, ParseConnectCTR, big, Options{MaxLineBytes: 1 << 10, Now: vendorOpt().Now})
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("err = %v, want a too-large error", err)
	}
	if len(rec.contacts) != 0 {
		t.Fatalf("contacts %+v", rec.contacts)
	}
	// Under the decoder's slack: rejected, and the next record is read.
	mid := `{"ContactId":"c1","Attributes":{"x":"` + strings.Repeat("a", 2<<10) + `"}}` + "\n" +
		`{"ContactId":"c2","InitiationTimestamp":"2024-03-04T14:00:05Z","DisconnectTimestamp":"2024-03-04T14:01:05Z"}`
	rec, err = vendorParse(t, ParseConnectCTR, mid, Options{MaxLineBytes: 1 << 10, Now: vendorOpt().Now})
	if err != nil || len(rec.contacts) != 1 {
		t.Fatalf("err %v, contacts %d", err, len(rec.contacts))
	}
	vendorSameRejects(t, rec.rejects, []string{"1:"})
}
