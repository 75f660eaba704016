package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// Load ingests the manifest's files into st in order, through ingest.Load
// (the path `servicecard ingest` takes), reading zone-less times in loc,
// and returns a summary per file. It stops at the first file that cannot
// be loaded; rejected rows are not errors.
func (m *Manifest) Load(ctx context.Context, st ingest.Store, loc *time.Location) ([]ingest.Summary, error) {
	out := make([]ingest.Summary, 0, len(m.Files))
	for _, f := range m.Files {
		sum, err := loadFile(ctx, st, f, loc)
		if err != nil {
			return out, err
		}
		out = append(out, sum)
	}
	return out, nil
}

func loadFile(ctx context.Context, st ingest.Store, f FileSpec, loc *time.Location) (ingest.Summary, error) {
	r, err := os.Open(f.Path)
	if err != nil {
		return ingest.Summary{}, fmt.Errorf("demo: %w", err)
	}
	defer r.Close()
	var id [16]byte
	_, _ = rand.Read(id[:])
	b := ingest.Batch{ID: hex.EncodeToString(id[:]), Kind: f.Kind, Format: f.Format, Source: f.Source, File: f.Path}
	return ingest.Load(ctx, st, r, b, ingest.Options{File: filepath.Base(f.Path), Location: loc, Source: f.Source, Columns: f.Columns})
}
