package scorecard

import (
	"context"

	"github.com/servicecard/servicecard/metrics"
)

// queueMap is the queue map in force: the stored one (servicecard ingest
// --kind queues) with the config's queues: section over it.
func (e *Engine) queueMap(ctx context.Context) (metrics.QueueMap, error) {
	qm, err := e.store.QueueMap(ctx)
	if err != nil {
		return qm, err
	}
	e.cfg.AddQueuesTo(&qm)
	return qm, nil
}

// ownedByQueue says whether level's queue metrics come from the queue
// map: team and site. The org counts every contact, a queue its own, and
// an agent the contacts it answered.
func ownedByQueue(level metrics.Level) bool {
	return level == metrics.LevelTeam || level == metrics.LevelSite
}
