package faults

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/testdb"
)

// newUser creates a user on s with the given grants (each with %s for the
// user) and returns user:password for a DSN. The user goes when the test ends.
func newUser(t *testing.T, s *testdb.Server, prefix string, grants ...string) string {
	t.Helper()
	db, err := s.Open("")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	var b [4]byte
	_, _ = rand.Read(b[:])
	user := prefix + "_" + hex.EncodeToString(b[:])
	account := "'" + user + "'@'localhost'"
	execAll(t, db, "CREATE USER "+account+" IDENTIFIED BY 'pw-"+user+"'")
	t.Cleanup(func() { _, _ = db.Exec("DROP USER IF EXISTS " + account) })
	for _, g := range grants {
		execAll(t, db, fmt.Sprintf(g, account))
	}
	return user + ":pw-" + user
}

// Case 8: a source user with only SELECT on the source schema, a target user
// with privileges only on the target and ledger schemas (no SUPER, FILE or
// PROCESS): the copy and its verification work; a missing grant is named in
// one line (exit 2) before anything is written.
func TestMinimalGrants(t *testing.T) {
	t.Parallel()
	p := newPair(t, testdb.Options{})
	type grants struct{ src, tgt []string }
	full := func(e *env) grants {
		return grants{
			src: []string{"GRANT SELECT ON `" + e.srcName + "`.* TO %s"},
			tgt: []string{"GRANT ALL PRIVILEGES ON `" + e.tgtName + "`.* TO %s", "GRANT ALL PRIVILEGES ON `" + e.ledger + "`.* TO %s"},
		}
	}
	t.Run("enough", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, p, envOpts{rows: 3_000, batchRows: 300, noTargetSchema: true})
		g := full(e)
		// The README's minimal target grants, not ALL.
		g.tgt[0] = "GRANT SELECT, INSERT, DELETE, CREATE, ALTER, INDEX ON `" + e.tgtName + "`.* TO %s"
		e.o.srcUser = newUser(t, p.src, "ro", g.src...)
		e.o.tgtUser = newUser(t, p.tgt, "rw", g.tgt...)
		e.writeConfig(t, "")
		r := e.cutover(t, "run", "--create-tables")
		require.Equal(t, 0, r.code, r.String())
		e.requireEqual(t)
		r = e.cutover(t, "verify")
		require.Equal(t, 0, r.code, r.String())
	})
	for _, tc := range []struct {
		name  string
		grant func(e *env) grants
		names []string
	}{
		{"target without INSERT", func(e *env) grants {
			g := full(e)
			g.tgt[0] = "GRANT SELECT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX ON `" + e.tgtName + "`.* TO %s"
			return g
		}, []string{"INSERT"}},
		{"target without DELETE", func(e *env) grants {
			g := full(e)
			g.tgt[0] = "GRANT SELECT, INSERT, UPDATE, CREATE, DROP, ALTER, INDEX ON `" + e.tgtName + "`.* TO %s"
			return g
		}, []string{"DELETE"}},
		{"no grants on the ledger schema", func(e *env) grants {
			g := full(e)
			g.tgt = g.tgt[:1]
			return g
		}, []string{ledgerName}},
		{"source without SELECT on one table", func(e *env) grants {
			g := full(e)
			g.src = []string{
				"GRANT SELECT ON `" + e.srcName + "`.currencies TO %s",
				"GRANT SELECT ON `" + e.srcName + "`.agents TO %s",
				"GRANT SELECT ON `" + e.srcName + "`.merchants TO %s",
			}
			return g
		}, []string{"transactions", "SELECT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, p, envOpts{rows: 2_000, batchRows: 300})
			g := tc.grant(e)
			e.o.srcUser = newUser(t, p.src, "ro", g.src...)
			e.o.tgtUser = newUser(t, p.tgt, "rw", g.tgt...)
			e.writeConfig(t, "")
			r := e.cutover(t, "run")
			t.Logf("%s", r)
			require.Equal(t, 2, r.code, "a missing grant is refused before anything is written: %s", r)
			for _, n := range tc.names {
				if n == ledgerName {
					n = e.ledger
				}
				require.Contains(t, r.out, n, r.String())
			}
			e.requireTargetUntouched(t, true)
		})
	}
}

// ledgerName stands for the test's ledger schema name in a case's names.
const ledgerName = "<ledger>"
