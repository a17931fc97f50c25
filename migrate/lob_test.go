package migrate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/canon"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/verify"
)

const lobDDL = "CREATE TABLE docs (id BIGINT NOT NULL PRIMARY KEY, tenant_id INT NOT NULL, body LONGTEXT NULL, " +
	"data LONGBLOB NULL, note VARCHAR(32) NULL, KEY tenant (tenant_id)) ENGINE=InnoDB"

// lobEnv is a source and a target table of LOBs on one throwaway server.
type lobEnv struct {
	*env
	srcName string
}

func newLOBEnv(t *testing.T, srv *testdb.Server) *lobEnv {
	t.Helper()
	e, srcName := openEnv(t, srv, lobDDL, lobDDL, "docs")
	return &lobEnv{env: e, srcName: srcName}
}

// docRow is one row the test writes and later checks by its own hashes.
type docRow struct {
	id, tenant int
	body, data []byte // nil is NULL
}

func (e *lobEnv) insert(t *testing.T, rows []docRow) {
	t.Helper()
	for _, r := range rows {
		var body, data any
		if r.body != nil {
			body = string(r.body)
		}
		if r.data != nil {
			data = r.data
		}
		if _, err := e.srcDB.Exec("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", r.id, r.tenant, body, data, fmt.Sprintf("n\t%d", r.id)); err != nil {
			t.Fatalf("insert row %d: %v", r.id, err)
		}
	}
}

// plan stores one batch per tenant.
func (e *lobEnv) plan(t *testing.T, tenants ...string) int64 {
	t.Helper()
	var bs []checkpoint.NewBatch
	for i, tn := range tenants {
		bs = append(bs, checkpoint.NewBatch{ID: i + 1, Table: "docs", Tenants: []string{tn}, EstRows: 1})
	}
	runID, err := e.ledger.CreateRun(context.Background(), "cfg", "plan", []byte("{}"), bs)
	if err != nil {
		t.Fatal(err)
	}
	return runID
}

func (e *lobEnv) run(t *testing.T, src migrate.Source, runID int64, workers int) migrate.Result {
	t.Helper()
	eng := migrate.New(src, e.tgt, e.ledger, migrate.Options{
		RunID: runID, Owner: "test-owner", Workers: workers, Retries: 3, Lease: 30 * time.Second,
		Backoff: 5 * time.Millisecond, Transient: mysqldb.IsTransient,
		Tables: map[string]*catalog.Table{"docs": e.table},
	})
	ctx := context.Background()
	res, err := eng.Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.FailedBatches {
		t.Errorf("batch %d failed: %v", f.ID, f.Err)
	}
	return res
}

// checkSame compares the two tables by CHECKSUM TABLE and by each row's
// SHA-256 against what the test inserted, both computed by the server and
// the test, not by the code under test.
func (e *lobEnv) checkSame(t *testing.T, want []docRow) {
	t.Helper()
	var s1, s2 string
	var sum1, sum2 sql.NullInt64
	if err := e.srcDB.QueryRow("CHECKSUM TABLE docs").Scan(&s1, &sum1); err != nil {
		t.Fatal(err)
	}
	if err := e.tgtDB.QueryRow("CHECKSUM TABLE docs").Scan(&s2, &sum2); err != nil {
		t.Fatal(err)
	}
	if sum1 != sum2 {
		t.Errorf("CHECKSUM TABLE: source %v, target %v", sum1, sum2)
	}
	rows, err := e.tgtDB.Query("SELECT id, tenant_id, body IS NULL, COALESCE(SHA2(body, 256), ''), COALESCE(LENGTH(body), -1), " +
		"data IS NULL, COALESCE(SHA2(data, 256), ''), COALESCE(LENGTH(data), -1), note FROM docs ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, tenant int
		var bodyNull, dataNull bool
		var bodySum, dataSum, note string
		var bodyLen, dataLen int64
		if err := rows.Scan(&id, &tenant, &bodyNull, &bodySum, &bodyLen, &dataNull, &dataSum, &dataLen, &note); err != nil {
			t.Fatal(err)
		}
		if n >= len(want) {
			t.Fatalf("extra row %d in the target", id)
		}
		w := want[n]
		n++
		check := func(col string, null bool, sum string, length int64, v []byte) {
			if null != (v == nil) {
				t.Errorf("row %d %s: NULL is %v in the target", id, col, null)
				return
			}
			if v == nil {
				return
			}
			s := sha256.Sum256(v)
			if sum != hex.EncodeToString(s[:]) || length != int64(len(v)) {
				t.Errorf("row %d %s: target has %d bytes with SHA-256 %s, want %d bytes with %x", id, col, length, sum, len(v), s)
			}
		}
		if id != w.id || tenant != w.tenant || note != fmt.Sprintf("n\t%d", w.id) {
			t.Errorf("row %d: got id %d tenant %d note %q", w.id, id, tenant, note)
		}
		check("body", bodyNull, bodySum, bodyLen, w.body)
		check("data", dataNull, dataSum, dataLen, w.data)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("target has %d rows, want %d", n, len(want))
	}
}

