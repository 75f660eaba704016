package main

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// TestE2EVisibilityMatrix asks every surface that carries agent data as
// every role, against the served demo center, and checks the visibility
// policy (internal/auth) on the real answers: no real agent id reaches an
// analyst anywhere or an executive outside recognition, analysts get
// agent keys instead, supervisors only their own team's agents, admins
// real ids.
func TestE2EVisibilityMatrix(t *testing.T) {
	c := sharedCenter(t)
	var ids []string
	for id := range c.teamOf {
		ids = append(ids, regexp.QuoteMeta(id))
	}
	if len(ids) < 10 {
		t.Fatalf("only %d agents in the roster", len(ids))
	}
	slices.SortFunc(ids, func(a, b string) int { return len(b) - len(a) }) // longest first
	realID := regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])(` + strings.Join(ids, "|") + `)(?:$|[^A-Za-z0-9_-])`)
	agentKey := regexp.MustCompile(`\bak_[0-9a-f]{16}\b`)
	found := func(body string) map[string]bool {
		out := map[string]bool{}
		for _, m := range realID.FindAllStringSubmatch(body, -1) {
			out[m[1]] = true
		}
		return out
	}
	from := c.m.From.AddDate(0, 0, 21).Format(time.DateOnly)
	to := c.m.From.AddDate(0, 0, 27).Format(time.DateOnly)
	type expect int
	const (
		forbidden expect = iota // 403
		none                    // 200, no real id
		keys                    // 200, agent keys and no real id
		ownTeam                 // 200, real ids of the supervisor's team only
		real                    // 200, real ids
	)
	type surface struct {
		name, path string
		query      map[string]string
		want       map[string]expect // token name -> expectation
	}
	qv := func(kv ...string) map[string]string {
		m := map[string]string{"from": from, "to": to}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	surfaces := []surface{
		{"scorecards agent", "/api/v1/scorecards", qv("level", "agent", "grain", "week"),
			map[string]expect{tokExecutive: forbidden, tokSupervisor: ownTeam, tokAnalyst: keys, tokAdmin: real}},
		{"scorecards team", "/api/v1/scorecards", qv("level", "team", "grain", "week"),
			map[string]expect{tokExecutive: none, tokSupervisor: none, tokAnalyst: none, tokAdmin: none}},
		{"coaching", "/api/v1/coaching", map[string]string{"to": c.lastDay()},
			map[string]expect{tokExecutive: forbidden, tokSupervisor: ownTeam, tokAnalyst: forbidden, tokAdmin: real}},
		{"recognition", "/api/v1/recognition", qv(),
			map[string]expect{tokExecutive: real, tokSupervisor: ownTeam, tokAnalyst: forbidden, tokAdmin: real}},
		{"executive page", "/", nil,
			map[string]expect{tokAnalyst: none}},
		{"coaching page", "/coaching", nil,
			map[string]expect{tokExecutive: none, tokAnalyst: none}},
	}
	for _, table := range []string{"contacts", "surveys", "scorecards"} {
		for _, format := range []string{"csv", "ndjson", "parquet"} {
			surfaces = append(surfaces, surface{"export " + table + " " + format, "/api/v1/export/" + table, qv("format", format),
				map[string]expect{tokExecutive: forbidden, tokSupervisor: forbidden, tokAnalyst: keys, tokAdmin: real}})
		}
	}
	for _, s := range surfaces {
		for _, tok := range []string{tokExecutive, tokSupervisor, tokAnalyst, tokAdmin} {
			want, ok := s.want[tok]
			if !ok {
				continue
			}
			t.Run(s.name+"/"+tok, func(t *testing.T) {
				query := q()
				for k, v := range s.query {
					query.Set(k, v)
				}
				r := c.get(t, tok, s.path, query)
				if want == forbidden {
					if r.status != http.StatusForbidden {
						t.Fatalf("status %d, want 403: %s", r.status, truncate(r.body, 200))
					}
					if got := found(string(r.body)); len(got) > 0 {
						t.Errorf("the 403 names agents %v", got)
					}
					return
				}
				if r.status != http.StatusOK && !(strings.HasSuffix(s.name, "page") && r.status == http.StatusForbidden) {
					t.Fatalf("status %d: %s", r.status, truncate(r.body, 200))
				}
				body := string(r.body)
				if strings.HasSuffix(s.name, "parquet") {
					body = parquetText(t, r.body)
				}
				got := found(body)
				switch want {
				case none, keys:
					if len(got) > 0 {
						t.Errorf("%s sees real agent ids %v", tok, mapKeys(got))
					}
					if want == keys && !agentKey.MatchString(body) && !strings.HasPrefix(s.name, "export scorecards") {
						t.Errorf("no agent key in %s", truncate(r.body, 300))
					}
				case ownTeam:
					if len(got) == 0 {
						t.Errorf("supervisor sees none of its agents")
					}
					for id := range got {
						if c.teamOf[id] != supervisorOf {
							t.Errorf("supervisor of %s sees %s of %s", supervisorOf, id, c.teamOf[id])
						}
					}
				case real:
					if len(got) == 0 {
						t.Errorf("%s sees no real agent id", tok)
					}
				}
			})
		}
	}
}

func mapKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// parquetText renders every value of a Parquet file as text, one per line.
func parquetText(t *testing.T, b []byte) string {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("open parquet: %v", err)
	}
	var sb strings.Builder
	for _, fl := range f.Schema().Fields() {
		sb.WriteString(fl.Name() + "\n")
	}
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 256)
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				for _, v := range row {
					sb.WriteString(v.String() + "\n")
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("read parquet: %v", err)
			}
		}
		rows.Close()
	}
	return sb.String()
}
