package chstore

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/servicecard/servicecard/internal/auth"
)

// Agent keys. Analysts see agents only as pseudonymous keys (auth.Policy);
// the keys of the analyst database (migration 0031) come from the
// agent_keys table, which the store fills in Go (auth.Keyer) before it
// inserts any row naming an agent it has not keyed yet, so the secret
// never appears in SQL text that another user could read (query log,
// process list, view definitions).

// AnalystDatabase is the name of the analyst database beside db.
func AnalystDatabase(db string) string { return db + "_analyst" }

// analystMigration is the migration that creates the analyst database;
// every agent already loaded is keyed before it runs, so its backfill
// keys every row.
const analystMigration = 31

// agentKeys holds the store's keyer and the ids it has keyed.
type agentKeys struct {
	mu    sync.Mutex
	keyer *auth.Keyer
	done  map[string]struct{}
}

// expandMigration fills the store's database name in for {database} in
// a migration statement (the analyst database is {database}_analyst).
func (s *Store) expandMigration(st string) string {
	return strings.ReplaceAll(st, "{database}", s.database)
}

// AgentKeyer returns the deployment's agent keyer: over
// Options.AgentKeySecret when set, else over the secret stored in
// agent_key_secret, which it creates on first use (Migrate does that).
func (s *Store) AgentKeyer(ctx context.Context) (*auth.Keyer, error) {
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	return s.agentKeyerLocked(ctx)
}

func (s *Store) agentKeyerLocked(ctx context.Context) (*auth.Keyer, error) {
	if s.keys.keyer != nil {
		return s.keys.keyer, nil
	}
	secret := []byte(s.opt.AgentKeySecret)
	if len(secret) == 0 {
		var err error
		if secret, err = s.storedSecret(ctx); err != nil {
			return nil, err
		}
	}
	k, err := auth.NewKeyer(secret)
	if err != nil {
		return nil, fmt.Errorf("chstore: agent key secret: %w", err)
	}
	s.keys.keyer = k
	return k, nil
}

const readSecret = "SELECT secret FROM agent_key_secret ORDER BY created_at, secret LIMIT 1"

// storedSecret reads the deployment's secret, creating it when there is
// none. Two processes creating it at once both end up with the oldest.
func (s *Store) storedSecret(ctx context.Context) ([]byte, error) {
	for range 2 {
		var hexSecret string
		err := s.conn.QueryRow(ctx, readSecret).Scan(&hexSecret)
		if err == nil {
			b, err := hex.DecodeString(hexSecret)
			if err != nil {
				return nil, fmt.Errorf("chstore: agent_key_secret holds no hex secret: %w", err)
			}
			return b, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("chstore: read agent_key_secret: %w", err)
		}
		b, err := auth.NewSecret()
		if err != nil {
			return nil, err
		}
		if err := s.insertColumns(ctx, "INSERT INTO agent_key_secret (secret, created_at)",
			[]any{[]string{hex.EncodeToString(b)}, []time.Time{time.Now().UTC()}}); err != nil {
			return nil, fmt.Errorf("chstore: create agent_key_secret: %w", err)
		}
	}
	return nil, fmt.Errorf("chstore: agent_key_secret stays empty")
}

// ensureAgentKeys stores the keys of the ids not keyed yet.
func (s *Store) ensureAgentKeys(ctx context.Context, ids map[string]struct{}) error {
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	var newIDs, newKeys []string
	for id := range ids {
		if _, ok := s.keys.done[id]; ok || id == "" {
			continue
		}
		newIDs = append(newIDs, id)
	}
	if len(newIDs) == 0 {
		return nil
	}
	k, err := s.agentKeyerLocked(ctx)
	if err != nil {
		return err
	}
	for _, id := range newIDs {
		newKeys = append(newKeys, k.Key(id))
	}
	if err := s.insertColumns(ctx, "INSERT INTO agent_keys (agent_id, agent_key)", []any{newIDs, newKeys}); err != nil {
		return fmt.Errorf("chstore: write agent_keys: %w", err)
	}
	if s.keys.done == nil {
		s.keys.done = make(map[string]struct{}, len(newIDs))
	}
	for _, id := range newIDs {
		s.keys.done[id] = struct{}{}
	}
	return nil
}

//go:embed queries/agent_ids.sql
var agentIDsSQL string

// keyAllAgents keys every agent id stored in any table.
func (s *Store) keyAllAgents(ctx context.Context) error {
	rows, err := s.conn.Query(ctx, agentIDsSQL)
	if err != nil {
		return fmt.Errorf("chstore: read agent ids: %w", err)
	}
	defer rows.Close()
	ids := map[string]struct{}{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("chstore: read agent ids: %w", err)
		}
		ids[id] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("chstore: read agent ids: %w", err)
	}
	return s.ensureAgentKeys(ctx, ids)
}

// agentIDs collects the agent ids of a flush's rows.
func (b *buffers) agentIDs() map[string]struct{} {
	ids := map[string]struct{}{}
	note := func(c *strCol) {
		for i := range len(c.ends) {
			// The lookup does not allocate; only a new id is copied.
			if v := c.at(i); len(v) > 0 {
				if _, ok := ids[string(v)]; !ok {
					ids[string(v)] = struct{}{}
				}
			}
		}
	}
	for i := range b.contacts {
		note(b.contacts[i].text("agent_id"))
		note(b.surveys[i].text("agent_id"))
	}
	for _, x := range b.agents {
		ids[x.AgentID] = struct{}{}
	}
	for _, x := range b.states {
		ids[x.AgentID] = struct{}{}
	}
	for _, x := range b.schedules {
		ids[x.AgentID] = struct{}{}
	}
	delete(ids, "")
	return ids
}