// verifyAll recomputes every done batch's checksum from the target and the
// source (verify --checksum --source) and wants them equal to the stored ones.
func (e *lobEnv) verifyAll(t *testing.T, runID int64) {
	t.Helper()
	ctx := context.Background()
	batches, err := e.ledger.Batches(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := e.ledger.Checksums(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []verify.Job
	for _, b := range batches {
		if b.State != checkpoint.Done {
			t.Fatalf("batch %d is in state %v", b.ID, b.State)
		}
		stored, err := canon.ParseHex(b.Rows, sums[b.ID])
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, verify.Job{Batch: b, Table: e.table, Stored: &stored})
	}
	res, err := verify.Checksums(ctx, e.src, e.tgt, jobs, verify.ChecksumOptions{Workers: 2, Source: true, DrillDown: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.Equal {
			t.Errorf("batch %d differs: stored %s target %s source %s rows %+v", r.Batch, r.Stored, r.Target, r.Source, r.Rows)
		}
	}
}

// hostileText is n bytes of valid UTF-8 made of every byte LOAD DATA must
// escape and of 2-, 3- and 4-byte characters, so pieces split them anywhere.
func hostileText(n int, seed int) []byte {
	unit := []byte(fmt.Sprintf("a\tb\nc\\d\x00e\x1af\rü€😀 %d ", seed))
	var b bytes.Buffer
	for b.Len()+len(unit) <= n {
		b.Write(unit)
	}
	for b.Len() < n {
		b.WriteByte('z')
	}
	return b.Bytes()
}

// hostileBytes is n bytes cycling through every byte value.
func hostileBytes(n int, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + seed)
	}
	return b
}

// TestLOBsOverBoundStreamed copies values from empty to a few MB with a
// 64 KiB bound: those over it are streamed in pieces, and the target equals
// the source byte for byte, by the test's own hashes, by CHECKSUM TABLE and by
// verify's checksums of both sides.
func TestLOBsOverBoundStreamed(t *testing.T) {
	const bound = 64 << 10
	e := newLOBEnv(t, testdb.StartT(t))
	e.src.MaxLOBBytes, e.tgt.MaxLOBBytes = bound, bound
	rows := []docRow{
		{1, 1, hostileText(3<<20+5, 1), hostileBytes(2<<20+3, 1)},
		{2, 1, nil, nil},
		{3, 1, []byte{}, []byte{}},
		{4, 1, hostileText(bound, 4), hostileBytes(bound, 4)},
		{5, 1, hostileText(bound+1, 5), hostileBytes(bound+1, 5)},
		{6, 1, []byte("small ü"), []byte{0, 1, 2}},
		{7, 2, hostileText(700<<10, 7), nil},
		{8, 2, []byte("x"), hostileBytes(1<<20, 8)},
		{9, 2, hostileText(bound-1, 9), hostileBytes(bound+2, 9)},
	}
	e.insert(t, rows)
	runID := e.plan(t, "1", "2")
	src := &observedStreams{Source: e.src}
	res := e.run(t, src, runID, 2)
	if res.Rows != int64(len(rows)) {
		t.Fatalf("copied %d rows, want %d", res.Rows, len(rows))
	}
	e.checkSame(t, rows)
	e.verifyAll(t, runID)
	// Text pieces are cut in bytes: some began inside a UTF-8 character.
	pieces, cut, largest := src.pieces.Load(), src.cutInside.Load(), src.largest.Load()
	t.Logf("%d pieces, %d of them starting inside a character, the largest %d bytes", pieces, cut, largest)
	if cut == 0 || largest > bound {
		t.Errorf("%d of %d pieces start inside a character (want some), the largest has %d bytes (bound %d)", cut, pieces, largest, bound)
	}

	// A reader asked for held rows only names the first value it cannot hold.
	rd, err := e.src.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	_, err = rd.Rows(context.Background(), catalog.Scope{Table: e.table, Tenants: []string{"1"}}, func([][]byte) error { return nil })
	var tl *migrate.TooLargeError
	if !errors.As(err, &tl) || tl.Column != "body" || tl.Key != "(id=1)" || tl.Size != 3<<20+5 {
		t.Fatalf("held read of streamed rows: %v", err)
	}
}

