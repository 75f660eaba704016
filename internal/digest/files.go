package digest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteFiles writes m under dir as base.eml (the message as it would be
// sent) and base.html with its images beside it (base-trend.png, ...),
// the cid: references rewritten so a browser shows what a mail client
// would; attachments are written as base-FILENAME. It returns the paths.
func WriteFiles(dir, base string, m *Message) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	raw, err := m.Bytes()
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	var paths []string
	write := func(name string, b []byte) error {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("digest: %w", err)
		}
		paths = append(paths, p)
		return nil
	}
	if err := write(base+".eml", raw); err != nil {
		return nil, err
	}
	html := m.HTML
	for _, p := range append(append([]Part{}, m.Inline...), m.Attachments...) {
		name := base + "-" + p.Filename
		if p.ContentID != "" {
			html = strings.ReplaceAll(html, "cid:"+p.ContentID, name)
		}
		if err := write(name, p.Data); err != nil {
			return nil, err
		}
	}
	if err := write(base+".html", []byte(html)); err != nil {
		return nil, err
	}
	return paths, nil
}
