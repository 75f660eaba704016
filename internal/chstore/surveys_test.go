package chstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/servicecard/servicecard/ingest"
)

func TestSurveyAttribution(t *testing.T) {
	roster := []ingest.Agent{
		{AgentID: "a1", Team: "north", Site: "lyon", ValidFrom: at(-10000)},
		{AgentID: "a2", Team: "south", Site: "nice", ValidFrom: at(-10000)},
		{AgentID: "a3", Team: "west", Site: "brest", ValidFrom: at(-10000)},
	}
	leg := func(id, initial, agent, queue string, start, end int) ingest.Contact {
		c := contact(id, agent, start, 10, 60, 0)
		c.InitialContactID, c.Queue = initial, queue
		c.EndedAt = at(end)
		if agent == "" {
			c.AnsweredAt = nil
		}
		return c
	}
	t1 := leg("t1", "", "a1", "sales", 10, 20)
	t1.Transferred = true
	legs := []ingest.Contact{
		leg("c1", "", "a1", "sales", 0, 10),
		t1,
		leg("t1-2", "t1", "a2", "billing", 20, 40), // the last agent leg
		leg("t1-3", "t1", "", "", 40, 50),          // after-call IVR, no agent
		leg("ab", "", "", "sales", 5, 6),           // abandoned
	}
	legs[4].Abandoned = true
	sv := func(id, contactID, agent string, min int, nps uint8) ingest.Survey {
		return ingest.Survey{ResponseID: id, Source: "qualtrics", ContactID: contactID, AgentID: agent,
			RespondedAt: at(min), NPS: pu8(nps), Comment: "comment " + id}
	}
	responses := []ingest.Survey{
		sv("s-c1", "c1", "", 100, 10),
		sv("s-t1", "t1", "a1", 101, 9), // the survey tool names the first agent: the leg wins
		sv("s-t1-2", "t1-2", "", 102, 6),
		sv("s-ab", "ab", "", 103, 0),
		sv("s-unlinked", "", "a3", 104, 8),
		sv("s-ghost", "ghost", "a1", 105, 7),
		sv("s-later", "c1", "", 100000, 7), // outside the period
	}
	want := []string{
		"s-c1 agent=a1 team=north site=lyon queue=sales contact=c1 linked=true nps=10",
		"s-t1 agent=a2 team=south site=nice queue=billing contact=t1 linked=true nps=9",
		"s-t1-2 agent=a2 team=south site=nice queue=billing contact=t1-2 linked=true nps=6",
		"s-ab agent= team= site= queue=sales contact=ab linked=true nps=0",
		"s-unlinked agent=a3 team=west site=brest queue= contact= linked=false nps=8",
		"s-ghost agent=a1 team=north site=lyon queue= contact=ghost linked=false nps=7",
	}
	facts := func(t *testing.T, st *Store) []string {
		t.Helper()
		fs, err := st.SurveyFacts(context.Background(), at(0), at(1000))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			nps := -1
			if f.NPS != nil {
				nps = int(*f.NPS)
			}
			if f.Comment != "comment "+f.ResponseID || f.RespondedAt.IsZero() {
				t.Errorf("%s: comment %q, responded_at %v", f.ResponseID, f.Comment, f.RespondedAt)
			}
			out = append(out, fmt.Sprintf("%s agent=%s team=%s site=%s queue=%s contact=%s linked=%v nps=%d",
				f.ResponseID, f.AgentID, f.Team, f.Site, f.Queue, f.ContactID, f.Linked, nps))
		}
		return out
	}
	tests := []struct {
		name  string
		loads []func(ingest.Writer) error
	}{
		{"contacts first", []func(ingest.Writer) error{contacts(legs...), surveys(responses...)}},
		{"surveys first", []func(ingest.Writer) error{surveys(responses...), contacts(legs...)}},
		{"surveys between the legs", []func(ingest.Writer) error{contacts(legs[0], legs[1], legs[4]), surveys(responses...), contacts(legs[2], legs[3])}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t, Options{})
			load(t, st, ingest.Batch{ID: "roster", Kind: ingest.KindAgents}, agents(roster...))
			for i, l := range tt.loads {
				load(t, st, ingest.Batch{ID: fmt.Sprint("b", i), Kind: ingest.KindContacts}, l)
			}
			if got := facts(t, st); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("survey facts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	t.Run("follows a corrected leg", func(t *testing.T) {
		st := newStore(t, Options{})
		load(t, st, ingest.Batch{ID: "roster", Kind: ingest.KindAgents}, agents(roster...))
		load(t, st, ingest.Batch{ID: "s", Kind: ingest.KindSurveys}, surveys(responses[2]))
		load(t, st, ingest.Batch{ID: "c", Kind: ingest.KindContacts}, contacts(legs...))
		fixed := legs[2]
		fixed.AgentID, fixed.Team, fixed.Site, fixed.SourceUpdatedAt = "a3", "", "", at(1)
		load(t, st, ingest.Batch{ID: "fix", Kind: ingest.KindContacts}, contacts(fixed))
		got := facts(t, st)
		w := "s-t1-2 agent=a3 team=west site=brest queue=billing contact=t1-2 linked=true nps=6"
		if len(got) != 1 || got[0] != w {
			t.Fatalf("after the correction: %v\nwant %s", got, w)
		}
	})
}