// observedStreams counts the pieces its reader streams, those whose first
// byte continues a UTF-8 character, and the largest.
type observedStreams struct {
	migrate.Source
	pieces, cutInside, largest atomic.Int64
}

func (o *observedStreams) Open(ctx context.Context) (migrate.Reader, error) {
	r, err := o.Source.Open(ctx)
	if err != nil {
		return nil, err
	}
	return &observedReader{Reader: r, o: o}, nil
}

type observedReader struct {
	migrate.Reader
	o *observedStreams
}

func (r *observedReader) StreamRows(ctx context.Context, s catalog.Scope, fn migrate.Emit) (int64, error) {
	return r.Reader.(migrate.Streamer).StreamRows(ctx, s, func(row [][]byte, big []migrate.LOB) error {
		for k := range big {
			l := big[k]
			big[k].Copy = func(ctx context.Context, piece func([]byte) error) error {
				return l.Copy(ctx, func(p []byte) error {
					r.o.pieces.Add(1)
					if len(p) > 0 && p[0]&0xC0 == 0x80 && s.Table.Columns[l.Column].Kind == catalog.KindString {
						r.o.cutInside.Add(1)
					}
					for {
						m := r.o.largest.Load()
						if int64(len(p)) <= m || r.o.largest.CompareAndSwap(m, int64(len(p))) {
							break
						}
					}
					return piece(p)
				})
			}
		}
		return fn(row, big)
	})
}

// flakyStreams fails its first batch in the middle of a streamed value with
// a deadlock, a transient error: the engine retries the batch.
type flakyStreams struct {
	migrate.Source
	failed atomic.Bool
}

func (f *flakyStreams) Open(ctx context.Context) (migrate.Reader, error) {
	r, err := f.Source.Open(ctx)
	if err != nil {
		return nil, err
	}
	return &flakyReader{Reader: r, f: f}, nil
}

type flakyReader struct {
	migrate.Reader
	f *flakyStreams
}

func (r *flakyReader) StreamRows(ctx context.Context, s catalog.Scope, fn migrate.Emit) (int64, error) {
	return r.Reader.(migrate.Streamer).StreamRows(ctx, s, func(row [][]byte, big []migrate.LOB) error {
		for k := range big {
			l := big[k]
			big[k].Copy = func(ctx context.Context, piece func([]byte) error) error {
				n := 0
				return l.Copy(ctx, func(p []byte) error {
					if n++; n == 3 && r.f.failed.CompareAndSwap(false, true) {
						return &mysql.MySQLError{Number: 1213, Message: "injected deadlock"}
					}
					return piece(p)
				})
			}
		}
		return fn(row, big)
	})
}

// TestLOBRetriedMidStream: a batch that fails while a value is half streamed
// into LOAD DATA rolls back and is copied whole by its retry.
func TestLOBRetriedMidStream(t *testing.T) {
	const bound = 64 << 10
	e := newLOBEnv(t, testdb.StartT(t))
	e.src.MaxLOBBytes, e.tgt.MaxLOBBytes = bound, bound
	rows := []docRow{
		{1, 1, []byte("a"), nil},
		{2, 1, hostileText(1<<20, 2), hostileBytes(600<<10, 2)},
		{3, 1, nil, []byte("z")},
	}
	e.insert(t, rows)
	runID := e.plan(t, "1")
	src := &flakyStreams{Source: e.src}
	res := e.run(t, src, runID, 1)
	if !src.failed.Load() {
		t.Fatal("the fault was never injected")
	}
	if res.Rows != 3 {
		t.Fatalf("copied %d rows", res.Rows)
	}
	e.checkSame(t, rows)
	e.verifyAll(t, runID)
}

