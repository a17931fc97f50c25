package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/gen"
	"github.com/cutover/cutover/planner"
)

// captureFixture is a fixture whose config captures changes into a schema
// of its own (tests share the server) with small apply batches, and batches
// the child tables by key range, as a run that moves every tenant would.
func captureFixture(t *testing.T, o fixtureOpts, ranged bool) (*fixture, string) {
	t.Helper()
	f := newFixture(t, o)
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	cfg := string(raw)
	if ranged {
		cfg = gen.WithBatching(cfg, "range", "merchants", "transactions")
	}
	capSchema := "cap_" + f.src[len(f.src)-8:]
	cfg += "capture:\n  schema: " + capSchema + "\n  apply_rows: 40\n  settle: 300ms\n"
	require.NoError(t, os.WriteFile(f.config, []byte(cfg), 0o600))
	t.Cleanup(func() { _ = srv.DropDatabase(context.Background(), capSchema) })
	return f, capSchema
}

// liveWriter changes every source table at a steady, bounded rate: inserts,
// updates, deletes, key changes of merchants (their transactions follow, in
// the same transaction) and of transactions, and merchants moving tenant.
// It is the only writer, so it knows the ids that exist.
type liveWriter struct {
	db        *sql.DB
	rng       *rand.Rand
	agents    []int64
	merchants []int64
	txns      []uint64
	currency  []string
	next      int64
	ops       atomic.Int64
}

func newLiveWriter(t *testing.T, db *sql.DB, seed uint64) *liveWriter {
	t.Helper()
	w := &liveWriter{db: db, rng: rand.New(rand.NewPCG(seed, 9)), next: 1}
	ids := func(q string, fn func(*sql.Rows)) {
		rows, err := db.Query(q)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			fn(rows)
		}
		require.NoError(t, rows.Err())
	}
	ids("SELECT agent_id FROM agents", func(r *sql.Rows) { var v int64; _ = r.Scan(&v); w.agents = append(w.agents, v) })
	ids("SELECT merchant_id FROM merchants", func(r *sql.Rows) { var v int64; _ = r.Scan(&v); w.merchants = append(w.merchants, v) })
	ids("SELECT txn_id FROM transactions", func(r *sql.Rows) { var v uint64; _ = r.Scan(&v); w.txns = append(w.txns, v) })
	ids("SELECT code FROM currencies", func(r *sql.Rows) { var v string; _ = r.Scan(&v); w.currency = append(w.currency, v) })
	return w
}

// run writes one change every tick until ctx ends.
func (w *liveWriter) run(ctx context.Context, tick time.Duration) error {
	tk := time.NewTicker(tick)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
		}
		if err := w.step(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		w.ops.Add(1)
	}
}

func (w *liveWriter) pick64(s []int64) (int, int64) { i := w.rng.IntN(len(s)); return i, s[i] }

func (w *liveWriter) id() int64 { w.next++; return 7_000_000_000 + w.next }

// step makes one change; a duplicate key of a new id (a generated row took
// it) is skipped.
func (w *liveWriter) step(ctx context.Context) error {
	err := w.change(ctx)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return nil
	}
	return err
}

