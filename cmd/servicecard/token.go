package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/internal/auth"
)

// runToken prints a new bearer token on its first line and the config
// entry that admits it (only its SHA-256) after it.
func runToken(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] != "new" {
		return usageError{errors.New("usage: servicecard token new --role executive|supervisor|analyst|admin [--teams a,b] [--name N]")}
	}
	fs := newFlags("token new", e)
	role := fs.String("role", "", "executive|supervisor|analyst|admin (required)")
	teams := fs.String("teams", "", "comma-separated teams (supervisors)")
	name := fs.String("name", "", "a name for the token (default: the role)")
	if err := parseFlags(fs, e.args[1:]); err != nil {
		return err
	}
	if *role == "" {
		return usageError{errors.New("token new: --role is required: executive, supervisor, analyst or admin")}
	}
	if *name == "" {
		*name = *role
	}
	var ts []string
	for _, t := range strings.Split(*teams, ",") {
		if t = strings.TrimSpace(t); t != "" {
			ts = append(ts, t)
		}
	}
	tok, entry, err := auth.NewTokenEntry(*name, auth.Role(*role), ts)
	if err != nil {
		return usageError{err}
	}
	out, err := yaml.Marshal([]auth.TokenEntry{entry})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok)
	fmt.Fprintln(e.stdout, "# add under tokens: in the SERVICECARD_CONFIG file")
	fmt.Fprint(e.stdout, string(out))
	return nil
}
