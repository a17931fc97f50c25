package gen

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/internal/testdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApportionSumsExactly(t *testing.T) {
	for _, total := range []int64{0, 1, 7, 1000, 98_765} {
		w := []float64{5, 1, 1, 0.5, 3, 0.001}
		got := apportion(total, w)
		var sum int64
		for _, x := range got {
			sum += x
		}
		assert.Equal(t, total, sum, "total %d", total)
		assert.GreaterOrEqual(t, got[0], got[4], "largest weight keeps the largest part")
	}
}

func TestPlanShape(t *testing.T) {
	for _, tc := range []struct {
		rows      int64
		agents    int
		skewReach bool // whether 6% is reachable: with few agents even a flat spread is more
	}{{100_000, 1000, true}, {1_000_000, 1000, true}, {50_000, 100, true}, {5_000, 10, false}, {50, 1, false}} {
		t.Run(fmt.Sprintf("%d rows %d agents", tc.rows, tc.agents), func(t *testing.T) {
			p, err := makePlan(context.Background(), rand.New(rand.NewPCG(1, 2)), tc.rows, tc.agents, 36)
			require.NoError(t, err)
			total := int64(len(p.agents) + len(p.merchants) + 36)
			total += p.txns
			assert.Equal(t, tc.rows, total)
			largest := p.agents[p.largest]
			share := float64(largest.rows+1) / float64(tc.rows)
			if tc.skewReach {
				assert.InDelta(t, 0.06, share, 0.01, "largest agent's share")
			}
			for _, a := range p.agents {
				assert.LessOrEqual(t, a.rows, largest.rows)
			}
			if tc.agents > 1 {
				assert.NotEqual(t, 0, p.largest, "largest agent has the first id")
			}
		})
	}
	_, err := makePlan(context.Background(), rand.New(rand.NewPCG(1, 2)), 100, 1000, 36)
	assert.Error(t, err)
}

func TestFenwickDrawsEveryUnitOnce(t *testing.T) {
	counts := []int64{3, 0, 5, 1, 0, 0, 7, 2}
	f := newFenwick(counts)
	var total int64
	for _, c := range counts {
		total += c
	}
	got := make([]int64, len(counts))
	rng := rand.New(rand.NewPCG(3, 4))
	for left := total; left > 0; left-- {
		got[f.take(rng.Int64N(left))]++
	}
	assert.Equal(t, counts, got)
}

func TestMaxLenText(t *testing.T) {
	s := maxLenText(255)
	assert.Equal(t, 255, len([]rune(s)))
	assert.Greater(t, len(s), 255)
	assert.Contains(t, s, "\U0001F600")
}

// generated holds one database filled by Generate, shared by the read-only checks.
type generated struct {
	db    *sql.DB
	stats Stats
}

// emptyDatabase makes a database with the source schema, dropped when t ends.
func emptyDatabase(t testing.TB, srv *testdb.Server) *sql.DB {
	t.Helper()
	name, _ := srv.NewDatabase(t, "gen")
	db, err := srv.Open(name)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, CreateSchema(context.Background(), db))
	return db
}

func generateInto(t *testing.T, srv *testdb.Server, db *sql.DB, o Options) Stats {
	t.Helper()
	start := time.Now()
	st, err := Generate(context.Background(), db, o)
	require.NoError(t, err, srv.ErrorLog())
	t.Logf("%d rows in %s (%.0f rows/s): %+v", st.TotalRows, time.Since(start),
		float64(st.TotalRows)/time.Since(start).Seconds(), st)
	return st
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRowContext(context.Background(), query, args...).Scan(&n), query)
	return n
}

func hexOf(s string) string { return strings.ToUpper(hex.EncodeToString([]byte(s))) }

