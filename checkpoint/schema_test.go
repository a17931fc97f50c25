package checkpoint_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

// golden reads a ledger DDL file of testdata/checkpoint: its statements, with
// the placeholder schema `ledger` replaced by schema.
func golden(t *testing.T, file, schema string) []string {
	t.Helper()
	raw, err := os.ReadFile("../testdata/checkpoint/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "--") {
			lines = append(lines, line)
		}
	}
	var out []string
	for _, s := range strings.Split(strings.Join(lines, "\n"), ";\n") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, strings.TrimSuffix(strings.ReplaceAll(s, "`ledger`", "`"+schema+"`"), ";"))
		}
	}
	return out
}

func TestV1DDLIsTheGoldenFile(t *testing.T) {
	want := golden(t, "ledger_v1.sql", "ledger")
	got := checkpoint.V1Statements("ledger")
	if len(got) != len(want) {
		t.Fatalf("migration 1 has %d statements, the golden file %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("migration 1 statement %d differs from testdata/checkpoint/ledger_v1.sql (the released DDL must not change):\n%s\nwant:\n%s", i, got[i], want[i])
		}
	}
}

// oldLedger creates a ledger in a fresh schema with the DDL of an earlier
// build (a golden file) and returns the schema and a handle on it.
func oldLedger(t *testing.T, srv *testdb.Server, file string) (string, *sql.DB) {
	t.Helper()
	name, _ := srv.NewDatabase(t, "old")
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range golden(t, file, name) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v\n%s", file, err, s)
		}
	}
	return name, db
}

