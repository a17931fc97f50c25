package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/internal/gen"
	"github.com/cutover/cutover/internal/testdb"
)

// table is one generated table and its key, which splits it in halves for the
// two-connection ceiling.
type table struct {
	name, key  string
	numericKey bool
}

// tables lists the generated schema, small tables first.
var tables = []table{
	{"currencies", "code", false},
	{"agents", "agent_id", true},
	{"merchants", "merchant_id", true},
	{"transactions", "txn_id", true},
}

// tableState is what a copy must reproduce.
type tableState struct {
	rows     int64
	checksum sql.NullInt64
}

// bench holds the server, the source and the scratch directory shared by all
// methods. Methods run one after another; nothing here is used concurrently.
type bench struct {
	o      options
	log    io.Writer
	srv    *testdb.Server
	admin  *sql.DB // no default database
	src    string
	srcDB  *sql.DB
	tmp    string
	ddl    map[string]string
	want   map[string]tableState
	srvPID int // 0 when unknown
	// tgtSrv, when set, is a second server the copies go to (shape "two"),
	// reached by the source-side tools through srcTCP (host:port of srv).
	tgtSrv  *second
	srcTCP  string
	srcPort int // the source server's TCP port, 0 when it has none

	totalRows      int64
	dataBytes      int64
	genSeconds     float64
	secureFilePriv string
	serverVersion  string
	outfiles       bool // the ceiling's files exist
}

func newBench(ctx context.Context, o options, log io.Writer) (_ *bench, err error) {
	b := &bench{o: o, log: log, ddl: map[string]string{}, want: map[string]tableState{}}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	if b.tmp, err = os.MkdirTemp("", "cutover-bench-"); err != nil {
		return nil, err
	}
	// The server writes the ceiling's files here; it may run as another user.
	if err := os.Chmod(b.tmp, 0o777); err != nil {
		return nil, err
	}
	fmt.Fprintln(log, "bench: starting a throwaway MariaDB")
	if slices.Contains(o.shapes, "two") {
		// Shape two reaches the source over TCP, as another host would.
		if b.srcPort, err = freePort(); err != nil {
			return nil, err
		}
		b.srv, err = testdb.StartLocal(ctx, testdb.Options{Args: []string{"--skip-networking=0", "--bind-address=127.0.0.1", "--port=" + strconv.Itoa(b.srcPort)}})
	} else {
		b.srv, err = testdb.Start(ctx)
	}
	if err != nil {
		return nil, err
	}
	if b.srv.Socket == "" {
		return nil, fmt.Errorf("bench needs a throwaway server (the peers connect through its unix socket): unset %s", testdb.EnvDSN)
	}
	if pid, err := os.ReadFile(filepath.Join(filepath.Dir(b.srv.Socket), "pid")); err == nil {
		b.srvPID, _ = strconv.Atoi(strings.TrimSpace(string(pid)))
	}
	if b.admin, err = b.srv.Open(""); err != nil {
		return nil, err
	}
	var priv sql.NullString
	if err := b.admin.QueryRowContext(ctx, "SELECT VERSION(), @@secure_file_priv").Scan(&b.serverVersion, &priv); err != nil {
		return nil, err
	}
	// Empty or NULL (MariaDB's unset) both leave server-side files unrestricted
	// on MariaDB; writeOutfiles reports when the server refuses anyway.
	b.secureFilePriv = priv.String

	if b.src, err = b.srv.CreateDatabase(ctx, "bench_src"); err != nil {
		return nil, err
	}
	if b.srcDB, err = b.srv.Open(b.src); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "bench: generating %d rows into %s\n", o.rows, b.src)
	start := time.Now()
	if err := gen.CreateSchema(ctx, b.srcDB); err != nil {
		return nil, err
	}
	st, err := gen.Generate(ctx, b.srcDB, gen.Options{Rows: o.rows})
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	b.genSeconds = time.Since(start).Seconds()
	b.totalRows = st.TotalRows
	for _, t := range tables {
		var name, ddl string
		if err := b.srcDB.QueryRowContext(ctx, "SHOW CREATE TABLE `"+t.name+"`").Scan(&name, &ddl); err != nil {
			return nil, fmt.Errorf("show create table %s: %w", t.name, err)
		}
		b.ddl[t.name] = ddl
	}
	if _, err := b.srcDB.ExecContext(ctx, "ANALYZE TABLE currencies, agents, merchants, transactions"); err != nil {
		return nil, err
	}
	if err := b.srcDB.QueryRowContext(ctx, "SELECT COALESCE(SUM(data_length+index_length),0) FROM information_schema.tables WHERE table_schema = ?", b.src).Scan(&b.dataBytes); err != nil {
		return nil, err
	}
	for _, t := range tables {
		s, err := state(ctx, b.srcDB, t.name)
		if err != nil {
			return nil, err
		}
		b.want[t.name] = s
	}
	return b, nil
}