func TestGenerate(t *testing.T) {
	srv := testdb.StartT(t)
	opts := Options{Rows: 100_000, Agents: 1000, Seed: 7}
	a := generated{db: emptyDatabase(t, srv)}
	b := generated{db: emptyDatabase(t, srv)}
	other := generated{db: emptyDatabase(t, srv)}
	t.Run("generate", func(t *testing.T) {
		t.Run("a", func(t *testing.T) { t.Parallel(); a.stats = generateInto(t, srv, a.db, opts) })
		t.Run("b", func(t *testing.T) { t.Parallel(); b.stats = generateInto(t, srv, b.db, opts) })
		t.Run("other seed", func(t *testing.T) {
			t.Parallel()
			other.stats = generateInto(t, srv, other.db, Options{Rows: opts.Rows, Agents: opts.Agents, Seed: 8})
		})
	})
	if t.Failed() {
		t.FailNow()
	}
	db, st := a.db, a.stats

	t.Run("counts", func(t *testing.T) {
		for table, want := range map[string]int64{
			"agents": st.Agents, "merchants": st.Merchants,
			"transactions": st.Transactions, "currencies": st.Currencies,
		} {
			assert.Equal(t, want, count(t, db, "SELECT COUNT(*) FROM "+table), table)
		}
		total := st.Agents + st.Merchants + st.Transactions + st.Currencies
		assert.Equal(t, st.TotalRows, total)
		assert.InDelta(t, float64(opts.Rows), float64(total), float64(opts.Rows)/100)
		assert.InDelta(t, 1000, st.Agents, 10)
		assert.InDelta(t, 0.05, float64(st.Merchants)/float64(total), 0.01, "merchants' share")
		assert.InDelta(t, 30, st.Currencies, 10)
		assert.Zero(t, count(t, db, "SELECT COUNT(*) FROM transactions t LEFT JOIN merchants m USING (merchant_id) WHERE m.merchant_id IS NULL"), "orphan transactions")
		assert.Zero(t, count(t, db, "SELECT COUNT(*) FROM merchants m LEFT JOIN agents a USING (agent_id) WHERE a.agent_id IS NULL"), "orphan merchants")
	})

	t.Run("skew", func(t *testing.T) {
		ctx := context.Background()
		perAgent := map[int64]int64{}
		rows, err := db.QueryContext(ctx, "SELECT agent_id FROM agents")
		require.NoError(t, err)
		for rows.Next() {
			var id int64
			require.NoError(t, rows.Scan(&id))
			perAgent[id] = 1
		}
		require.NoError(t, rows.Err())
		merchants := map[int64]int64{}
		txns := map[int64]int64{}
		for _, q := range []struct {
			sql string
			to  map[int64]int64
		}{
			{"SELECT agent_id, COUNT(*) FROM merchants GROUP BY agent_id", merchants},
			{"SELECT m.agent_id, COUNT(*) FROM transactions t JOIN merchants m USING (merchant_id) GROUP BY m.agent_id", txns},
		} {
			rows, err := db.QueryContext(ctx, q.sql)
			require.NoError(t, err)
			for rows.Next() {
				var id, n int64
				require.NoError(t, rows.Scan(&id, &n))
				q.to[id] = n
				perAgent[id] += n
			}
			require.NoError(t, rows.Err())
		}
		var largest, largestRows, all int64
		var zero, tiny int
		for id, n := range perAgent {
			all += n
			if n > largestRows {
				largest, largestRows = id, n
			}
			if merchants[id] == 0 {
				zero++
			}
			if merchants[id] == 1 && txns[id] >= 1 && txns[id] <= 8 {
				tiny++
			}
		}
		all += st.Currencies
		share := float64(largestRows) / float64(all)
		t.Logf("largest agent %d holds %d of %d rows (%.2f%%); %d agents without merchants, %d tiny",
			largest, largestRows, all, 100*share, zero, tiny)
		assert.GreaterOrEqual(t, share, 0.05)
		assert.LessOrEqual(t, share, 0.07)
		assert.Equal(t, st.LargestAgent, largest)
		assert.Equal(t, st.LargestAgentRows, largestRows)
		assert.NotEqual(t, count(t, db, "SELECT MIN(agent_id) FROM agents"), largest, "largest agent has the first id")
		assert.GreaterOrEqual(t, zero, 2, "agents without merchants")
		assert.GreaterOrEqual(t, tiny, 20, "tiny agents")

		// Ids have gaps.
		for _, q := range []string{
			"SELECT MAX(agent_id) - MIN(agent_id) + 1 - COUNT(*) FROM agents",
			"SELECT MAX(merchant_id) - MIN(merchant_id) + 1 - COUNT(*) FROM merchants",
		} {
			assert.Positive(t, count(t, db, q), q)
		}
		// The largest agent's transactions are spread unevenly over its merchants.
		var maxPer, avgPer float64
		require.NoError(t, db.QueryRowContext(ctx, `SELECT MAX(n), AVG(n) FROM (
			SELECT COUNT(*) AS n FROM transactions t JOIN merchants m USING (merchant_id)
			WHERE m.agent_id = ? GROUP BY m.merchant_id) x`, largest).Scan(&maxPer, &avgPer))
		assert.Greater(t, maxPer, 3*avgPer, "transactions per merchant of the largest agent")
	})

	t.Run("snowflake ids", func(t *testing.T) {
		assert.Zero(t, count(t, db, "SELECT COUNT(*) FROM transactions WHERE txn_id <= 9007199254740992"), "ids at or below 2^53")
		above := count(t, db, "SELECT COUNT(*) FROM transactions WHERE txn_id > 9223372036854775807")
		assert.Positive(t, above, "ids above 2^63")
		assert.Less(t, above, st.Transactions/100, "only a few ids above 2^63")
		assert.Positive(t, count(t, db, "SELECT COUNT(*) FROM transactions WHERE txn_id BETWEEN 8070450532247928832 AND 9223372036854775807"), "ids near 2^63")

		// Ids increase with time: ordinary rows (hostile dates left out) are in order.
		hostile := map[string]bool{
			"2020-02-29 12:34:56.000001": true, "2021-03-28 02:30:00.500000": true,
			"2021-10-31 02:30:00.999999": true,
		}
		rows, err := db.QueryContext(context.Background(),
			"SELECT DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') FROM transactions "+
				"WHERE created_at >= '2012-01-01' AND created_at < '2026-01-01' ORDER BY txn_id")
		require.NoError(t, err)
		defer rows.Close()
		prev, n := "", 0
		for rows.Next() {
			var at string
			require.NoError(t, rows.Scan(&at))
			if hostile[at] {
				continue
			}
			require.GreaterOrEqual(t, at, prev, "created_at goes back in txn_id order")
			prev = at
			n++
		}
		require.NoError(t, rows.Err())
		assert.Greater(t, n, int(st.Transactions*9/10))
	})

	t.Run("hostile text", func(t *testing.T) {
		wide := map[string]string{
			"tab": "before\tafter", "newline": "line1\nline2", "cr": "cr\rhere\r\n",
			"backslash": `C:\new\table\`, "nul": "nul\x00inside", "backslash-N": `\N`,
			"lone N": "N", "single quote": "O'Brien's", "double quote": `the "best" shop`,
			"backtick": "`tick` name", "emoji": "smile \U0001F600 \U0001F389",
			"multibyte": "Zürich 東京 Ελλάδα", "empty": "", "trailing spaces": "trailing   ",
			"only whitespace": "   ", "ctrl-Z": "ctrl\x1aZ",
			"all specials": "\t\n\r\\\x00\x1a'\"`\\N\U0001F600 ",
		}
		narrow := map[string]string{
			"tab": "\t", "newline": "\n", "cr": "\r", "backslash": `\`, "nul": "\x00",
			"backslash-N": `\N`, "lone N": "N", "single quote": "'", "double quote": `"`,
			"backtick": "`", "emoji": "\U0001F600", "multibyte": "ü東", "empty": "",
			"ctrl-Z": "\x1a", "max length": "Aé",
		}
		for _, col := range []struct {
			table, column string
			values        map[string]string
		}{
			{"agents", "name", wide},
			{"merchants", "name", wide},
			{"transactions", "note", wide},
			{"transactions", "status", wide},
			{"agents", "region", narrow},
		} {
			for class, v := range col.values {
				t.Run(col.table+"."+col.column+"/"+class, func(t *testing.T) {
					q := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE HEX(%s) = ?", col.table, col.column)
					assert.Positive(t, count(t, db, q, hexOf(v)), "%q", v)
				})
			}
		}
		for _, c := range []struct {
			table, column string
			chars         int
		}{{"agents", "name", 100}, {"merchants", "name", 255}, {"transactions", "note", 255}, {"transactions", "status", 16}} {
			q := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE CHAR_LENGTH(%s) = %d AND LENGTH(%[2]s) > %[3]d AND INSTR(CAST(%[2]s AS BINARY), X'F09F9880') > 0",
				c.table, c.column, c.chars)
			assert.Positive(t, count(t, db, q), "maximum-length multibyte %s.%s", c.table, c.column)
		}
	})

	t.Run("NULL next to empty", func(t *testing.T) {
		for _, c := range []string{"agents.region", "merchants.name", "merchants.logo", "transactions.note", "transactions.payload"} {
			table, column, _ := strings.Cut(c, ".")
			assert.Positive(t, count(t, db, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s IS NULL", table, column)), "%s NULL", c)
			assert.Positive(t, count(t, db, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE LENGTH(%s) = 0", table, column)), "%s empty", c)
		}
	})

	t.Run("hostile binary and numbers", func(t *testing.T) {
		var every []byte
		for i := range 256 {
			every = append(every, byte(i))
		}
		checks := []struct {
			name  string
			query string
			args  []any
		}{
			{"logo every byte", "SELECT COUNT(*) FROM merchants WHERE HEX(logo) = ?", []any{hexOf(string(every))}},
			{"payload every byte", "SELECT COUNT(*) FROM transactions WHERE HEX(payload) = ?", []any{hexOf(string(every))}},
			{"logo max", "SELECT COUNT(*) FROM merchants WHERE LENGTH(logo) = 65535", nil},
			{"payload max", "SELECT COUNT(*) FROM transactions WHERE LENGTH(payload) = 512", nil},
			{"payload \\N", "SELECT COUNT(*) FROM transactions WHERE HEX(payload) = ?", []any{hexOf(`\N`)}},
			{"mcc 0", "SELECT COUNT(*) FROM merchants WHERE mcc = 0", nil},
			{"mcc 65535", "SELECT COUNT(*) FROM merchants WHERE mcc = 65535", nil},
			{"currency \\N", "SELECT COUNT(*) FROM transactions WHERE HEX(currency) = ?", []any{hexOf(`\N`)}},
			{"currency N", "SELECT COUNT(*) FROM transactions WHERE HEX(currency) = ?", []any{hexOf("N")}},
		}
		for _, v := range []string{"9999999999999999.9999", "-9999999999999999.9999", "0.0001", "-0.0001", "0.0000"} {
			checks = append(checks, struct {
				name  string
				query string
				args  []any
			}{"balance " + v, "SELECT COUNT(*) FROM merchants WHERE CAST(balance AS CHAR) = ?", []any{v}})
		}
		for _, v := range []string{"9999999999999999.99", "-9999999999999999.99", "0.01", "-0.01", "0.00"} {
			checks = append(checks, struct {
				name  string
				query string
				args  []any
			}{"amount " + v, "SELECT COUNT(*) FROM transactions WHERE CAST(amount AS CHAR) = ?", []any{v}})
		}
		for _, table := range []string{"agents", "merchants", "transactions"} {
			for _, v := range []string{"1000-01-01 00:00:00.000000", "9999-12-31 23:59:59.999999", "2020-02-29 12:34:56.000001"} {
				checks = append(checks, struct {
					name  string
					query string
					args  []any
				}{table + " created_at " + v, "SELECT COUNT(*) FROM " + table + " WHERE DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') = ?", []any{v}})
			}
		}
		for _, c := range checks {
			t.Run(c.name, func(t *testing.T) {
				assert.Positive(t, count(t, db, c.query, c.args...))
			})
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		sums := func(db *sql.DB) map[string]int64 {
			out := map[string]int64{}
			rows, err := db.QueryContext(context.Background(), "CHECKSUM TABLE agents, merchants, transactions, currencies")
			require.NoError(t, err)
			defer rows.Close()
			for rows.Next() {
				var name string
				var sum int64
				require.NoError(t, rows.Scan(&name, &sum))
				_, table, _ := strings.Cut(name, ".")
				out[table] = sum
			}
			require.NoError(t, rows.Err())
			return out
		}
		sa, sb, so := sums(a.db), sums(b.db), sums(other.db)
		assert.Len(t, sa, 4)
		assert.Equal(t, sa, sb, "same seed, different tables")
		assert.Equal(t, a.stats, b.stats)
		assert.NotEqual(t, sa["transactions"], so["transactions"], "another seed, same transactions")
		assert.Equal(t, sa["currencies"], so["currencies"], "reference data depends on the seed")
	})
}

func TestCreateSchemaRefusesExistingTables(t *testing.T) {
	db := emptyDatabase(t, testdb.StartT(t))
	assert.Error(t, CreateSchema(context.Background(), db))
	assert.Len(t, Schema(), 4)
	assert.Equal(t, 4, strings.Count(SchemaSQL, "CREATE TABLE"))
}

func TestGenerateStopsOnCancel(t *testing.T) {
	db := emptyDatabase(t, testdb.StartT(t))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Generate(ctx, db, Options{Rows: 5_000_000})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 10*time.Second)
}

// BenchmarkGenerate measures a default-sized dataset (1M rows) per iteration.
func BenchmarkGenerate(b *testing.B) {
	srv := testdb.StartT(b)
	var rows int64
	for b.Loop() {
		b.StopTimer()
		name, _ := srv.NewDatabase(b, "bench")
		db, err := srv.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		if err := CreateSchema(context.Background(), db); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := Generate(context.Background(), db, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows += st.TotalRows
		b.StopTimer()
		db.Close()
		_ = srv.DropDatabase(context.Background(), name)
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
