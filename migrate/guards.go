package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/planner"
)

// Guards against the catastrophic mistakes, checked when a run starts and
// before it writes anything (not even the ledger): copying a schema onto
// itself, and overwriting a target that holds rows nobody copied.

// RefuseSameDatabase refuses a source and a target that are the same schema
// on the same server: every batch would delete the rows it is about to read.
// The server is told apart by its host name, port and data directory, so
// that 127.0.0.1 and localhost, or two DSNs for one server, are one server.
// A source that is not MySQL cannot be the target.
func RefuseSameDatabase(ctx context.Context, src Source, tgt SQLDB) error {
	s, ok := src.(SQLDB)
	if !ok {
		return nil
	}
	a, err := serverIdentity(ctx, s.SQL())
	if err != nil {
		return fmt.Errorf("identify the source server: %w", err)
	}
	b, err := serverIdentity(ctx, tgt.SQL())
	if err != nil {
		return fmt.Errorf("identify the target server: %w", err)
	}
	if a == b {
		return configErr("the source and the target are the same schema %s on the same server (%s): the copy would overwrite what it reads; point target.dsn at another schema or server", mysqltype.Quote(a.schema), a.host)
	}
	return nil
}

type identity struct{ host, datadir, schema string }

func serverIdentity(ctx context.Context, db *sql.DB) (identity, error) {
	var id identity
	var port int
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT @@hostname, @@port, @@datadir, DATABASE()").Scan(&id.host, &port, &id.datadir, &schema); err != nil {
		return id, err
	}
	id.host = fmt.Sprintf("%s:%d", id.host, port)
	id.schema = schema.String
	return id, nil
}

// NonEmptyError lists target tables that hold rows no batch of the ledger
// copied, before a fresh run would delete and overwrite them.
type NonEmptyError struct {
	Tables []string // "txn_history (1,234 rows)"
}

func (e *NonEmptyError) Error() string {
	return fmt.Sprintf("target tables already hold rows that no run of this ledger copied: %s; a fresh run would mix its rows with them: empty them first, or pass --allow-nonempty to copy over them (each batch deletes the rows of its key range or tenants first; a row it cannot attribute fails its batch on the duplicate key)",
		strings.Join(e.Tables, ", "))
}

// NonEmptyTargets finds the configured target tables that hold rows although
// no run of the ledger in schema copied a batch of them (a resumed or
// replanned run's own rows are expected). Tables in missing do not exist yet.
// It only reads. The caller refuses with the *NonEmptyError unless the
// operator allowed it, and then says it loudly.
func NonEmptyTargets(ctx context.Context, tgt SQLDB, schema string, res *Resolution) error {
	copied := map[string]bool{}
	ok, err := checkpoint.Exists(ctx, tgt.SQL(), schema)
	if err != nil {
		return fmt.Errorf("look for the ledger in %s: %w", schema, err)
	}
	if ok {
		if copied, err = checkpoint.OpenExisting(tgt.SQL(), schema).CopiedTables(ctx); err != nil {
			return err
		}
	}
	var found []string
	for _, t := range res.Tables {
		if copied[t.Name] || slices.Contains(res.Missing, t.Target) {
			continue
		}
		// Bounded: a table of millions is counted only so far.
		const limit = 1_000_000
		var n int64
		if err := tgt.SQL().QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM %s LIMIT %d) t", mysqltype.Quote(t.Target), limit+1)).Scan(&n); err != nil {
			return fmt.Errorf("count the rows of target table %s: %w", t.Target, err)
		}
		switch {
		case n > limit:
			found = append(found, fmt.Sprintf("%s (over %s rows)", t.Target, commas(limit)))
		case n > 0:
			found = append(found, fmt.Sprintf("%s (%s rows)", t.Target, commas(n)))
		}
	}
	if len(found) > 0 {
		return &NonEmptyError{Tables: found}
	}
	return nil
}

// RefuseLiveRun refuses to rehearse against a target whose ledger in schema
// has a run with live processes: the rehearsal would compete with the night's
// copy for the same tables. It only reads.
func RefuseLiveRun(ctx context.Context, tgt SQLDB, schema string, lease time.Duration) error {
	ok, err := checkpoint.Exists(ctx, tgt.SQL(), schema)
	if err != nil || !ok {
		return err
	}
	l := checkpoint.OpenExisting(tgt.SQL(), schema)
	run, err := l.ActiveRun(ctx)
	if err != nil || run == nil {
		return err
	}
	live, err := LiveProcesses(ctx, l, run, lease, false)
	if err != nil {
		return err
	}
	if len(live) > 0 {
		return configErr("run %d is copying into this target now (%s): rehearse before the run or after it, or against another target", run.ID, strings.Join(live, ", "))
	}
	return nil
}