func (b *bench) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if b.srcDB != nil {
		b.srcDB.Close()
	}
	if b.admin != nil {
		if b.src != "" {
			_ = b.srv.DropDatabase(ctx, b.src)
		}
		b.admin.Close()
	}
	if b.srv != nil {
		_ = b.srv.Stop()
	}
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}

func (b *bench) machine(ctx context.Context) machineInfo {
	return machineInfo{NProc: runtime.NumCPU(), Model: cpuModel(), GoArch: goArch(), Server: b.serverVersion}
}

func (b *bench) rowSummary() string {
	parts := make([]string, 0, len(tables))
	for _, t := range tables {
		parts = append(parts, fmt.Sprintf("%s %d", t.name, b.want[t.name].rows))
	}
	return strings.Join(parts, ", ")
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// freshTarget creates an empty target schema; with tables set, it also creates
// the generated tables in it from the source's definitions. drop removes it.
func (b *bench) freshTarget(ctx context.Context, prefix string, withTables bool) (name string, db *sql.DB, drop func(), err error) {
	if name, err = b.target().CreateDatabase(ctx, prefix); err != nil {
		return "", nil, nil, err
	}
	drop = func() {
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if db != nil {
			db.Close()
		}
		_ = b.target().DropDatabase(c, name)
	}
	if db, err = b.target().Open(name); err != nil {
		drop()
		return "", nil, nil, err
	}
	if withTables {
		for _, t := range tables {
			if _, err = db.ExecContext(ctx, b.ddl[t.name]); err != nil {
				drop()
				return "", nil, nil, fmt.Errorf("create %s.%s: %w", name, t.name, err)
			}
		}
	}
	return name, db, drop, nil
}

// state counts a table's rows and checksums it with the server's CHECKSUM TABLE,
// which cutover does not use.
func state(ctx context.Context, db *sql.DB, name string) (tableState, error) {
	var s tableState
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+name+"`").Scan(&s.rows); err != nil {
		return s, fmt.Errorf("count %s: %w", name, err)
	}
	var n string
	if err := db.QueryRowContext(ctx, "CHECKSUM TABLE `"+name+"`").Scan(&n, &s.checksum); err != nil {
		return s, fmt.Errorf("checksum %s: %w", name, err)
	}
	return s, nil
}

// validate compares every table of the target with the source (rows, CHECKSUM
// TABLE, and SHOW CREATE TABLE: deferred indexes must be back) and returns
// "yes" or "INVALID" and, for an invalid copy, what differs.
func (b *bench) validate(ctx context.Context, db *sql.DB) (string, string) {
	var bad []string
	for _, t := range tables {
		got, err := state(ctx, db, t.name)
		if err != nil {
			bad = append(bad, t.name+": "+err.Error())
			continue
		}
		want := b.want[t.name]
		var name, ddl string
		if err := db.QueryRowContext(ctx, "SHOW CREATE TABLE `"+t.name+"`").Scan(&name, &ddl); err != nil || ddl != b.ddl[t.name] {
			bad = append(bad, t.name+": its definition (SHOW CREATE TABLE) differs from the source's")
			continue
		}
		switch {
		case got.rows != want.rows:
			bad = append(bad, fmt.Sprintf("%s: %d rows, want %d", t.name, got.rows, want.rows))
		case !got.checksum.Valid || got.checksum != want.checksum:
			bad = append(bad, t.name+": checksum differs")
		}
	}
	if len(bad) > 0 {
		b.logf("INVALID copy: %s", strings.Join(bad, "; "))
		return "INVALID", strings.Join(bad, "; ")
	}
	return "yes", ""
}

// serverCPU is the servers' user+system CPU seconds so far (both, with a
// second server), or -1.
func (b *bench) serverCPU() float64 {
	s := processCPU(b.srvPID)
	if b.tgtSrv != nil && s >= 0 {
		if t := processCPU(b.tgtSrv.pid); t >= 0 {
			return s + t
		}
		return -1
	}
	return s
}

// processCPU is a process's user+system CPU seconds so far, or -1.
func processCPU(pid int) float64 {
	if pid == 0 {
		return -1
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (ut + st) / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux platform Go supports.
const clockTicks = 100