func (w *liveWriter) change(ctx context.Context) error {
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000000")
	exec := func(q string, args ...any) error { _, err := w.db.ExecContext(ctx, q, args...); return err }
	inTx := func(qs ...[]any) error {
		tx, err := w.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, q := range qs {
			if _, err := tx.ExecContext(ctx, q[0].(string), q[1:]...); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
	switch op := w.rng.IntN(13); op {
	case 0:
		return exec("UPDATE currencies SET name = ? WHERE code = ?", fmt.Sprintf("renamed %d", w.rng.IntN(1000)), w.currency[w.rng.IntN(len(w.currency))])
	case 1:
		_, a := w.pick64(w.agents)
		return exec("UPDATE agents SET name = ? WHERE agent_id = ?", fmt.Sprintf("agent \t%d", w.rng.IntN(1000)), a)
	case 2:
		a := w.id()
		if err := exec("INSERT INTO agents VALUES (?, ?, 'ZZ', ?)", a, "new agent", now); err != nil {
			return err
		}
		w.agents = append(w.agents, a)
	case 3:
		_, m := w.pick64(w.merchants)
		return exec("UPDATE merchants SET balance = ?, name = NULL WHERE merchant_id = ?", fmt.Sprintf("%d.2345", w.rng.IntN(100000)), m)
	case 4: // a merchant moves to another tenant
		_, m := w.pick64(w.merchants)
		_, a := w.pick64(w.agents)
		return exec("UPDATE merchants SET agent_id = ? WHERE merchant_id = ?", a, m)
	case 5: // a merchant's key changes; its transactions follow
		i, m := w.pick64(w.merchants)
		n := w.id()
		if err := inTx([]any{"UPDATE transactions SET merchant_id = ? WHERE merchant_id = ?", n, m},
			[]any{"UPDATE merchants SET merchant_id = ? WHERE merchant_id = ?", n, m}); err != nil {
			return err
		}
		w.merchants[i] = n
	case 6:
		m := w.id()
		_, a := w.pick64(w.agents)
		if err := exec("INSERT INTO merchants VALUES (?, ?, ?, 5411, 0.0001, ?, ?)", m, a, "new merchant", now, []byte{0, 1, 2}); err != nil {
			return err
		}
		w.merchants = append(w.merchants, m)
	case 7: // a merchant goes, with its transactions
		if len(w.merchants) < 100 {
			return nil
		}
		i, m := w.pick64(w.merchants)
		if err := inTx([]any{"DELETE FROM transactions WHERE merchant_id = ?", m}, []any{"DELETE FROM merchants WHERE merchant_id = ?", m}); err != nil {
			return err
		}
		w.merchants = append(w.merchants[:i], w.merchants[i+1:]...)
	case 8:
		id := uint64(w.id())
		_, m := w.pick64(w.merchants)
		if err := exec("INSERT INTO transactions VALUES (?, ?, 12.34, 'EUR', 'new', ?, ?, ?)", id, m, "live\n", now, []byte("p\x00")); err != nil {
			return err
		}
		w.txns = append(w.txns, id)
	case 9:
		return exec("UPDATE transactions SET amount = ?, status = 'changed' WHERE txn_id = ?", fmt.Sprintf("%d.5", w.rng.IntN(100000)), w.txns[w.rng.IntN(len(w.txns))])
	case 10: // a transaction's key changes
		i := w.rng.IntN(len(w.txns))
		n := uint64(w.id())
		if err := exec("UPDATE transactions SET txn_id = ? WHERE txn_id = ?", n, w.txns[i]); err != nil {
			return err
		}
		w.txns[i] = n
	case 11:
		if len(w.txns) < 100 {
			return nil
		}
		i := w.rng.IntN(len(w.txns))
		if err := exec("DELETE FROM transactions WHERE txn_id = ?", w.txns[i]); err != nil {
			return err
		}
		w.txns = append(w.txns[:i], w.txns[i+1:]...)
	case 12: // a shared row comes and goes
		code := fmt.Sprintf("%03d", w.rng.IntN(1000))
		if w.rng.IntN(2) == 0 {
			return exec("INSERT INTO currencies VALUES (?, 'live', 2) ON DUPLICATE KEY UPDATE minor_units = 3", code)
		}
		return exec("DELETE FROM currencies WHERE code = ? AND name = 'live'", code)
	}
	return nil
}

// startWriter runs w until the returned stop is called; stop waits for it
// and fails the test on a writer error.
func startWriter(t *testing.T, w *liveWriter, tick time.Duration) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var err error
	wg.Add(1)
	go func() {
		defer wg.Done()
		err = w.run(ctx, tick)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			require.NoError(t, err, "the live writer")
		})
	}
	t.Cleanup(stop)
	return stop
}

