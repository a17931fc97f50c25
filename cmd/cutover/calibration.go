package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/planner"
)

// costModel is the cost model plans are cut and estimated with: the latest
// calibration a rehearsal stored for this config when the ledger holds one,
// else the documented default (planner.DefaultModel), which estimates say is
// uncalibrated. It reads the ledger without creating it.
func (a *app) costModel(ctx context.Context, s *session) (planner.Model, *checkpoint.Calibration, error) {
	c, err := checkpoint.LatestCalibration(ctx, s.ep.tgt.SQL(), s.cfg.Target.LedgerSchema, s.cfg.PlanFingerprint())
	if err != nil {
		return planner.Model{}, nil, err
	}
	if c == nil {
		return planner.DefaultModel(), nil, nil
	}
	var m planner.Model
	if err := json.Unmarshal(c.Model, &m); err != nil {
		return planner.Model{}, nil, fmt.Errorf("calibration %d in the ledger: %w", c.ID, err)
	}
	if err := m.Validate(); err != nil {
		return planner.Model{}, nil, fmt.Errorf("calibration %d in the ledger: %w", c.ID, err)
	}
	m.Calibrated = true
	return m, c, nil
}