// commas writes n with thousands separators.
func commas(n int64) string { return planner.Thousands(n) }

// GuardStart runs the guards a real run passes before it writes anything:
// the same schema on both sides is refused; target tables holding rows no
// run copied are refused unless allowNonEmpty, and then said loudly in log.
func GuardStart(ctx context.Context, src Source, tgt SQLDB, schema string, res *Resolution, allowNonEmpty bool, log *slog.Logger) error {
	if err := RefuseSameDatabase(ctx, src, tgt); err != nil {
		return err
	}
	err := NonEmptyTargets(ctx, tgt, schema, res)
	var ne *NonEmptyError
	if errors.As(err, &ne) && allowNonEmpty {
		log.Warn("TARGET TABLES ALREADY HOLD ROWS: --allow-nonempty copies over them, each batch deleting the rows of its key range or tenants first", "tables", strings.Join(ne.Tables, ", "))
		return nil
	}
	if ne != nil {
		return &ConfigError{Msg: ne.Error()}
	}
	return err
}

// SettingsChanges names the keys whose values differ between was and now,
// as "key: old -> new", sorted.
func SettingsChanges(was, now map[string]string) []string {
	var out []string
	for k, v := range now {
		if old, ok := was[k]; !ok {
			out = append(out, fmt.Sprintf("%s: (unset) -> %s", k, v))
		} else if old != v {
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, old, v))
		}
	}
	for k, v := range was {
		if _, ok := now[k]; !ok {
			out = append(out, fmt.Sprintf("%s: %s -> (unset)", k, v))
		}
	}
	slices.Sort(out)
	return out
}

// RefuseChangedSettings refuses, before anything is written, a config that
// differs from the one the active run in schema was planned with (planFP;
// unless replan) or whose run settings differ from those the run accepts
// (runFP), naming the keys that changed. It only reads.
func RefuseChangedSettings(ctx context.Context, tgt SQLDB, schema, planFP, runFP string, now map[string]string, replan bool) error {
	ok, err := checkpoint.Exists(ctx, tgt.SQL(), schema)
	if err != nil || !ok {
		return err
	}
	l := checkpoint.OpenExisting(tgt.SQL(), schema)
	run, err := l.ActiveRun(ctx)
	if err != nil || run == nil || replan {
		return err
	}
	var was map[string]string
	var wasRunFP string
	if doc, err := planner.ParseDoc(run.Plan); err == nil {
		was, wasRunFP = doc.Settings, doc.SettingsRunFP
	}
	changes := "the changed keys are unknown (the plan was stored by an older build)"
	if was != nil {
		if c := SettingsChanges(was, now); len(c) > 0 {
			changes = strings.Join(c, "; ")
		}
	}
	if run.ConfigFP != planFP {
		return configErr("the config changed since run %d was planned (%s): %s; rerun with --replan to plan again (batches already done are copied again)",
			run.ID, run.CreatedAt.Format(time.RFC3339), changes)
	}
	ctl, err := l.ReadControl(ctx, run.ID)
	if err != nil {
		return err
	}
	if ctl.RunFP == "" || ctl.RunFP == runFP {
		return nil
	}
	if was == nil || wasRunFP != ctl.RunFP {
		changes = "the changed keys are unknown (the run was moved to other settings by `cutover upgrade` since it was planned)"
	}
	return configErr("the run settings differ from those run %d accepts: %s; use the same config on every host, or move the run to this config with `cutover upgrade` (it drains every worker first)",
		run.ID, changes)
}

// RefuseAbsentTenants refuses a plan whose tenant.ids name tenants that have
// no rows in any table (a typo, or the wrong source): a *ConfigError listing
// them, unless allow (a tenant created empty on purpose). It runs before
// the plan is stored.
func RefuseAbsentTenants(p *Planned, allow bool) error {
	absent := absentTenants(p.opt.Tenants, p.Sizes)
	if len(absent) == 0 || allow {
		return nil
	}
	return configErr("tenant.ids names %d tenants that have no rows in any table: %s; correct tenant.ids, or pass --allow-empty-tenants for tenants that are empty on purpose",
		len(absent), abbreviate(absent, 20))
}
