package config

import (
	"fmt"
	"time"
)

// DefaultCaptureSchema is capture.schema when the config leaves it out.
const DefaultCaptureSchema = "cutover_capture"

// Capture configures changed-key capture on the source (`cutover capture`,
// `cutover sync`).
type Capture struct {
	// Schema is the source schema that holds the change tables (MySQL); it is
	// created by capture start and dropped by capture stop when empty.
	Schema string `yaml:"schema"`
	// ApplyRows bounds the changes one sync transaction applies (default 1000).
	ApplyRows int `yaml:"apply_rows"`
	// Settle is how long a gap in the change sequence may be an insert still
	// in flight before sync reads past it (default 1s; see catchup).
	Settle Duration `yaml:"settle"`
}

// SchemaName is the capture schema.
func (c Capture) SchemaName() string {
	if c.Schema == "" {
		return DefaultCaptureSchema
	}
	return c.Schema
}

// ApplyBatch is the changes one sync transaction applies.
func (c Capture) ApplyBatch() int {
	if c.ApplyRows <= 0 {
		return 1000
	}
	return c.ApplyRows
}

// SettleTime is the wait before reading past a gap in the sequence.
func (c Capture) SettleTime() time.Duration {
	if !c.Settle.Set {
		return time.Second
	}
	return c.Settle.Duration
}

func (c Capture) validate() error {
	if err := checkIdent("capture.schema", c.SchemaName()); err != nil {
		return err
	}
	if c.ApplyRows < 0 || c.ApplyRows > 100_000 {
		return fmt.Errorf("capture.apply_rows must be between 1 and 100000 (0 means the default, 1000), not %d", c.ApplyRows)
	}
	if c.Settle.Duration < 0 || c.Settle.Duration > time.Hour {
		return fmt.Errorf("capture.settle must be between 0s and 1h, not %s", c.Settle.Duration)
	}
	return nil
}
