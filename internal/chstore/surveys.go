package chstore

import (
	"context"
	_ "embed"
	"fmt"
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
// the last agent leg of their contact, ordered by responded_at.
func (s *Store) SurveyFacts(ctx context.Context, from, to time.Time) ([]SurveyFact, error) {
	rows, err := s.conn.Query(ctx, surveyFactsSQL,
		clickhouse.Named("from", from.UTC()), clickhouse.Named("to", to.UTC()))
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