func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func columnType(t *testing.T, db *sql.DB, schema, table, col string) string {
	t.Helper()
	var typ string
	err := db.QueryRow("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?", schema, table, col).Scan(&typ)
	if errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func versions(t *testing.T, db *sql.DB, schema string) string {
	t.Helper()
	rows, err := db.Query("SELECT version, finished_at IS NOT NULL FROM `" + schema + "`.schema_version ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v int
		var done bool
		if err := rows.Scan(&v, &done); err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprint(v)
		if !done {
			s += "(unfinished)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func allVersions() string {
	var v []string
	for i := 1; i <= checkpoint.SchemaVersion; i++ {
		v = append(v, fmt.Sprint(i))
	}
	return strings.Join(v, " ")
}

func TestUpgrade(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()

	// A ledger made by each earlier build, holding a run part way: batch 1
	// pending, 2 claimed by a process that died (lease expired), 3 done with
	// its checksum, 4 failed. Open upgrades it in place and the run goes on.
	for _, file := range []string{"ledger_v1.sql", "ledger_7ec0cd7.sql", "ledger_982ca72.sql", "ledger_cc48d52.sql"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			schema, db := oldLedger(t, srv, file)
			q := func(table string) string { return "`" + schema + "`." + table + "_v1" }
			exec(t, db, "INSERT INTO "+q("runs")+" (config_fp, plan_fp, plan, total_rows, total_batches, created_at) VALUES ('cfg', 'plan', '{\"old\":true}', 40, 4, NOW(6))")
			exec(t, db, "INSERT INTO "+q("batches")+" (run_id, id, tbl, tenants, lo, hi, est_rows, est_bytes, state, attempts, rows_copied, owner, lease_until, claimed_at, finished_at, error) VALUES"+
				" (1, 1, 'orders', '[\"7\"]', NULL, '[\"100\"]', 10, 100, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL),"+
				" (1, 2, 'orders', '[\"7\"]', '[\"100\"]', NULL, 10, 100, 1, 1, NULL, 'dead-owner', NOW(6) - INTERVAL 1 MINUTE, NOW(6) - INTERVAL 2 MINUTE, NULL, NULL),"+
				" (1, 3, 'orders', '[\"8\"]', NULL, NULL, 10, 100, 2, 1, 10, 'old-owner', NULL, NOW(6) - INTERVAL 3 MINUTE, NOW(6) - INTERVAL 2 MINUTE, NULL),"+
				" (1, 4, 'ref', '[]', NULL, NULL, 10, 100, 3, 3, NULL, 'old-owner', NULL, NOW(6) - INTERVAL 3 MINUTE, NOW(6) - INTERVAL 2 MINUTE, 'duplicate key')")
			oldSum := ""
			if typ := columnType(t, db, schema, "batches_v1", "checksum"); typ != "" {
				oldSum = "0123456789abcdef0123456789abcdef" // 32 hex digits fit CHAR(32)
				if typ == "varchar(40)" {
					oldSum = "c2:0123456789abcdef0123456789abcdef"
				}
				exec(t, db, "UPDATE "+q("batches")+" SET checksum = ? WHERE id = 3", oldSum)
			}

			l, err := checkpoint.Open(ctx, db, schema)
			if err != nil {
				t.Fatalf("Open of a ledger made by %s: %v", file, err)
			}
			if got := versions(t, db, schema); got != allVersions() {
				t.Errorf("schema_version = %s, want %s", got, allVersions())
			}
			if got := columnType(t, db, schema, "batches_v1", "checksum"); got != "varchar(40)" {
				t.Errorf("batches_v1.checksum is %q after the upgrade, want varchar(40)", got)
			}
			for _, c := range []string{"runs_v1.control", "runs_v1.version", "processes_v1.throttle", "batches_v1.claim_token"} {
				table, col, _ := strings.Cut(c, ".")
				if columnType(t, db, schema, table, col) == "" {
					t.Errorf("%s missing after the upgrade", c)
				}
			}
			// States and rows kept.
			bs, err := l.Batches(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			var states []string
			for _, b := range bs {
				states = append(states, b.State.String())
			}
			if got := strings.Join(states, " "); got != "pending claimed done failed" {
				t.Errorf("states after the upgrade = %s, want pending claimed done failed", got)
			}
			if bs[3].Error != "duplicate key" || bs[3].Attempts != 3 || bs[2].Rows != 10 || bs[1].Owner != "dead-owner" {
				t.Errorf("batches after the upgrade = %+v %+v %+v", bs[1], bs[2], bs[3])
			}
			sums, err := l.Checksums(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if oldSum != "" && sums[3] != oldSum {
				t.Errorf("stored checksum = %q, want %q kept", sums[3], oldSum)
			}
			run, err := l.ActiveRun(ctx)
			if err != nil || run == nil || run.ID != 1 || string(run.Plan) != `{"old":true}` {
				t.Fatalf("active run = %+v, %v", run, err)
			}

			// The run resumes: a process joins, claims the pending batch, then
			// the dead owner's, finishes both; --retry-failed takes the last.
			if err := l.Join(ctx, 1, checkpoint.Process{Owner: "new", Host: "h", PID: 1, Version: "2.0", Workers: 1}, "runfp", "plan", time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := l.SetControl(ctx, 1, checkpoint.ControlRun, "resumed after the upgrade"); err != nil {
				t.Fatal(err)
			}
			lt := ledgerT{l: l, db: db}
			for _, want := range []int{1, 2} {
				b, _, err := l.Claim(ctx, 1, "new", 1, time.Minute, 5)
				if err != nil || b == nil || b.ID != want {
					t.Fatalf("claim = %+v, %v; want batch %d", b, err, want)
				}
				b.Checksum = "c2:ffff"
				if err := lt.done(ctx, b, 10); err != nil {
					t.Fatal(err)
				}
			}
			if b, open, err := l.Claim(ctx, 1, "new", 1, time.Minute, 5); err != nil || b != nil || open != 0 {
				t.Fatalf("claim with only done and failed batches = %+v, %d, %v", b, open, err)
			}
			if n, err := l.ResetFailed(ctx, 1); err != nil || n != 1 {
				t.Fatalf("ResetFailed = %d, %v", n, err)
			}
			b, _, err := l.Claim(ctx, 1, "new", 1, time.Minute, 5)
			if err != nil || b == nil || b.ID != 4 {
				t.Fatalf("claim after reset = %+v, %v", b, err)
			}
			if err := lt.done(ctx, b, 10); err != nil {
				t.Fatal(err)
			}
			st, err := l.Status(ctx, run, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if st.Batches["done"] != 4 || st.RowsDone != 40 {
				t.Errorf("status after the resumed run = %+v", st)
			}
			hist, err := l.History(ctx, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, e := range hist {
				kinds = append(kinds, fmt.Sprintf("%s:%d", e.Kind, e.Batch))
			}
			if got := strings.Join(kinds, " "); got != "control:0 retry:2 reset:4" {
				t.Errorf("history = %s, want control:0 retry:2 reset:4", got)
			}
			// Opening again changes nothing.
			if _, err := checkpoint.Open(ctx, db, schema); err != nil {
				t.Fatal(err)
			}
			if err := checkpoint.Check(ctx, db, schema); err != nil {
				t.Errorf("Check after the upgrade: %v", err)
			}
		})
	}

	t.Run("Check refuses an unupgraded ledger without changing it", func(t *testing.T) {
		t.Parallel()
		schema, db := oldLedger(t, srv, "ledger_v1.sql")
		err := checkpoint.Check(ctx, db, schema)
		var ve *checkpoint.VersionError
		if !errors.As(err, &ve) || ve.Ledger != 1 || ve.Binary != checkpoint.SchemaVersion || !strings.Contains(err.Error(), "older") {
			t.Fatalf("Check of a v1 ledger = %v", err)
		}
		if columnType(t, db, schema, "schema_version", "version") != "" {
			t.Error("Check created schema_version")
		}
		empty, _ := srv.NewDatabase(t, "empty")
		if err := checkpoint.Check(ctx, db, empty); err != nil {
			t.Errorf("Check of a schema without a ledger = %v, want nil", err)
		}
	})

	t.Run("a newer ledger is refused, naming both versions", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		var schema string
		if err := lt.db.QueryRow("SELECT DATABASE()").Scan(&schema); err != nil {
			t.Fatal(err)
		}
		newer := checkpoint.SchemaVersion + 1
		exec(t, lt.db, "INSERT INTO schema_version (version, name, started_at, finished_at) VALUES (?, 'from a newer binary', NOW(6), NOW(6))", newer)
		for name, err := range map[string]error{
			"Open":  func() error { _, err := checkpoint.Open(ctx, lt.db, schema); return err }(),
			"Check": checkpoint.Check(ctx, lt.db, schema),
		} {
			var ve *checkpoint.VersionError
			if !errors.As(err, &ve) || ve.Ledger != newer || ve.Binary != checkpoint.SchemaVersion {
				t.Fatalf("%s of a newer ledger = %v, want a VersionError %d/%d", name, err, newer, checkpoint.SchemaVersion)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("schema version %d", newer)) || !strings.Contains(msg, fmt.Sprintf("schema version %d", checkpoint.SchemaVersion)) {
				t.Errorf("%s: message %q does not name both versions", name, msg)
			}
		}
		// An unfinished newer migration is refused too.
		exec(t, lt.db, "UPDATE schema_version SET finished_at = NULL WHERE version = ?", newer)
		if _, err := checkpoint.Open(ctx, lt.db, schema); !errors.As(err, new(*checkpoint.VersionError)) {
			t.Errorf("Open with an unfinished newer migration = %v", err)
		}
	})

	t.Run("a damaged ledger is refused, naming the problem", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct{ damage, table, column, problem string }{
			{"ALTER TABLE batches_v1 DROP COLUMN attempts", "batches_v1", "attempts", "is missing"},
			{"ALTER TABLE batches_v1 MODIFY state VARCHAR(10) NOT NULL", "batches_v1", "state", "is varchar, expected tinyint"},
			{"DROP TABLE audit_v1", "audit_v1", "", "is missing"},
			{"ALTER TABLE runs_v1 DROP COLUMN control", "runs_v1", "control", "is missing"},
		} {
			lt := newLedger(t, srv)
			var schema string
			if err := lt.db.QueryRow("SELECT DATABASE()").Scan(&schema); err != nil {
				t.Fatal(err)
			}
			exec(t, lt.db, c.damage)
			for name, err := range map[string]error{
				"Open":  func() error { _, err := checkpoint.Open(ctx, lt.db, schema); return err }(),
				"Check": checkpoint.Check(ctx, lt.db, schema),
			} {
				var se *checkpoint.SchemaError
				if !errors.As(err, &se) || se.Table != c.table || se.Column != c.column || se.Problem != c.problem {
					t.Errorf("%s after %s = %v, want %s %s %s", name, c.damage, err, c.table, c.column, c.problem)
				}
			}
		}
	})

	t.Run("a foreign schema_version table is refused", func(t *testing.T) {
		t.Parallel()
		name, _ := srv.NewDatabase(t, "foreign")
		db, err := srv.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// golang-migrate's shape, under the name a ledger uses.
		exec(t, db, "CREATE TABLE schema_version (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL)")
		exec(t, db, "INSERT INTO schema_version VALUES (20240101, 0)")
		var se *checkpoint.SchemaError
		if _, err := checkpoint.Open(ctx, db, name); !errors.As(err, &se) || se.Table != "schema_version" {
			t.Fatalf("Open on a foreign schema_version = %v", err)
		}
	})

	t.Run("a migration a crash interrupted is resumed", func(t *testing.T) {
		t.Parallel()
		schema, db := oldLedger(t, srv, "ledger_v1.sql")
		exec(t, db, "INSERT INTO "+"`"+schema+"`.runs_v1 (config_fp, plan_fp, plan, total_rows, total_batches, created_at) VALUES ('c', 'p', '{}', 1, 1, NOW(6))")
		exec(t, db, "INSERT INTO "+"`"+schema+"`.batches_v1 (run_id, id, tbl, tenants, est_rows, est_bytes) VALUES (1, 1, 't', '[]', 1, 1)")
		// Migrations 1 and 2 finished; 3 started, added its column and the
		// process died before it recorded the end; 4 never started.
		exec(t, db, "CREATE TABLE schema_version (version INT NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, started_at DATETIME(6) NOT NULL, finished_at DATETIME(6) NULL)")
		exec(t, db, "INSERT INTO schema_version VALUES (1, 'v1', NOW(6), NOW(6)), (2, 'earlier', NOW(6), NOW(6)), (3, 'token', NOW(6), NULL)")
		exec(t, db, "ALTER TABLE batches_v1 ADD COLUMN claim_token BIGINT NOT NULL DEFAULT 0 AFTER attempts")
		if err := checkpoint.Check(ctx, db, schema); !errors.As(err, new(*checkpoint.VersionError)) {
			t.Errorf("Check of a half-migrated ledger = %v, want a VersionError", err)
		}
		l, err := checkpoint.Open(ctx, db, schema)
		if err != nil {
			t.Fatalf("Open after a crash in migration 3: %v", err)
		}
		if got := versions(t, db, schema); got != allVersions() {
			t.Errorf("schema_version = %s, want %s", got, allVersions())
		}
		if b, _, err := l.Claim(ctx, 1, "o", 1, time.Minute, 3); err != nil || b == nil || b.Token != 1 {
			t.Errorf("claim after the resumed migration = %+v, %v", b, err)
		}
	})

	t.Run("processes opening a new ledger at once migrate it once", func(t *testing.T) {
		t.Parallel()
		name, _ := srv.NewDatabase(t, "race")
		db, err := srv.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(16)
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := checkpoint.Open(ctx, db, name)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if got := versions(t, db, name); got != allVersions() {
			t.Errorf("schema_version = %s, want %s", got, allVersions())
		}
	})
}
