package ingest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func qxScore(n uint8) *uint8 { return &n }

func TestParseQualtricsOwnExport(t *testing.T) {
	in := string(vendorRead(t, filepath.Join("testdata", "qualtrics", "nps-csat-3header.csv")))
	opt := vendorOpt()
	opt.Columns = map[string]string{"comment": "QID3_TEXT", "queue": "ignored: not a survey field"}
	rec, err := vendorParse(t, ParseQualtrics, in, opt)
	if err != nil {
		t.Fatal(err)
	}
	vendorCheck(t, rec)
	// Dates are read in the ImportId row's timeZone, America/New_York
	// (UTC-5, and UTC-4 from 2024-03-10 03:00). NPS is Q1, found through
	// its Q1_NPS_GROUP column; CSAT is the column named CSAT.
	want := []Survey{
		{ResponseID: "R_1Fp6sQ0Y3nXwK2a", Source: "qualtrics", ContactID: "5ca3b2d1-7e7c-4a43-9d6b-1f2a3b4c5d6e", AgentID: "jdoe",
			RespondedAt: ctrAt("2024-03-04T15:15:02Z"), NPS: qxScore(9), CSAT: qxScore(5), Comment: "Quick and friendly, thanks!"},
		{ResponseID: "R_2Gq7tR1Z4oYxL3b", Source: "qualtrics", ContactID: "a1b2c3d4-0002-4000-8000-000000000002", AgentID: "jdoe",
			RespondedAt: ctrAt("2024-03-04T16:21:40Z"), NPS: qxScore(3), CSAT: qxScore(2), Comment: "On hold twice.\nNobody called back, \"as promised\"."},
		{ResponseID: "R_4Is9vT3B6qAzN5d", Source: "qualtrics", ContactID: "9d1f0c2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
			RespondedAt: ctrAt("2024-03-04T18:01:00Z"), CSAT: qxScore(4)},
		{ResponseID: "R_8Mw3zX7F0uEdR9h", Source: "qualtrics", AgentID: "asmith",
			RespondedAt: ctrAt("2024-03-10T07:30:00Z"), NPS: qxScore(10)},
	}
	if len(rec.surveys) != len(want) {
		t.Fatalf("got %d surveys %+v, want %d", len(rec.surveys), rec.surveys, len(want))
	}
	for i, w := range want {
		t.Run(w.ResponseID, func(t *testing.T) { vendorSameSurvey(t, rec.surveys[i], w) })
	}
	// Line 7 is a preview, 9 has no score, 10 an NPS of 11, 11 is spam;
	// the multi-line comment makes response 2 span lines 5-6.
	vendorSameRejects(t, rec.rejects, []string{"7:status", "9:nps|csat|ces", "10:nps", "11:status"})
	if r := rec.rejects[1]; r.Reason != "no score" || !strings.HasPrefix(r.Raw, "2024-03-04 14:00:00,") {
		t.Errorf("reject = %+v", r)
	}
}

func vendorSameSurvey(t *testing.T, got, want Survey) {
	t.Helper()
	eq := func(a, b *uint8) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	if !eq(got.NPS, want.NPS) || !eq(got.CSAT, want.CSAT) || !eq(got.CES, want.CES) {
		t.Errorf("scores of %s: nps %v csat %v ces %v, want %v %v %v", got.ResponseID,
			vendorU8(got.NPS), vendorU8(got.CSAT), vendorU8(got.CES), vendorU8(want.NPS), vendorU8(want.CSAT), vendorU8(want.CES))
	}
	got.NPS, got.CSAT, got.CES, want.NPS, want.CSAT, want.CES = nil, nil, nil, nil, nil, nil
	if got != want {
		t.Errorf("survey\n got %+v\nwant %+v", got, want)
	}
}

