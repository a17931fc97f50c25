// Package gen fills a MySQL/MariaDB source schema with a deterministic dataset
// shaped like the one that sank the sequential agent loop: a heavy-tailed spread
// of rows over agents (the largest holds about 6% of everything), a long tail of
// tiny and empty agents, sparse snowflake ids beyond 2^63, and in about one row in
// fifty the values that break exporters and converters: NUL, tab, \N as text,
// 4-byte UTF-8, empty next to NULL, maximum lengths, DECIMAL and DATETIME extremes.
// Tests, benchmarks and the demo use it as the source a migration must copy byte
// for byte.
package gen

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"

	"golang.org/x/sync/errgroup"
)

// Options size a generated dataset. Zero values take the defaults.
type Options struct {
	// Rows is the total across all tables, agent and currency rows included;
	// default 1,000,000. The generator plans every row, so the total is exact.
	Rows int64
	// Agents is the number of agents (tenants); default 1000.
	Agents int
	// Seed selects the dataset; the same seed and sizes give the same rows.
	// Default 1.
	Seed int64
	// HostileEvery makes about one row in N hostile; default 50, negative for
	// none. The agents table, which is small, gets hostile rows often enough that
	// every hostile class appears in it a few times.
	HostileEvery int
}

// Stats describes what Generate wrote.
type Stats struct {
	Agents, Merchants, Transactions, Currencies int64
	// LargestAgent is the agent_id of the agent with the most rows, and
	// LargestAgentRows its rows: its agent row, merchants and transactions.
	LargestAgent     int64
	LargestAgentRows int64
	TotalRows        int64
}

// writers is how many connections insert in parallel: two keep the server busy
// while one goroutine makes the rows.
const writers = 2

// commitRows is about how many rows one writer's transaction holds.
const commitRows = 20_000

func (o Options) withDefaults() (Options, error) {
	if o.Rows == 0 {
		o.Rows = 1_000_000
	}
	if o.Agents == 0 {
		o.Agents = 1000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.HostileEvery == 0 {
		o.HostileEvery = 50
	}
	if o.HostileEvery < 0 {
		o.HostileEvery = 0
	}
	if o.Rows < 0 || o.Agents < 0 {
		return o, fmt.Errorf("generate: rows %d and agents %d must not be negative", o.Rows, o.Agents)
	}
	return o, nil
}

// Generate inserts the dataset described by o into the tables made by
// CreateSchema. Rows are made in one goroutine from a random source seeded by
// o.Seed and written by two connections with multi-row prepared INSERTs (binary
// protocol, so every byte arrives as made) in strict SQL mode, which is set for
// the duration on the connections it uses.
func Generate(ctx context.Context, db *sql.DB, o Options) (Stats, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15))
	cs := currencies()
	p, err := makePlan(ctx, rng, o.Rows, o.Agents, len(cs))
	if err != nil {
		return Stats{}, fmt.Errorf("generate: %w", err)
	}
	st := Stats{
		Agents:       int64(len(p.agents)),
		Merchants:    int64(len(p.merchants)),
		Transactions: p.txns,
		Currencies:   int64(len(cs)),
	}
	if len(p.agents) > 0 {
		a := p.agents[p.largest]
		st.LargestAgent, st.LargestAgentRows = a.id, a.rows+1
	}
	st.TotalRows = st.Agents + st.Merchants + st.Transactions + st.Currencies

	g, gctx := errgroup.WithContext(ctx)
	ch := make(chan batch, 2*writers)
	g.Go(func() error {
		defer close(ch)
		pr := &producer{rng: rng, every: o.HostileEvery, out: ch}
		// The agents table is small: hostile more often, so that each class shows.
		agentEvery := o.HostileEvery
		if agentEvery > 0 {
			agentEvery = min(agentEvery, max(1, o.Agents/(3*int(numTextClasses))))
		}
		if err := pr.currencies(gctx, cs); err != nil {
			return err
		}
		if err := pr.agents(gctx, p.agents, agentEvery); err != nil {
			return err
		}
		if err := pr.merchants(gctx, p.merchants); err != nil {
			return err
		}
		return pr.transactions(gctx, p.merchants, p.txns, cs)
	})
	for range writers {
		g.Go(func() error { return write(gctx, db, ch) })
	}
	if err := g.Wait(); err != nil {
		return Stats{}, fmt.Errorf("generate: %w", err)
	}
	return st, nil
}

// write inserts batches from in on one connection until in is closed,
// committing about every commitRows rows.
func write(ctx context.Context, db *sql.DB, in <-chan batch) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	var oldMode string
	if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&oldMode); err != nil {
		return fmt.Errorf("read sql_mode: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"); err != nil {
		return fmt.Errorf("set strict sql_mode: %w", err)
	}
	defer func() {
		// Give the pool its connection back as it was, or not at all.
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION sql_mode = ?", oldMode)
		if err != nil || rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()

	type key struct {
		t    tableID
		rows int
	}
	var (
		tx      *sql.Tx
		stmts   map[key]*sql.Stmt
		pending int
	)
	defer func() {
		if tx != nil {
			_ = tx.Rollback()
		}
	}()
	commit := func() error {
		if tx == nil {
			return nil
		}
		err := tx.Commit()
		tx, stmts, pending = nil, nil, 0
		if err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	for {
		var b batch
		var ok bool
		select {
		case b, ok = <-in:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			return commit()
		}
		if tx == nil {
			if tx, err = conn.BeginTx(ctx, nil); err != nil {
				return fmt.Errorf("begin: %w", err)
			}
			stmts = make(map[key]*sql.Stmt)
		}
		k := key{b.t, b.rows}
		stmt := stmts[k]
		if stmt == nil {
			if stmt, err = tx.PrepareContext(ctx, insertSQL(b.t, b.rows)); err != nil {
				name, _, _ := b.t.columns()
				return fmt.Errorf("prepare insert into %s: %w", name, err)
			}
			stmts[k] = stmt
		}
		if _, err := stmt.ExecContext(ctx, b.args...); err != nil {
			name, _, _ := b.t.columns()
			return fmt.Errorf("insert %d rows into %s: %w", b.rows, name, err)
		}
		pending += b.rows
		if pending >= commitRows {
			if err := commit(); err != nil {
				return err
			}
		}
	}
}