// requireExactlyOnce checks that every captured change was applied once:
// the positions say how many change records each table's applies counted,
// which equals the last sequence when none was applied twice or skipped
// (one writer, no rolled-back changes, so the sequence has no gaps).
func requireExactlyOnce(t *testing.T, f *fixture, capSchema string) {
	t.Helper()
	rows, err := f.tgtDB.Query("SELECT tbl, seq, changes FROM `" + f.ledger + "`.sync_positions_v1 ORDER BY tbl")
	require.NoError(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var tbl string
		var seq, changes int64
		require.NoError(t, rows.Scan(&tbl, &seq, &changes))
		var last sql.NullInt64
		require.NoError(t, f.srcDB.QueryRow("SELECT MAX(seq) FROM `"+capSchema+"`.`chg_"+tbl+"`").Scan(&last))
		require.Equal(t, last.Int64, seq, "%s: the position is the last change captured", tbl)
		require.Equal(t, seq, changes, "%s: changes applied = changes captured (none twice, none lost)", tbl)
		n++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, 4, n, "a position per table")
}

// TestSyncLiveWriter is the zero-downtime night: capture starts, a writer
// changes every table while the bulk copy and sync --follow run, then the
// writer stops (the freeze), sync --until caught-up runs, and both sides are
// equal. It also holds the rule for a sync during the bulk copy: no table's
// position moves while a batch of it is left.
func TestSyncLiveWriter(t *testing.T) {
	t.Parallel()
	f, capSchema := captureFixture(t, fixtureOpts{rows: 20_000, workers: 2, batchRows: 1_000}, true)
	code, out, errs := cutover(t, "capture", "start", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "capture ")
	code, out, _ = cutover(t, "capture", "start", "--config", f.config)
	require.Equal(t, 0, code)
	require.Contains(t, out, "already on")

	// Before the copy: a row inserted and deleted (never copied), a key
	// updated twice, a row deleted whose batch is not copied yet.
	var victim, twice uint64
	require.NoError(t, f.srcDB.QueryRow("SELECT MIN(txn_id), MAX(txn_id) FROM transactions").Scan(&victim, &twice))
	for _, q := range []string{
		"INSERT INTO transactions SELECT 5, merchant_id, amount, currency, status, note, created_at, payload FROM transactions WHERE txn_id = " + fmt.Sprint(victim),
		"DELETE FROM transactions WHERE txn_id = 5",
		fmt.Sprintf("UPDATE transactions SET txn_id = 6 WHERE txn_id = %d", twice),
		"UPDATE transactions SET txn_id = 7 WHERE txn_id = 6",
		fmt.Sprintf("DELETE FROM transactions WHERE txn_id = %d", victim),
	} {
		_, err := f.srcDB.Exec(q)
		require.NoError(t, err, q)
	}

	w := newLiveWriter(t, f.srcDB, 1)
	stopWriter := startWriter(t, w, 4*time.Millisecond)
	run := start(t, binPath, "run", "--config", f.config, "--create-tables")
	waitFor(t, 60*time.Second, "the first batch done", func() bool {
		return ledgerIntOr0(t, f, "SELECT COUNT(*) FROM L.batches_v1 WHERE state = 2") > 0
	})
	follow := start(t, binPath, "sync", "--config", f.config, "--follow", "--every", "200ms")
	// While the copy runs: a table's position may move only once none of
	// its batches is left (nor one of a table it carries tenants to).
	held := map[string][]string{"agents": {"agents"}, "merchants": {"merchants", "transactions"}, "transactions": {"transactions"}, "currencies": {"currencies"}}
	for done := false; !done; {
		select {
		case code := <-run.done:
			run.done <- code
			require.Equal(t, 0, code, run.out.String())
			done = true
		case <-time.After(100 * time.Millisecond):
		}
		for tbl, need := range held {
			row := f.tgtDB.QueryRow("SELECT p.seq, (SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1 b WHERE b.state <> 2 AND b.tbl IN ('"+
				strings.Join(need, "','")+"')) FROM `"+f.ledger+"`.sync_positions_v1 p WHERE p.tbl = ?", tbl)
			var seq, left int64
			require.NoError(t, row.Scan(&seq, &left))
			require.False(t, seq > 0 && left > 0, "%s: position %d with %d batches left", tbl, seq, left)
		}
	}
	waitFor(t, 60*time.Second, "sync --follow to apply changes", func() bool {
		return ledgerIntOr0(t, f, "SELECT COALESCE(SUM(changes), 0) FROM L.sync_positions_v1") > 0
	})
	time.Sleep(time.Second)
	// The freeze: writes stop, sync catches up.
	stopWriter()
	require.NoError(t, follow.cmd.Process.Signal(syscall.SIGINT))
	require.Equal(t, 3, follow.wait(t, 60*time.Second), follow.out.String())
	require.Contains(t, follow.out.String(), "resume with: cutover sync")
	// One change after the follower stopped: status reads it from the
	// source's capture as pending.
	_, err := f.srcDB.Exec("UPDATE agents SET name = 'status-check' ORDER BY agent_id LIMIT 1")
	require.NoError(t, err)
	code, out, errs = cutover(t, "status", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Regexp(t, `capture: on, [\d,]+ changes pending, the oldest \d+s old`, out)
	require.Regexp(t, `capture agents: [\d,]+ pending`, out)
	freeze := time.Now()
	code, out, errs = cutover(t, "sync", "--config", f.config, "--until", "caught-up")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "caught up")
	t.Logf("writer made %d changes; the freeze's catch-up took %s: %s", w.ops.Load(), time.Since(freeze).Round(time.Millisecond), strings.TrimSpace(out))
	requireEqualCopy(t, f)
	requireExactlyOnce(t, f, capSchema)
	// verify proves it too: counts, and content against the source (sync
	// cleared the checksums stored at copy time for the tables it rewrote).
	code, out, errs = cutover(t, "verify", "--config", f.config)
	require.Equal(t, 0, code, out+errs)
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum", "--source")
	require.Equal(t, 0, code, out+errs)

	// The report shows the catch-up phase: every table's changes as the
	// ledger counts them, and the freeze's sync.
	html := filepath.Join(t.TempDir(), "report.html")
	code, _, errs = cutover(t, "report", "--config", f.config, "--out", html)
	require.Equal(t, 0, code, errs)
	raw, err := os.ReadFile(html)
	require.NoError(t, err)
	page := string(raw)
	changes := ledgerIntOr0(t, f, "SELECT COALESCE(SUM(changes), 0) FROM L.sync_positions_v1")
	tables := ledgerIntOr0(t, f, "SELECT COUNT(*) FROM L.sync_positions_v1")
	require.Contains(t, page, fmt.Sprintf(`<p id="sync-total">%s changes applied in `, planner.Thousands(int64(changes))))
	syncTable := regexp.MustCompile(`(?s)<table id="sync">.*?</table>`).FindString(page)
	require.Equal(t, int(tables)+1, strings.Count(syncTable, "<tr"), "a header and a row per captured table")
	require.Regexp(t, `<li>[^<]+: sync applied \d+ changes in [^<]+: caught up</li>`, page, "the freeze's sync")

	code, out, errs = cutover(t, "capture", "status", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "pending 0 ")
	code, out, errs = cutover(t, "status", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "capture: on, 4 tables, nothing pending")
	code, _, errs = cutover(t, "capture", "stop", "--config", f.config)
	require.Equal(t, 0, code, errs)
	var triggers int
	require.NoError(t, f.srcDB.QueryRow("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?", f.src).Scan(&triggers))
	require.Zero(t, triggers, "capture stop left triggers")
}