func vendorU8(p *uint8) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestParseQualtricsReal loads the real exports. None has a score question
// by name, so without a mapping the whole file is refused with the
// mapping to set; with one, the mapped question loads. The values were read
// with awk from the QualtricsTools file (data rows are lines 4-13; no
// quoted comma before column 35):
//
//	awk -F, 'NR>3 {print $12, $21, $26, $45}'
//	-> q1_recent_q1_recent_1_1 (QID4-1-1) 1 1 1 _ _ 1 1 1 _ 1 (sum 7);
//	   q2_favorite (QID1) 1 1 2 3 1 2 2 2 2 1 (sum 17);
//	   q4_rank_1 (QID2-1) empty on lines 4, 5, 8, 13 and -1 on 12, else 2 2 2 3 1;
//	   Q10#2_1_-1 only empty or -1 ("not displayed").
func TestParseQualtricsReal(t *testing.T) {
	tools := vendorReal("qualtrics-csv", "QualtricsTools-better-sample-survey-2016-singlequote-importid.csv")
	de := vendorReal("qualtrics-csv", "qualtRics-sample-3header-de.csv")
	legacy := vendorReal("qualtrics-csv", "qualtRics-sample-legacy-2header.csv")
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		cols    map[string]string
		loc     *time.Location
		n       int      // surveys
		sum     int      // of all scores
		first   *Survey  // the first survey, when checked
		rejects []string // "line:field"
		errHas  string   // ErrFormat containing this
	}{
		{name: "QualtricsTools, no mapping", path: tools, errHas: "nps=Q5"},
		{name: "qualtRics 3 header rows, no mapping", path: de, errHas: "no score column"},
		{name: "qualtRics legacy, no mapping", path: legacy, errHas: "no score column"},
		{name: "QualtricsTools, csat by column name", path: tools, cols: map[string]string{"csat": "q2_favorite"}, n: 10, sum: 17,
			first: &Survey{ResponseID: "R_9RWrgh1F9m7488l", Source: "qualtrics", RespondedAt: ctrAt("2016-07-20T12:49:25Z"), CSAT: qxScore(1)}},
		{name: "QualtricsTools, csat by single-quoted ImportId", path: tools, cols: map[string]string{"csat": "QID1"}, n: 10, sum: 17},
		{name: "QualtricsTools, a question with gaps and -1", path: tools, cols: map[string]string{"ces": "QID2-1"}, n: 5, sum: 10,
			rejects: []string{"4:nps|csat|ces", "5:nps|csat|ces", "8:nps|csat|ces", "12:nps|csat|ces", "13:nps|csat|ces"}},
		{name: "qualtRics 3 header rows, nps by name", path: de, cols: map[string]string{"nps": "Q1"}, n: 1, sum: 2,
			first: &Survey{ResponseID: "R_2YPOQ602ER1jkf1", Source: "qualtrics", RespondedAt: ctrAt("2017-07-18T08:28:48Z"), NPS: qxScore(2)}},
		{name: "qualtRics 3 header rows, read in Europe/Zurich", path: de, cols: map[string]string{"nps": "QID1", "comment": "Q2"}, loc: zurich, n: 1, sum: 2,
			first: &Survey{ResponseID: "R_2YPOQ602ER1jkf1", Source: "qualtrics", RespondedAt: ctrAt("2017-07-18T06:28:48Z"), NPS: qxScore(2), Comment: "Hello World!"}},
		{name: "qualtRics legacy, nps by V code", path: legacy, cols: map[string]string{"nps": "Q1"}, n: 1, sum: 2,
			first: &Survey{ResponseID: "R_2YPOQ602ER1jkf1", Source: "qualtrics", RespondedAt: ctrAt("2017-07-18T08:28:48Z"), NPS: qxScore(2)}},
		{name: "qualtRics legacy, nps by label, date by V code", path: legacy,
			cols: map[string]string{"nps": "This is a multiple choice question.", "responded_at": "V8"}, n: 1, sum: 2,
			first: &Survey{ResponseID: "R_2YPOQ602ER1jkf1", Source: "qualtrics", RespondedAt: ctrAt("2017-07-18T08:28:09Z"), NPS: qxScore(2)}},
		{name: "a mapping to a missing column", path: de, cols: map[string]string{"nps": "Q9"}, errHas: `nps="Q9"`},
		{name: "QualtricsTools, three questions, -1 is no answer, a comment with commas", path: tools,
			cols: map[string]string{"csat": "q2_favorite", "nps": "q1_recent_q1_recent_1_1", "ces": "Q10#2_1_-1", "comment": "q5_position"},
			n:    10, sum: 17 + 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := vendorOpt()
			opt.Columns, opt.Location = tt.cols, tt.loc
			rec, err := vendorParse(t, ParseQualtrics, string(vendorRead(t, tt.path)), opt)
			if tt.errHas != "" {
				if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want ErrFormat containing %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			vendorCheck(t, rec)
			sum := 0
			for _, s := range rec.surveys {
				for _, p := range []*uint8{s.NPS, s.CSAT, s.CES} {
					if p != nil {
						sum += int(*p)
					}
				}
			}
			if len(rec.surveys) != tt.n || sum != tt.sum {
				t.Errorf("got %d surveys, score sum %d; want %d, %d", len(rec.surveys), sum, tt.n, tt.sum)
			}
			if tt.first != nil && len(rec.surveys) > 0 {
				vendorSameSurvey(t, rec.surveys[0], *tt.first)
			}
			vendorSameRejects(t, rec.rejects, tt.rejects)
		})
	}
}

