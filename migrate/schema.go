package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// TableSource describes the source's tables and prints their definitions.
type TableSource interface {
	Describer
	SchemaSource
}

// TableTarget describes the target's tables and executes DDL in it.
type TableTarget interface {
	Describer
	SchemaTarget
}

// EnsureTables creates the target tables res found missing, from the source
// definitions, and resolves spec again against them: what `run
// --create-tables`, `run --dry-run --create-tables` and `rehearse
// --create-tables` do before their first batch. With nothing missing it
// returns res.
func EnsureTables(ctx context.Context, spec Spec, src TableSource, tgt TableTarget, res *Resolution, log *slog.Logger) (*Resolution, error) {
	if len(res.Missing) == 0 {
		return res, nil
	}
	if err := CreateTables(ctx, src, tgt, res, log); err != nil {
		return nil, err
	}
	return Resolve(ctx, spec, src, tgt, false)
}

// SchemaDDL is the CREATE TABLE statements of the target tables res
// resolves, from the source definitions (a MySQL source's SHOW CREATE TABLE
// under the target's names): what `schema --config` prints before the night.
func SchemaDDL(ctx context.Context, src SchemaSource, tgtSchema string, res *Resolution) (string, error) {
	var b strings.Builder
	for _, t := range res.Tables {
		ddl, err := src.CreateTableDDL(ctx, t.Name, tgtSchema, t.Target)
		if err != nil {
			return "", fmt.Errorf("the definition of %s: %w", t.Name, err)
		}
		if ddl, err = overrideTypes(ddl, t); err != nil {
			return "", err
		}
		b.WriteString(strings.TrimRight(ddl, "\n;"))
		b.WriteString(";\n\n")
	}
	return b.String(), nil
}
