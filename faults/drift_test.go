package faults

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/testdb"
)

// Case 6: the target's schema drifted from the source's. Each drift is refused
// by preflight (exit 2, nothing written) or fails its batch (exit 1) naming the
// table and the column or object; never a truncated, rounded or shifted value:
// every row the target holds equals its source row, and a run that claims
// success leaves both sides equal.
func TestTargetSchemaDrift(t *testing.T) {
	t.Parallel()
	p := newPair(t, testdb.Options{})
	for _, tc := range []struct {
		name  string
		alter []string // run on the target after the generated schema
		names []string // what a refusal or failure must name
	}{
		{"narrower varchar", []string{"ALTER TABLE transactions MODIFY note VARCHAR(20) NULL"}, []string{"transactions", "note"}},
		{"int instead of bigint", []string{"ALTER TABLE transactions MODIFY txn_id BIGINT NOT NULL"}, []string{"transactions", "txn_id"}},
		{"smaller decimal scale", []string{"ALTER TABLE transactions MODIFY amount DECIMAL(18,1) NOT NULL"}, []string{"transactions", "amount"}},
		{"not null where the source has nulls", []string{"ALTER TABLE transactions MODIFY note VARCHAR(255) NOT NULL"}, []string{"transactions", "note"}},
		{"extra not null column without default", []string{"ALTER TABLE transactions ADD COLUMN extra INT NOT NULL"}, []string{"transactions", "extra"}},
		{"missing column", []string{"ALTER TABLE transactions DROP COLUMN note"}, []string{"transactions", "note"}},
		{"different column order", []string{"ALTER TABLE transactions MODIFY note VARCHAR(255) NULL FIRST, MODIFY amount DECIMAL(18,2) NOT NULL AFTER payload"}, nil},
		{"trigger that changes values", []string{"CREATE TRIGGER bump BEFORE INSERT ON transactions FOR EACH ROW SET NEW.amount = NEW.amount + 1"}, []string{"transactions", "bump"}},
		{"foreign keys", []string{
			"ALTER TABLE merchants ADD CONSTRAINT fk_agent FOREIGN KEY (agent_id) REFERENCES agents (agent_id)",
			"ALTER TABLE transactions ADD CONSTRAINT fk_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id)",
		}, []string{"fk_"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, p, envOpts{rows: 3_000, workers: 2, batchRows: 300})
			execAll(t, e.tgtDB, tc.alter...)
			r := e.cutover(t, "run")
			t.Logf("%s", r)
			switch r.code {
			case 0:
				requireNoHiddenFailure(t, r)
				e.requireEqual(t)
			case 1, 2:
				for _, tb := range genTables {
					e.requireTargetRowsMatch(t, tb.name, tb.key)
				}
				if r.code == 2 {
					e.requireTargetUntouched(t, true)
				}
				require.NotEmpty(t, tc.names, "this drift is harmless: the copy should work: %s", r)
				for _, n := range tc.names {
					require.Contains(t, r.out, n, "the refusal or failure names %s", n)
				}
			default:
				t.Fatalf("unexpected exit: %s", r)
			}
		})
	}
}

// requireTargetRowsMatch asserts that every row the target table holds equals
// the source row of the same key, value by value (over the source's columns).
func (e *env) requireTargetRowsMatch(t *testing.T, table, key string) {
	t.Helper()
	cols := columns(t, e.srcDB, table)
	tcols := map[string]bool{}
	for _, c := range columns(t, e.tgtDB, table) {
		tcols[strings.ToLower(c)] = true
	}
	for _, c := range cols {
		if !tcols[strings.ToLower(c)] {
			return // a missing column is refused before anything is written
		}
	}
	src := rowsByKey(t, e.srcDB, table, cols, key)
	for k, v := range rowsByKey(t, e.tgtDB, table, cols, key) {
		want, ok := src[k]
		require.True(t, ok, "target row %s of %s has no source row", k, table)
		require.Equal(t, want, v, "target row %s of %s differs from its source row", k, table)
	}
}

