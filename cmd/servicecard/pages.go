package main

import (
	"github.com/servicecard/servicecard/internal/api"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

// newPages returns the built-in HTML pages (nil until they exist).
func newPages(eng *scorecard.Engine, cfg metrics.Config, e env) api.Pages { return nil }