// ledgerIntOr0 is ledgerInt for a ledger that may not exist yet.
func ledgerIntOr0(t *testing.T, f *fixture, query string) int {
	t.Helper()
	var n int
	if err := f.tgtDB.QueryRow(strings.ReplaceAll(query, "L.", "`"+f.ledger+"`.")).Scan(&n); err != nil {
		return 0
	}
	return n
}

// TestSyncKilled kills sync with SIGKILL at random points of applying a
// burst of changes many apply batches long (while the writer still writes),
// reruns it, and checks that no change was applied twice or lost.
func TestSyncKilled(t *testing.T) {
	t.Parallel()
	f, capSchema := captureFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 1_000}, true)
	code, _, errs := cutover(t, "capture", "start", "--config", f.config)
	require.Equal(t, 0, code, errs)
	code, _, errs = cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	w := newLiveWriter(t, f.srcDB, 2)
	stopWriter := startWriter(t, w, time.Millisecond)
	waitFor(t, 60*time.Second, "a burst of changes", func() bool { return w.ops.Load() > 1500 })
	applied := func() int { return ledgerInt(t, f, "SELECT COALESCE(SUM(changes), 0) FROM L.sync_positions_v1") }
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	for i := 0; i < 4; i++ {
		before := applied()
		goal := before + 1 + rng.IntN(300)
		p := start(t, binPath, "sync", "--config", f.config, "--follow", "--every", "50ms")
		deadline := time.Now().Add(60 * time.Second)
		for applied() < goal && time.Now().Before(deadline) {
			time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
		}
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		require.Equal(t, -int(syscall.SIGKILL), p.wait(t, 30*time.Second), p.out.String())
		t.Logf("kill %d: %d changes applied (of %d made)", i, applied(), w.ops.Load())
	}
	stopWriter()
	code, out, errs := cutover(t, "sync", "--config", f.config, "--until", "caught-up")
	require.Equal(t, 0, code, errs)
	t.Logf("final sync: %s", strings.TrimSpace(out))
	requireEqualCopy(t, f)
	requireExactlyOnce(t, f, capSchema)
}

