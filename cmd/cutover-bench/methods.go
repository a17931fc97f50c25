package main

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/cutover/cutover/internal/gen"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// notMeasured is a result row for a method that could not run.
func notMeasured(method, why string) result {
	return result{Method: method, PeakRSSMiB: -1, ClientCPU: -1, ServerCPU: -1, Valid: "n/a", Note: why}
}

// measured fills a result from a step's usage and the server's CPU meanwhile.
func (b *bench) measured(method string, u usage, srvBefore float64) result {
	r := result{Method: method, Wall: u.wall, PeakRSSMiB: u.rssMiB, ClientCPU: u.cpu, ServerCPU: -1, rows: b.totalRows}
	if after := b.serverCPU(); srvBefore >= 0 && after >= 0 {
		r.ServerCPU = after - srvBefore
	}
	return r
}

// fileName is where the ceiling keeps a table's rows; part is "all", "lo" or "hi".
func (b *bench) fileName(t table, part string) string {
	dir := b.tmp
	if b.secureFilePriv != "" {
		dir = b.secureFilePriv
	}
	return filepath.Join(dir, fmt.Sprintf("%s-%s-%s.tsv", filepath.Base(b.tmp), t.name, part))
}

// writeOutfiles has the server write every table, whole and in two halves by
// key, in LOAD DATA's default text format.
func (b *bench) writeOutfiles(ctx context.Context) error {
	if b.outfiles {
		return nil
	}
	for _, t := range tables {
		q := "SELECT * FROM `" + t.name + "` INTO OUTFILE '" + b.fileName(t, "all") + "'"
		if _, err := b.srcDB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("write %s with SELECT INTO OUTFILE: %w", t.name, err)
		}
		if !t.numericKey {
			continue
		}
		// The median key splits the table; keys are integers, so their text is safe SQL.
		var mid sql.NullString
		n := b.want[t.name].rows
		err := b.srcDB.QueryRowContext(ctx, fmt.Sprintf("SELECT `%s` FROM `%s` ORDER BY `%s` LIMIT 1 OFFSET %d", t.key, t.name, t.key, n/2)).Scan(&mid)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		lo, hi := "FALSE", "TRUE"
		if mid.Valid {
			lo, hi = fmt.Sprintf("`%s` < %s", t.key, mid.String), fmt.Sprintf("`%s` >= %s", t.key, mid.String)
		}
		for part, where := range map[string]string{"lo": lo, "hi": hi} {
			q := "SELECT * FROM `" + t.name + "` WHERE " + where + " ORDER BY `" + t.key + "` INTO OUTFILE '" + b.fileName(t, part) + "'"
			if _, err := b.srcDB.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("write half of %s with SELECT INTO OUTFILE: %w", t.name, err)
			}
		}
	}
	b.outfiles = true
	return nil
}

func (b *bench) removeOutfiles() {
	for _, t := range tables {
		for _, part := range []string{"all", "lo", "hi"} {
			os.Remove(b.fileName(t, part))
		}
	}
}

// ceiling measures server-side LOAD DATA INFILE: the server reads the rows from
// its own disk, so no client takes part. Only the LOAD statements are timed.
func (b *bench) ceiling(ctx context.Context) ([]result, error) {
	const one, two = "LOAD DATA INFILE, 1 conn (ceiling)", "LOAD DATA INFILE, 2 conns"
	ctx, cancel := context.WithTimeout(ctx, b.o.step)
	defer cancel()
	b.logf("ceiling: writing the rows as server-side files")
	if err := b.writeOutfiles(ctx); err != nil {
		return []result{notMeasured(one, "server refused files"), notMeasured(two, "server refused files")}, err
	}
	defer b.removeOutfiles()

	plans := []struct {
		method string
		conns  [][]string // per connection: the files to load, table by table
	}{
		{one, [][]string{{"currencies:all", "agents:all", "merchants:all", "transactions:all"}}},
		{two, [][]string{
			{"currencies:all", "agents:lo", "merchants:lo", "transactions:lo"},
			{"agents:hi", "merchants:hi", "transactions:hi"},
		}},
	}
	var out []result
	for _, p := range plans {
		b.logf("ceiling: %s", p.method)
		r, err := b.loadInfile(ctx, p.method, p.conns)
		out = append(out, r)
		if err != nil {
			return out, err
		}
	}
	out[0].ceiling = true
	return out, nil
}

