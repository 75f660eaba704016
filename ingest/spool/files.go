package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// moveNoClobber moves src to dir/name, or to dir/<id>__name when a file
// of that name is already there (the same name dropped twice), and
// returns the new path. A hard link then an unlink never overwrites; on
// file systems without hard links it falls back to a checked rename.
func moveNoClobber(src, dir, name, id string) (string, error) {
	for _, n := range []string{name, id + workSep + name} {
		dst := filepath.Join(dir, n)
		err := os.Link(src, dst)
		if err == nil {
			if err := os.Remove(src); err != nil {
				return "", fmt.Errorf("remove %s: %w", src, err)
			}
			return dst, nil
		}
		if errors.Is(err, os.ErrExist) {
			continue
		}
		// No hard links here: rename unless the name is taken.
		if _, serr := os.Lstat(dst); serr == nil {
			continue
		}
		if err := os.Rename(src, dst); err != nil {
			return "", fmt.Errorf("move to %s: %w", dir, err)
		}
		return dst, nil
	}
	// Both names taken: this batch was moved once already before a crash
	// left its work file behind. Replace that copy.
	dst := filepath.Join(dir, id+workSep+name)
	if err := os.Rename(src, dst); err != nil {
		return "", fmt.Errorf("move to %s: %w", dir, err)
	}
	return dst, nil
}

// writeReport writes rep as indented JSON to path, atomically (a dotfile
// renamed into place).
func writeReport(path string, rep Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