// queryHash is an ordered hash of a query's rows,
// computed here: each value length-prefixed, NULL apart from ”.
func queryHash(t *testing.T, db *sql.DB, q string) (string, int) {
	t.Helper()
	rows, err := db.Query(q)
	require.NoError(t, err, q)
	defer rows.Close()
	cols, _ := rows.Columns()
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	h := sha256.New()
	n := 0
	var lb [8]byte
	for rows.Next() {
		require.NoError(t, rows.Scan(dest...))
		for _, v := range raw {
			if v == nil {
				h.Write([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
				continue
			}
			binary.BigEndian.PutUint64(lb[:], uint64(len(v)))
			h.Write(lb[:])
			h.Write(v)
		}
		n++
	}
	require.NoError(t, rows.Err())
	return hex.EncodeToString(h.Sum(nil)), n
}

// TestSyncTenantScope: with tenant.ids, sync applies only those tenants'
// rows; a merchant that moves out of them leaves the target with its
// transactions (which have no change of their own), one that moves in
// arrives with them, and changes of other tenants are not applied.
func TestSyncTenantScope(t *testing.T) {
	t.Parallel()
	f, capSchema := captureFixture(t, fixtureOpts{rows: 6_000, workers: 2, batchRows: 500}, false)
	// Three tenants with merchants that have transactions; the others are out.
	var ids []string
	rows, err := f.srcDB.Query("SELECT DISTINCT m.agent_id FROM merchants m JOIN transactions t USING (merchant_id) ORDER BY m.agent_id LIMIT 3")
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Len(t, ids, 3)
	in := strings.Join(ids, ", ")
	var other string
	require.NoError(t, f.srcDB.QueryRow("SELECT MAX(agent_id) FROM agents").Scan(&other))
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f.config, []byte(strings.Replace(string(raw), "ids: []", "ids: ["+in+"]", 1)), 0o600))
	code, _, errs := cutover(t, "capture", "start", "--config", f.config)
	require.Equal(t, 0, code, errs)
	code, _, errs = cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	var out1, in1, outside int64
	require.NoError(t, f.srcDB.QueryRow("SELECT m.merchant_id FROM merchants m WHERE m.agent_id = "+ids[0]+" AND EXISTS (SELECT 1 FROM transactions t WHERE t.merchant_id = m.merchant_id) LIMIT 1").Scan(&out1))
	require.NoError(t, f.srcDB.QueryRow("SELECT m.merchant_id FROM merchants m WHERE m.agent_id NOT IN ("+in+") AND EXISTS (SELECT 1 FROM transactions t WHERE t.merchant_id = m.merchant_id) ORDER BY m.merchant_id LIMIT 1").Scan(&in1))
	require.NoError(t, f.srcDB.QueryRow("SELECT m.merchant_id FROM merchants m WHERE m.agent_id NOT IN ("+in+") AND m.merchant_id <> ? LIMIT 1", in1).Scan(&outside))
	for _, q := range []string{
		fmt.Sprintf("UPDATE merchants SET agent_id = %s WHERE merchant_id = %d", other, out1),
		fmt.Sprintf("UPDATE merchants SET agent_id = %s WHERE merchant_id = %d", ids[1], in1),
		fmt.Sprintf("UPDATE merchants SET balance = 1 WHERE merchant_id = %d", outside),
		fmt.Sprintf("INSERT INTO transactions VALUES (11, %d, 1.00, 'EUR', 's', NULL, '2020-01-01 00:00:00', NULL)", outside),
		fmt.Sprintf("INSERT INTO transactions VALUES (12, %d, 1.00, 'EUR', 's', NULL, '2020-01-01 00:00:00', NULL)", in1),
		"UPDATE agents SET name = 'changed' WHERE agent_id IN (" + ids[1] + ", " + other + ")",
		"INSERT INTO agents VALUES (9000000001, 'outside', NULL, '2020-01-01 00:00:00')",
	} {
		_, err := f.srcDB.Exec(q)
		require.NoError(t, err, q)
	}
	code, out, errs := cutover(t, "sync", "--config", f.config, "--until", "caught-up")
	require.Equal(t, 0, code, errs)
	t.Logf("sync: %s", strings.TrimSpace(out))
	for _, c := range []struct{ name, src, tgt string }{
		{"agents", "SELECT * FROM agents WHERE agent_id IN (" + in + ") ORDER BY agent_id", "SELECT * FROM agents ORDER BY agent_id"},
		{"merchants", "SELECT * FROM merchants WHERE agent_id IN (" + in + ") ORDER BY merchant_id", "SELECT * FROM merchants ORDER BY merchant_id"},
		{"transactions", "SELECT t.* FROM transactions t JOIN merchants m USING (merchant_id) WHERE m.agent_id IN (" + in + ") ORDER BY t.txn_id", "SELECT * FROM txn_history ORDER BY txn_id"},
		{"currencies", "SELECT * FROM currencies ORDER BY code", "SELECT * FROM currencies ORDER BY code"},
	} {
		sh, sn := queryHash(t, f.srcDB, c.src)
		th, tn := queryHash(t, f.tgtDB, c.tgt)
		require.Equal(t, sn, tn, "%s: rows in scope", c.name)
		require.Equal(t, sh, th, "%s: row hash of the scope", c.name)
	}
	var n int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM txn_history WHERE merchant_id = ?", out1).Scan(&n))
	require.Zero(t, n, "the transactions of the merchant that left")
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM txn_history WHERE merchant_id = ?", in1).Scan(&n))
	require.Greater(t, n, 1, "the transactions of the merchant that arrived")
	requireExactlyOnce(t, f, capSchema)
}