func (b *bench) loadInfile(ctx context.Context, method string, plan [][]string) (result, error) {
	_, db, drop, err := b.freshTarget(ctx, "bench_ceil", true)
	if err != nil {
		return notMeasured(method, "no target"), err
	}
	defer drop()
	byName := map[string]table{}
	for _, t := range tables {
		byName[t.name] = t
	}
	conns := make([]*sql.Conn, len(plan))
	for i := range conns {
		if conns[i], err = db.Conn(ctx); err != nil {
			return notMeasured(method, "no connection"), err
		}
		defer conns[i].Close()
	}
	srv0 := b.serverCPU()
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for i, files := range plan {
		g.Go(func() error {
			for _, f := range files {
				name, part, _ := strings.Cut(f, ":")
				q := "LOAD DATA INFILE '" + b.fileName(byName[name], part) + "' INTO TABLE `" + name + "` CHARACTER SET utf8mb4"
				if _, err := conns[i].ExecContext(gctx, q); err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
			}
			return nil
		})
	}
	err = g.Wait()
	r := b.measured(method, usage{wall: time.Since(start).Seconds(), cpu: -1, rssMiB: -1}, srv0)
	r.PeakRSSMiB, r.ClientCPU = -1, -1
	if err != nil {
		r.Valid = "INVALID"
		r.Note = "failed"
		return r, fmt.Errorf("%s: %w", method, err)
	}
	r.Valid, r.Note = b.validate(ctx, db)
	return r, nil
}

// mydumper measures mydumper + myloader with 4 threads: the dump into a
// temporary directory, then the load into a fresh schema that myloader fills
// with its own CREATE TABLE statements (those mydumper took from SHOW CREATE TABLE).
func (b *bench) mydumper(ctx context.Context) ([]result, error) {
	const e2e, load = "mydumper+myloader -t 4 (end to end)", "myloader -t 4 (load only)"
	dumper, err1 := exec.LookPath("mydumper")
	loader, err2 := exec.LookPath("myloader")
	if err1 != nil || err2 != nil {
		return []result{notMeasured(e2e, "not installed"), notMeasured(load, "not installed")}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.o.step)
	defer cancel()
	dir := filepath.Join(b.tmp, "mydumper")
	defer os.RemoveAll(dir)
	b.logf("mydumper -t 4 into %s", dir)
	srv0 := b.serverCPU()
	// -r splits tables into chunks so that the 4 threads share the big one.
	du, err := runOne(ctx, dumper, append(b.srcConn(), "-u", "root", "-B", b.src, "-o", dir, "-t", "4", "-r", "100000", "-v", "1")...)
	if err != nil {
		return []result{notMeasured(e2e, "mydumper failed"), notMeasured(load, "mydumper failed")}, fmt.Errorf("mydumper: %w", err)
	}
	srv1 := b.serverCPU()
	tgt, db, drop, err := b.freshTarget(ctx, "bench_myl", false)
	if err != nil {
		return nil, err
	}
	defer drop()
	b.logf("myloader -t 4 into %s", tgt)
	lu, err := runOne(ctx, loader, "-S", b.target().Socket, "-u", "root", "-d", dir, "-B", tgt, "-t", "4", "-v", "1")
	rl := b.measured(load, lu, srv1)
	re := b.measured(e2e, usage{wall: du.wall + lu.wall, cpu: du.cpu + lu.cpu, rssMiB: max(du.rssMiB, lu.rssMiB)}, srv0)
	if err != nil {
		re.Valid, rl.Valid = "INVALID", "INVALID"
		re.Note, rl.Note = "myloader failed", "myloader failed"
		return []result{re, rl}, fmt.Errorf("myloader: %w", err)
	}
	re.Valid, re.Note = b.validate(ctx, db)
	rl.Valid, rl.Note = re.Valid, re.Note
	return []result{re, rl}, nil
}