// TestLOBInsertFallback: without LOAD DATA LOCAL, a streamed value the
// target's max_allowed_packet can carry is inserted whole; a larger one
// fails its batch naming table, column, key and size.
func TestLOBInsertFallback(t *testing.T) {
	srv := testdb.StartT(t)
	if srv.Socket == "" {
		t.Skip("changes server variables: needs a throwaway server")
	}
	ctx := context.Background()
	root, err := srv.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	// This connection keeps the default max_allowed_packet (16 MiB) to insert
	// the large value; the pools opened after the change get 2 MiB.
	wide, err := root.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer wide.Close()
	if _, err := root.Exec("SET GLOBAL local_infile = 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Exec("SET GLOBAL max_allowed_packet = 2097152"); err != nil {
		t.Fatal(err)
	}
	const bound = 64 << 10
	e := newLOBEnv(t, srv)
	e.src.MaxLOBBytes, e.tgt.MaxLOBBytes = bound, bound
	small := []docRow{{1, 1, hostileText(300<<10, 1), hostileBytes(bound+1, 1)}, {2, 1, []byte("s"), nil}}
	e.insert(t, small)
	if _, err := wide.ExecContext(ctx, "INSERT INTO "+e.srcName+".docs VALUES (3, 2, 't', ?, 'n\t3')", hostileBytes(3<<20, 3)); err != nil {
		t.Fatal(err)
	}
	runID := e.plan(t, "1", "2")
	eng := migrate.New(e.src, e.tgt, e.ledger, migrate.Options{
		RunID: runID, Owner: "test-owner", Workers: 1, Retries: 0, Lease: 30 * time.Second,
		Transient: mysqldb.IsTransient, Tables: map[string]*catalog.Table{"docs": e.table},
	})
	res, err := eng.Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FailedBatches) != 1 || res.FailedBatches[0].ID != 2 {
		t.Fatalf("failed batches: %+v", res.FailedBatches)
	}
	msg := res.FailedBatches[0].Err.Error()
	for _, want := range []string{"table docs", "column data", "key (id=3)", "3145728 bytes", "max_allowed_packet", "local_infile"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	var n int
	if err := e.tgtDB.QueryRow("SELECT COUNT(*) FROM docs WHERE tenant_id = 2").Scan(&n); err != nil || n != 0 {
		t.Fatalf("tenant 2 has %d rows in the target (%v)", n, err)
	}
	if _, err := e.tgtDB.Exec("DELETE FROM docs WHERE tenant_id = 2"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srcDB.Exec("DELETE FROM docs WHERE tenant_id = 2"); err != nil {
		t.Fatal(err)
	}
	e.checkSame(t, small)
}

// TestLOBDryRead: a dry read checks a streamed value against its target
// column without holding it.
func TestLOBDryRead(t *testing.T) {
	const bound = 64 << 10
	e := newLOBEnv(t, testdb.StartT(t))
	e.src.MaxLOBBytes, e.tgt.MaxLOBBytes = bound, bound
	if _, err := e.tgtDB.Exec("ALTER TABLE docs MODIFY body TEXT NULL"); err != nil {
		t.Fatal(err)
	}
	e.insert(t, []docRow{{1, 1, hostileText(60<<10, 1), hostileBytes(3*bound, 1)}, {2, 2, hostileText(1<<20, 2), nil}})
	load, err := e.tgt.DryLoader(context.Background(), []*catalog.Table{e.table})
	if err != nil {
		t.Fatal(err)
	}
	runID := e.plan(t, "1", "2")
	batches, err := e.ledger.Batches(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	mem := migrate.NewMemLedger(batches)
	eng := migrate.New(e.src, e.tgt, mem, migrate.Options{
		RunID: runID, Owner: "dry", Workers: 1, Lease: 30 * time.Second, Transient: mysqldb.IsTransient,
		Tables: map[string]*catalog.Table{"docs": e.table}, DryRun: migrate.DryRead, DryLoad: load,
	})
	ctx := context.Background()
	res, err := eng.Run(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FailedBatches) != 1 || res.FailedBatches[0].ID != 2 {
		t.Fatalf("failed batches: %+v", res.FailedBatches)
	}
	msg := res.FailedBatches[0].Err.Error()
	if !strings.Contains(msg, "key (id=2), column body (text)") || !strings.Contains(msg, fmt.Sprintf("%d bytes, the column holds 65535", 1<<20)) {
		t.Errorf("dry read error: %s", msg)
	}
	if res.Rows != 1 {
		t.Errorf("dry read took %d rows, want 1", res.Rows)
	}
}

// heapPeak samples the live heap every half millisecond until stop is
// closed and returns the largest sample.
func heapPeak(stop <-chan struct{}) func() uint64 {
	var peak uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { wg.Wait(); return peak }
}

func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestLOBMemoryBounded copies and verifies a 48 MiB value with a 1 MiB bound
// and measures the live heap meanwhile: it grows by a few pieces, not by the
// value (held whole, the value alone would add 48 MiB, twice over with the
// driver's buffer).
func TestLOBMemoryBounded(t *testing.T) {
	srv := testdb.StartT(t)
	if srv.Socket == "" {
		t.Skip("changes server variables: needs a throwaway server")
	}
	root, err := srv.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	// Only the connection that inserts the test value gets a 64 MiB
	// max_allowed_packet: the copy runs with the default 16 MiB.
	ctx := context.Background()
	if _, err := root.Exec("SET GLOBAL max_allowed_packet = 67108864"); err != nil {
		t.Fatal(err)
	}
	wideDB, err := srv.Open("") // a new pool: a new session takes the global value
	if err != nil {
		t.Fatal(err)
	}
	defer wideDB.Close()
	wide, err := wideDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer wide.Close()
	if _, err := root.Exec("SET GLOBAL max_allowed_packet = 16777216"); err != nil {
		t.Fatal(err)
	}
	const bound = 1 << 20
	const size = 48 << 20
	e := newLOBEnv(t, srv)
	e.src.MaxLOBBytes, e.tgt.MaxLOBBytes = bound, bound
	want := []docRow{{1, 1, []byte("small"), hostileBytes(size, 1)}, {2, 1, nil, []byte("x")}}
	if _, err := wide.ExecContext(ctx, "INSERT INTO "+e.srcName+".docs VALUES (1, 1, 'small', ?, 'n\t1')", want[0].data); err != nil {
		t.Fatal(err)
	}
	e.insert(t, want[1:])
	wantSum := sha256.Sum256(want[0].data)
	want[0].data = nil // the test's copy is not part of the measurement
	runID := e.plan(t, "1")

	base := liveHeap()
	stop := make(chan struct{})
	peak := heapPeak(stop)
	start := time.Now()
	res := e.run(t, e.src, runID, 1)
	e.verifyAll(t, runID)
	close(stop)
	grew := int64(peak()) - int64(base)
	t.Logf("copied and verified a %d MiB value with a %d KiB bound in %v: live heap %.1f MiB before, peak growth %.1f MiB",
		size>>20, bound>>10, time.Since(start).Round(time.Millisecond), float64(base)/(1<<20), float64(grew)/(1<<20))
	if res.Rows != 2 {
		t.Fatalf("copied %d rows", res.Rows)
	}
	if grew > 16<<20 {
		t.Errorf("live heap grew by %.1f MiB copying a %d MiB value with a %d KiB bound", float64(grew)/(1<<20), size>>20, bound>>10)
	}
	var got string
	var n int64
	if err := e.tgtDB.QueryRow("SELECT SHA2(data, 256), LENGTH(data) FROM docs WHERE id = 1").Scan(&got, &n); err != nil {
		t.Fatal(err)
	}
	if got != hex.EncodeToString(wantSum[:]) || n != size {
		t.Fatalf("target value: %d bytes, SHA-256 %s", n, got)
	}
}