// TestCaptureByHand is the DBA's path: capture start --print writes SQL and
// installs nothing; the DBA runs it with the mysql client; capture start
// then only records it. Once the copy has read, capture start is refused.
func TestCaptureByHand(t *testing.T) {
	t.Parallel()
	if srv.Socket == "" {
		t.Skip("needs the throwaway server's socket for the mysql client")
	}
	client, err := exec.LookPath("mariadb")
	if err != nil {
		t.Skip("no mariadb client")
	}
	f, capSchema := captureFixture(t, fixtureOpts{rows: 3_000, workers: 2, batchRows: 1_000}, false)
	triggers := func() int {
		var n int
		require.NoError(t, f.srcDB.QueryRow("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?", f.src).Scan(&n))
		return n
	}
	code, script, errs := cutover(t, "capture", "start", "--config", f.config, "--print")
	require.Equal(t, 0, code, errs)
	for _, want := range []string{"GRANT TRIGGER, SELECT ON `" + f.src + "`.`merchants`", "SUPER", "DELIMITER //", "CREATE TRIGGER", "`" + capSchema + "`.`chg_transactions`"} {
		require.Contains(t, script, want)
	}
	require.Zero(t, triggers(), "--print installed something")
	code, out, _ := cutover(t, "capture", "status", "--config", f.config)
	require.Equal(t, 0, code)
	require.Contains(t, out, "capture: off")

	cmd := exec.Command(client, "--no-defaults", "-uroot", "-S", srv.Socket, f.src)
	cmd.Stdin = strings.NewReader(script)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, string(msg))
	require.Equal(t, 12, triggers(), "three triggers per table")
	code, out, errs = cutover(t, "capture", "start", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "installed by hand")
	code, out, errs = cutover(t, "capture", "status", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, ": on")
	// A config naming other tables than the capture covers is refused.
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	fewer := strings.Replace(string(raw), "  - name: currencies      # shared reference data: belongs to no tenant\n    key: [code]\n    tenant: none\n", "", 1)
	require.NotEqual(t, string(raw), fewer)
	other := filepath.Join(t.TempDir(), "fewer.yaml")
	require.NoError(t, os.WriteFile(other, []byte(fewer), 0o600))
	code, _, errs = cutover(t, "capture", "start", "--config", other)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "capture on the source covers tables")

	code, out, errs = cutover(t, "capture", "stop", "--config", f.config, "--print")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "DROP TRIGGER IF EXISTS")
	require.Equal(t, 12, triggers(), "--print removed something")
	code, _, errs = cutover(t, "capture", "stop", "--config", f.config)
	require.Equal(t, 0, code, errs)
	require.Zero(t, triggers())

	code, _, errs = cutover(t, "run", "--config", f.config, "--create-tables")
	require.Equal(t, 0, code, errs)
	code, _, errs = cutover(t, "capture", "start", "--config", f.config)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "capture must start before the bulk copy's first read")
	require.Zero(t, triggers(), "a refused start installed something")
	code, _, errs = cutover(t, "sync", "--config", f.config)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "capture is not on")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "one line: %s", errs)
}

