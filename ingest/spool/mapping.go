package spool

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// Mapping gives the column mapping (ingest.Options.Columns, what the CLI's
// --map sets) for the spool files whose name matches Files, a glob such as
// "surveys.qualtrics.*". Files that need a mapping, like most Qualtrics
// exports, go through the spool this way. The first matching entry wins.
type Mapping struct {
	Files   string            `yaml:"files"`
	Columns map[string]string `yaml:"columns"`
}

// LoadMappings reads a mapping config: a YAML list of Mapping, e.g.
//
//   - files: "surveys.qualtrics.*"
//     columns: {nps: QID1, responded_at: EndDate}
//
// Unknown keys, bad globs and entries without columns are errors.
func LoadMappings(file string) ([]Mapping, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("spool mappings: %w", err)
	}
	var ms []Mapping
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&ms); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("spool mappings %s: %w", file, err)
	}
	if err := checkMappings(ms); err != nil {
		return nil, fmt.Errorf("spool mappings %s: %w", file, err)
	}
	return ms, nil
}

func checkMappings(ms []Mapping) error {
	for i, m := range ms {
		if strings.TrimSpace(m.Files) == "" {
			return fmt.Errorf("%w: [%d].files: must not be empty", ErrOptions, i)
		}
		if _, err := path.Match(m.Files, ""); err != nil {
			return fmt.Errorf("%w: [%d].files: bad glob %q: %v", ErrOptions, i, m.Files, err)
		}
		if len(m.Columns) == 0 {
			return fmt.Errorf("%w: [%d].columns: must map at least one field", ErrOptions, i)
		}
	}
	return nil
}

// columns returns the mapping of the first entry matching name
// (case-insensitively), nil when none does.
func columns(ms []Mapping, name string) map[string]string {
	for _, m := range ms {
		if ok, _ := path.Match(strings.ToLower(m.Files), strings.ToLower(name)); ok {
			return m.Columns
		}
	}
	return nil
}