// rowsByKey reads every row of a small table as text, by its key's text.
func rowsByKey(t *testing.T, db *sql.DB, table string, cols []string, key string) map[string][]string {
	t.Helper()
	quoted := make([]string, len(cols))
	keyAt := -1
	for i, c := range cols {
		quoted[i] = "`" + c + "`"
		if strings.EqualFold(c, key) {
			keyAt = i
		}
	}
	require.GreaterOrEqual(t, keyAt, 0, "key %s of %s", key, table)
	rows, err := db.Query("SELECT " + strings.Join(quoted, ", ") + " FROM `" + table + "`")
	require.NoError(t, err)
	defer rows.Close()
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	out := map[string][]string{}
	for rows.Next() {
		require.NoError(t, rows.Scan(dest...))
		vals := make([]string, len(cols))
		for i, v := range raw {
			if v == nil {
				vals[i] = "NULL"
			} else {
				vals[i] = "'" + string(v) + "'"
			}
		}
		out[vals[keyAt]] = vals
	}
	require.NoError(t, rows.Err())
	return out
}

// Case 7: a source table altered between plan and run (a column added, a
// type changed; the target follows, so only the plan can tell): the run
// refuses at its start with exit 2 naming what changed, and writes nothing.
func TestSourceAlteredAfterPlan(t *testing.T) {
	t.Parallel()
	p := newPair(t, testdb.Options{})
	for _, tc := range []struct {
		name   string
		alter  string // run on both sides after plan
		column string
	}{
		{"column added", "ALTER TABLE transactions ADD COLUMN extra INT NULL", "extra"},
		{"type changed", "ALTER TABLE transactions MODIFY note VARCHAR(300) NULL", "note"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, p, envOpts{rows: 2_000, workers: 2, batchRows: 300})
			r := e.cutover(t, "plan")
			require.Equal(t, 0, r.code, r.String())
			execAll(t, e.srcDB, tc.alter)
			execAll(t, e.tgtDB, tc.alter)
			r = e.cutover(t, "run")
			require.Equal(t, 2, r.code, "a source changed since the plan must be refused: %s", r)
			require.Contains(t, r.out, "transactions", r.String())
			require.Contains(t, r.out, tc.column, r.String())
			e.requireTargetUntouched(t, true)
		})
	}
}

// Case 9: `run --create-tables` writes nothing before a refusal: a run
// setting changed since the plan is refused before any table is created, and
// so is a drifted target table next to missing ones.
func TestCreateTablesWritesNothingBeforeRefusal(t *testing.T) {
	t.Parallel()
	p := newPair(t, testdb.Options{})
	t.Run("changed run setting", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, p, envOpts{rows: 2_000, workers: 2, batchRows: 300, noTargetSchema: true})
		r := e.cutover(t, "plan")
		require.Equal(t, 0, r.code, r.String())
		e.o.batchRows = 400
		e.writeConfig(t, "")
		r = e.cutover(t, "run", "--create-tables")
		require.Equal(t, 2, r.code, "a config changed since the plan must be refused: %s", r)
		require.Contains(t, r.out, "--replan", r.String())
		e.requireTargetUntouched(t, false)
	})
	t.Run("drifted table next to missing ones", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, p, envOpts{rows: 2_000, workers: 2, batchRows: 300, noTargetSchema: true})
		execAll(t, e.tgtDB, "CREATE TABLE transactions (txn_id BIGINT UNSIGNED NOT NULL PRIMARY KEY, merchant_id BIGINT NOT NULL) ENGINE=InnoDB")
		r := e.cutover(t, "run", "--create-tables")
		require.Equal(t, 2, r.code, "a drifted target table must be refused: %s", r)
		require.Contains(t, r.out, "transactions", r.String())
		var n int
		require.NoError(t, e.tgtDB.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n))
		require.Equal(t, 1, n, "tables were created before the refusal")
		require.Zero(t, e.targetRows("transactions"))
	})
}