// TestCaptureStartWithoutPrivilege: a source user without the TRIGGER
// privilege gets exit 2, one line pointing at --print, and nothing is left
// installed.
func TestCaptureStartWithoutPrivilege(t *testing.T) {
	t.Parallel()
	f, capSchema := captureFixture(t, fixtureOpts{rows: 2_000, workers: 2, batchRows: 1_000}, false)
	user := "nocap_" + f.src[len(f.src)-8:]
	admin, err := srv.Open("")
	require.NoError(t, err)
	defer admin.Close()
	for _, q := range []string{
		"CREATE USER '" + user + "'@'localhost' IDENTIFIED BY 'pw'",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON `" + f.src + "`.* TO '" + user + "'@'localhost'",
		"GRANT ALL ON `" + capSchema + "`.* TO '" + user + "'@'localhost'",
	} {
		_, err := admin.Exec(q)
		require.NoError(t, err, q)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP USER IF EXISTS '" + user + "'@'localhost'") })
	dsn, err := mysql.ParseDSN(srv.DSN(f.src))
	require.NoError(t, err)
	dsn.User, dsn.Passwd = user, "pw"
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	lines := strings.SplitN(string(raw), "\n", 4) // source:, driver:, dsn:, the rest
	require.Contains(t, lines[2], "dsn:")
	lines[2] = "  dsn: " + dsn.FormatDSN()
	cfg := filepath.Join(t.TempDir(), "nocap.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Join(lines, "\n")), 0o600))
	code, _, errs := cutover(t, "capture", "start", "--config", cfg)
	require.Equal(t, 2, code, errs)
	require.Contains(t, errs, "--print gives the SQL and the grants")
	require.NotContains(t, errs, "pw@", "the password stays out of messages")
	var triggers, tables int
	require.NoError(t, f.srcDB.QueryRow("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?", f.src).Scan(&triggers))
	require.NoError(t, f.srcDB.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", capSchema).Scan(&tables))
	require.Zero(t, triggers+tables, "a refused start left objects behind")
}

// TestCaptureOracleRefused: on an Oracle source, capture start and sync
// refuse (exit 2, one line) before connecting; --print is the way.
func TestCaptureOracleRefused(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "ora.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("source:\n  driver: oracle\n  dsn: u/secret@db:1521/X\ntarget:\n  dsn: u:p@tcp(127.0.0.1:1)/t\ntenant:\n  column: agent_id\ntables:\n  - name: agents\n"), 0o600))
	for _, args := range [][]string{{"capture", "start"}, {"capture", "status", "--print"}, {"sync"}} {
		code, _, errs := cutover(t, append(args, "--config", cfg)...)
		require.Equal(t, 2, code, errs)
		require.Contains(t, errs, "MySQL source", args)
		require.NotContains(t, errs, "secret")
	}
}
