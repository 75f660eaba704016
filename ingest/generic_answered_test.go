package ingest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// answeredAt lists each contact's answer time ("" when not answered).
func answeredAt(cs []Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		if c.AnsweredAt != nil {
			out[i] = c.AnsweredAt.Format(time.RFC3339)
		}
	}
	return out
}

// TestContactsAnsweredInferred checks the rule for CSVs without an
// answered_at column: not abandoned, with an agent or talk time, is
// answered at started_at + wait_s.
func TestContactsAnsweredInferred(t *testing.T) {
	in := "contact_id,started_at,wait_s,talk_s,agent_id,abandoned\n" +
		"agent-and-talk,2025-03-03T09:00:00Z,20,100,a1,0\n" +
		"agent-only,2025-03-03T09:00:00Z,5,,a1,\n" +
		"talk-only,2025-03-03T09:00:00Z,,30,,\n" +
		"abandoned,2025-03-03T09:00:00Z,40,,,1\n" +
		"nothing,2025-03-03T09:00:00Z,40,,,\n"
	s, err := genParse(ParseContactsCSV, in, genOpt())
	if err != nil || len(s.rejects) != 0 {
		t.Fatalf("err %v, %v", err, s)
	}
	want := []string{"2025-03-03T09:00:20Z", "2025-03-03T09:00:05Z", "2025-03-03T09:00:00Z", "", ""}
	if got := answeredAt(s.contacts); !reflect.DeepEqual(got, want) {
		t.Errorf("answered_at %q, want %q", got, want)
	}
	// The same rows as NDJSON objects without the key.
	nd := `{"contact_id":"x","started_at":"2025-03-03T09:00:00Z","wait_s":20,"talk_s":100}` + "\n" +
		`{"contact_id":"y","started_at":"2025-03-03T09:00:00Z","wait_s":20,"answered_at":null,"talk_s":100}` + "\n"
	s, err = genParse(ParseContactsNDJSON, nd, genOpt())
	if err != nil || len(s.rejects) != 0 {
		t.Fatalf("err %v, %v", err, s)
	}
	if got := answeredAt(s.contacts); !reflect.DeepEqual(got, []string{"2025-03-03T09:00:20Z", ""}) {
		t.Errorf("NDJSON answered_at %q: want the absent key inferred, an explicit null kept", got)
	}
	// With the column present, an empty answered_at means not answered.
	s, err = genParse(ParseContactsCSV, "contact_id,started_at,answered_at,talk_s,agent_id\nc1,2025-03-03T09:00:00Z,,30,a1\n", genOpt())
	if err != nil || len(s.contacts) != 1 || s.contacts[0].AnsweredAt != nil {
		t.Errorf("empty answered_at with the column present: %v %v", err, s)
	}
	// An inferred answer after the end is a reject naming the rule.
	s, _ = genParse(ParseContactsCSV, "contact_id,started_at,ended_at,wait_s,agent_id\nc1,2025-03-03T09:00:00Z,2025-03-03T09:00:10Z,60,a1\n", genOpt())
	if len(s.rejects) != 1 || s.rejects[0].Field != "wait_s" || !strings.Contains(s.rejects[0].Reason, "inferred answer time") {
		t.Errorf("rejects %+v", s.rejects)
	}
}

// TestContactsAnsweredFlag checks the explicit answered 0/1 column.
func TestContactsAnsweredFlag(t *testing.T) {
	in := "contact_id,started_at,wait_s,answered,answered_at,abandoned\n" +
		"yes,2025-03-03T09:00:00Z,15,1,,\n" +
		"no,2025-03-03T09:00:00Z,15,0,,\n" +
		"yes-with-time,2025-03-03T09:00:00Z,15,1,2025-03-03T09:00:09Z,\n" +
		"no-but-time,2025-03-03T09:00:00Z,15,0,2025-03-03T09:00:09Z,\n" +
		"yes-abandoned,2025-03-03T09:00:00Z,15,1,,1\n" +
		"bad,2025-03-03T09:00:00Z,15,maybe,,\n"
	s, err := genParse(ParseContactsCSV, in, genOpt())
	if err != nil {
		t.Fatal(err)
	}
	if got := answeredAt(s.contacts); !reflect.DeepEqual(got, []string{"2025-03-03T09:00:15Z", "", "2025-03-03T09:00:09Z"}) {
		t.Errorf("answered_at %q", got)
	}
	var got []string
	for _, r := range s.rejects {
		got = append(got, r.Field)
	}
	if !reflect.DeepEqual(got, []string{"answered", "abandoned", "answered"}) {
		t.Errorf("rejects %+v", s.rejects)
	}
	nd := `{"contact_id":"x","started_at":"2025-03-03T09:00:00Z","wait_s":20,"answered":true}` + "\n"
	s, err = genParse(ParseContactsNDJSON, nd, genOpt())
	if err != nil || !reflect.DeepEqual(answeredAt(s.contacts), []string{"2025-03-03T09:00:20Z"}) {
		t.Errorf("NDJSON answered flag: %v %v", err, s)
	}
}

// TestParseAgentsCSVRefusesContacts checks that a contacts CSV given as a
// roster is refused by its header instead of loading roster rows without
// teams.
func TestParseAgentsCSVRefusesContacts(t *testing.T) {
	s, err := genParse(ParseAgentsCSV, string(genTestdata(t, "contacts.csv")), genOpt())
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "load it as kind contacts") {
		t.Fatalf("err = %v, want ErrFormat naming the contacts kind", err)
	}
	if s.rows() != 0 || len(s.rejects) != 0 {
		t.Errorf("loaded %v", s)
	}
	// A roster with extra columns still loads.
	s, err = genParse(ParseAgentsCSV, "agent_id,team,queue,started_at\na1,north,billing,2025-01-01\n", genOpt())
	if err != nil || len(s.agents) != 1 {
		t.Errorf("roster: %v %v", err, s)
	}
}

// TestEmptyInputSaysWhatItWants checks the message of an empty file.
func TestEmptyInputSaysWhatItWants(t *testing.T) {
	_, err := genParse(ParseAgentsCSV, "", genOpt())
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "empty input: want a CSV of roster rows (agents) with a header row (required columns: agent_id)") {
		t.Fatalf("err = %v", err)
	}
}