func TestParseQualtricsHeaders(t *testing.T) {
	const names = "StartDate,EndDate,Status,ResponseId,Q1,Q1_NPS_GROUP,Q2_NPS,Q3_CES\n"
	const labels = "Start Date,End Date,Response Type,Response ID,How likely...,How likely... - Group,Agent NPS,Effort\n"
	const ids = `"{""ImportId"":""startDate"",""timeZone"":""Mars/Olympus""}","{""ImportId"":""endDate""}","{""ImportId"":""status""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID1_NPS_GROUP""}","{""ImportId"":""QID2""}","{""ImportId"":""QID3""}"` + "\n"
	const goodIDs = `"{""ImportId"":""startDate""}","{""ImportId"":""endDate"",""timeZone"":""UTC""}","{""ImportId"":""status""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID1_NPS_GROUP""}","{""ImportId"":""QID2""}","{""ImportId"":""QID3""}"` + "\n"
	const row = "2024-03-04 10:00:00,2024-03-04 10:01:00,IP Address,R_1,9,3,7,6\n"
	tests := []struct {
		name   string
		in     string
		cols   map[string]string
		n      int
		errHas string
	}{
		{name: "two NPS-looking columns need a mapping", in: names + labels + goodIDs + row, errHas: "Q1, Q2_NPS"},
		{name: "mapped, the other is ignored", in: names + labels + goodIDs + row, cols: map[string]string{"nps": "Q2_NPS"}, n: 1},
		{name: "an unknown timeZone", in: names + labels + ids + row, errHas: "Mars/Olympus"},
		{name: "one header row is the csv format", in: names + row, errHas: "third header row"},
		{name: "header only", in: names + labels + goodIDs, cols: map[string]string{"nps": "Q1"}},
		{name: "no header", in: "", errHas: "header rows"},
		{name: "no response id", in: "EndDate,NPS\nEnd,NPS\n\"{'ImportId': 'endDate'}\",\"{'ImportId': 'QID1'}\"\n", errHas: "response_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := vendorOpt()
			opt.Columns = tt.cols
			rec, err := vendorParse(t, ParseQualtrics, tt.in, opt)
			if tt.errHas != "" {
				if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want ErrFormat containing %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			vendorCheck(t, rec)
			if len(rec.surveys) != tt.n || len(rec.rejects) != 0 {
				t.Errorf("got %d surveys and rejects %+v, want %d", len(rec.surveys), rec.rejects, tt.n)
			}
		})
	}
}

// TestParseQualtricsLongLine checks the over-long-line rule every format
// shares: the long row is rejected and the rows after it load.
func TestParseQualtricsLongLine(t *testing.T) {
	const head = "EndDate,ResponseId,NPS\nEnd Date,Response ID,NPS\n\"{'ImportId': 'endDate'}\",\"{'ImportId': '_recordId'}\",\"{'ImportId': 'QID1'}\"\n"
	in := head + "2024-03-04 10:00:00,R_1,9\n2024-03-04 10:00:00,R_2," + strings.Repeat("9", 300) + "\n2024-03-04 10:00:00,R_3,7\n"
	opt := vendorOpt()
	opt.MaxLineBytes = 200
	rec, err := vendorParse(t, ParseQualtrics, in, opt)
	if err != nil {
		t.Fatalf("a long line failed the file: %v", err)
	}
	vendorCheck(t, rec)
	if len(rec.surveys) != 2 || len(rec.rejects) != 1 || rec.rejects[0].Line != 5 || !strings.Contains(rec.rejects[0].Reason, "longer than 200 bytes") {
		t.Fatalf("got %d surveys, rejects %+v; want 2 surveys and line 5 rejected as too long", len(rec.surveys), rec.rejects)
	}
}