// dumpPipe measures the everyday baseline: mariadb-dump piped into mariadb
// (or the mysql equivalents), into tables created beforehand.
func (b *bench) dumpPipe(ctx context.Context) ([]result, error) {
	dump, client := "mariadb-dump", "mariadb"
	if _, err := exec.LookPath(dump); err != nil {
		dump, client = "mysqldump", "mysql"
	}
	method := dump + " | " + client
	dumpPath, err1 := exec.LookPath(dump)
	clientPath, err2 := exec.LookPath(client)
	if err1 != nil || err2 != nil {
		return []result{notMeasured(method, "not installed")}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.o.step)
	defer cancel()
	tgt, db, drop, err := b.freshTarget(ctx, "bench_dump", true)
	if err != nil {
		return nil, err
	}
	defer drop()
	b.logf("%s into %s", method, tgt)
	d, derr := command(ctx, dumpPath, append([]string{"--no-defaults"}, append(b.srcConn(), "-u", "root",
		"--single-transaction", "--no-create-info", b.src, "currencies", "agents", "merchants", "transactions")...)...)
	c, cerr := command(ctx, clientPath, "--no-defaults", "-S", b.target().Socket, "-u", "root", tgt)
	srv0 := b.serverCPU()
	u, err := pipeline([]*exec.Cmd{d, c}, []*tail{derr, cerr})
	r := b.measured(method, u, srv0)
	if err != nil {
		r.Valid, r.Note = "INVALID", "failed"
		return []result{r}, fmt.Errorf("%s: %w", method, err)
	}
	r.Valid, r.Note = b.validate(ctx, db)
	return []result{r}, nil
}

const configTemplate = `source:
  driver: mysql
  dsn: '%s'
target:
  dsn: '%s'
  ledger_schema: %s
tenant:
  column: agent_id
%srun:
  workers: %d
  batch_rows: %d
`

// cutoverSetup makes a fresh target with its tables, a fresh ledger name and a
// config naming them; cleanup drops both schemas.
func (b *bench) cutoverSetup(ctx context.Context, workers int, batching string) (cfgPath string, db *sql.DB, cleanup func(), err error) {
	tgt, db, drop, err := b.freshTarget(ctx, "bench_cut", true)
	if err != nil {
		return "", nil, nil, err
	}
	// A fresh name that does not exist yet: cutover creates the ledger schema.
	ledger, err := b.target().CreateDatabase(ctx, "bench_ledger")
	if err == nil {
		err = b.target().DropDatabase(ctx, ledger)
	}
	if err != nil {
		drop()
		return "", nil, nil, err
	}
	cleanup = func() {
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = b.target().DropDatabase(c, ledger)
		drop()
		os.Remove(cfgPath)
	}
	cfgPath = filepath.Join(b.tmp, fmt.Sprintf("cutover-%s.yaml", tgt))
	cfg := fmt.Sprintf(configTemplate, b.srcDSN(), b.target().DSN(tgt), ledger, tablesYAML(batching), workers, b.o.batchRows)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		cleanup()
		return "", nil, nil, err
	}
	return cfgPath, db, cleanup, nil
}

// tablesYAML is the generated schema's tables, with the tenant tables that
// have children (merchants, transactions) batched as given: "range" or "tenant".
func tablesYAML(batching string) string {
	return gen.WithBatching(gen.TablesYAML(""), batching, "merchants", "transactions")
}

// cutover measures `cutover run` with the ledger on, from planning to the end.
func (b *bench) cutover(ctx context.Context, workers int, batching string, extra ...string) ([]result, error) {
	method := fmt.Sprintf("cutover run, %d worker", workers)
	if workers > 1 {
		method += "s"
	}
	if batching != "range" {
		method += ", " + batching + " batches"
	}
	ctx, cancel := context.WithTimeout(ctx, b.o.step)
	defer cancel()
	cfgPath, db, cleanup, err := b.cutoverSetup(ctx, workers, batching)
	if err != nil {
		return []result{notMeasured(method, "no target")}, err
	}
	defer cleanup()
	b.logf("%s", method)
	srv0 := b.serverCPU()
	// Planning (sizing every tenant, walking key boundaries) is timed apart
	// and counted in the wall time: a DBA plans before the night, but a run
	// with nothing planned does it first.
	up, err := runOne(ctx, b.o.bin, "plan", "--config", cfgPath)
	if err != nil {
		r := b.measured(method, up, srv0)
		r.Valid, r.Note = "INVALID", "plan failed"
		return []result{r}, fmt.Errorf("%s: plan: %w", method, err)
	}
	u, err := runOne(ctx, b.o.bin, append([]string{"run", "--config", cfgPath}, extra...)...)
	r := b.measured(method, usage{wall: up.wall + u.wall, cpu: up.cpu + u.cpu, rssMiB: max(up.rssMiB, u.rssMiB)}, srv0)
	r.PlanWall = up.wall
	r.workers = workers
	if err != nil {
		r.Valid, r.Note = "INVALID", "failed"
		return []result{r}, fmt.Errorf("%s: %w", method, err)
	}
	r.Valid, r.Note = b.validate(ctx, db)
	return []result{r}, nil
}
