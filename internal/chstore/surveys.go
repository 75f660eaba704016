package chstore

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

//go:embed queries/survey_facts.sql
var surveyFactsSQL string

// SurveyFact is one survey response with its attribution (see
// queries/survey_facts.sql).
type SurveyFact struct {
	Source      string
	ResponseID  string
	RespondedAt time.Time
	AgentID     string
	Team        string
	Site        string
	Queue       string
	NPS         *uint8
	CSAT        *uint8
	CES         *uint8
	Comment     string
	ContactID   string
	Linked      bool // the contact was found
}

// SurveyFacts returns the responses answered in [from, to), attributed to
// the last agent leg of their contact, ordered by responded_at, source
// and response_id. Whole business days (of the store's configuration)
// are read from the stored facts (facts.go), days not computed yet live.
func (s *Store) SurveyFacts(ctx context.Context, from, to time.Time) ([]SurveyFact, error) {
	return s.surveyFacts(ctx, from, to, false)
}

// CommentedSurveyFacts is SurveyFacts of the responses attributed to an
// agent that carry a comment: all that praise and complaints read, and a
// small share of the responses.
func (s *Store) CommentedSurveyFacts(ctx context.Context, from, to time.Time) ([]SurveyFact, error) {
	return s.surveyFacts(ctx, from, to, true)
}

func (s *Store) surveyFacts(ctx context.Context, from, to time.Time, commented bool) ([]SurveyFact, error) {
	keep := func(fs []SurveyFact) []SurveyFact {
		if !commented {
			return fs
		}
		return slices.DeleteFunc(fs, func(f SurveyFact) bool { return f.AgentID == "" || f.Comment == "" })
	}
	q := s.factsQuery()
	q.From, q.To = from, to
	p, err := s.plan(ctx, q)
	if err != nil {
		return nil, err
	}
	if !p.wholeRange {
		fs, err := s.liveSurveyFacts(ctx, from, to)
		return keep(fs), err
	}
	sql, err := factsSQL("facts_surveys.sql", map[string]any{"In": s.in(), "Live": len(p.live) > 0, "Commented": commented})
	if err != nil {
		return nil, err
	}
	out, err := s.scanSurveyFacts(ctx, sql, clickhouse.Named("config", p.config),
		clickhouse.Named("from", p.from.String()), clickhouse.Named("to", p.to.String()),
		clickhouse.Named("from_t", from.UTC()), clickhouse.Named("to_t", to.UTC()),
		clickhouse.Named("live", p.liveStrings()))
	if err != nil {
		return nil, err
	}
	for _, r := range runs(p.live, 1<<30) {
		live, err := s.liveSurveyFacts(ctx, r[0].midnight(p.loc), (r[1] + 1).midnight(p.loc))
		if err != nil {
			return nil, err
		}
		out = append(out, keep(live)...)
	}
	if len(p.live) > 0 {
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i], out[j]
			if !a.RespondedAt.Equal(b.RespondedAt) {
				return a.RespondedAt.Before(b.RespondedAt)
			}
			if a.Source != b.Source {
				return a.Source < b.Source
			}
			return a.ResponseID < b.ResponseID
		})
	}
	return out, nil
}

// liveSurveyFacts attributes the responses of [from, to) from the raw
// tables (queries/survey_facts.sql).
func (s *Store) liveSurveyFacts(ctx context.Context, from, to time.Time) ([]SurveyFact, error) {
	return s.scanSurveyFacts(ctx, surveyFactsSQL, clickhouse.Named("from", from.UTC()), clickhouse.Named("to", to.UTC()))
}

// scanSurveyFacts runs a query whose rows are survey facts.
func (s *Store) scanSurveyFacts(ctx context.Context, sql string, args ...any) ([]SurveyFact, error) {
	rows, err := s.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("chstore: survey facts: %w", err)
	}
	defer rows.Close()
	var out []SurveyFact
	for rows.Next() {
		var f SurveyFact
		var linked uint8
		if err := rows.Scan(&f.Source, &f.ResponseID, &f.RespondedAt, &f.AgentID, &f.Team, &f.Site,
			&f.Queue, &f.NPS, &f.CSAT, &f.CES, &f.Comment, &f.ContactID, &linked); err != nil {
			return nil, fmt.Errorf("chstore: survey facts: %w", err)
		}
		f.Linked = linked == 1
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: survey facts: %w", err)
	}
	return out, nil
}
