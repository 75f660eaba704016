package digest

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed sql/agent_names.sql
var agentNamesSQL string

//go:embed sql/survey_channels.sql
var surveyChannelsSQL string

// StoreDirectory reads names and channels from the servicecard database.
type StoreDirectory struct{ Conn driver.Conn }

// AgentNames maps agent ids to roster names.
func (d StoreDirectory) AgentNames(ctx context.Context) (map[string]string, error) {
	rows, err := d.Conn.Query(ctx, agentNamesSQL)
	if err != nil {
		return nil, fmt.Errorf("digest: agent names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("digest: agent names: %w", err)
		}
		if name != "" {
			out[id] = name
		}
	}
	return out, rows.Err()
}

// Channels maps response ids answered in [from, to) to their contact's
// channel.
func (d StoreDirectory) Channels(ctx context.Context, from, to time.Time) (map[string]string, error) {
	rows, err := d.Conn.Query(ctx, surveyChannelsSQL, clickhouse.Named("from", from.UTC()),
		clickhouse.Named("to", to.UTC()), clickhouse.Named("cfrom", from.UTC().AddDate(0, 0, -30)))
	if err != nil {
		return nil, fmt.Errorf("digest: survey channels: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, ch string
		if err := rows.Scan(&id, &ch); err != nil {
			return nil, fmt.Errorf("digest: survey channels: %w", err)
		}
		out[id] = ch
	}
	return out, rows.Err()
}
