package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/preflight"
	"github.com/cutover/cutover/internal/testdb"
)

// TestPreflightLOBOverTargetPacket seeds a LOB larger than the target's
// max_allowed_packet (lowered after the insert, on a server of its own) and
// expects the lob-size finding with its count and size, while a table that
// fits reports nothing.
func TestPreflightLOBOverTargetPacket(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	srcName, srcDSN := srv.NewDatabase(t, "lsrc")
	tgtName, tgtDSN := srv.NewDatabase(t, "ltgt")
	admin := openAdmin(t, srv)
	for _, q := range []string{
		"CREATE TABLE " + srcName + ".docs (id INT PRIMARY KEY, body LONGBLOB, title VARCHAR(20))",
		"INSERT INTO " + srcName + ".docs VALUES (1, REPEAT('x', 3 << 20), 'big'), (2, 'small', 'fine'), (3, NULL, NULL)",
		"CREATE TABLE " + tgtName + ".docs (id INT PRIMARY KEY, body LONGBLOB, title VARCHAR(20))",
		"SET GLOBAL max_allowed_packet = 2 << 20",
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Connections opened from here on see the lowered packet.
	src, tgt := openPair(t, srcDSN, tgtDSN)
	fs, err := Preflight(ctx, src, tgt, PreflightTable{Source: "docs", Target: "docs"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %+v", fs)
	}
	f := fs[0]
	if f.Check != "lob-size" || f.Column != "body" || f.Severity != preflight.Warning || f.Rows != 1 || f.Example != "3145728" {
		t.Fatalf("finding %+v", f)
	}
	// With source.lob_max_bytes under the value, preflight says it is streamed.
	src.MaxLOBBytes = 1 << 20
	fs, err = Preflight(ctx, src, tgt, PreflightTable{Source: "docs", Target: "docs"})
	if err != nil {
		t.Fatal(err)
	}
	var bound *preflight.Finding
	for i := range fs {
		if fs[i].Check == "lob-bound" {
			bound = &fs[i]
		}
	}
	if len(fs) != 2 || bound == nil || bound.Severity != preflight.Info || bound.Column != "body" || bound.Rows != 1 || bound.Example != "3145728" {
		t.Fatalf("with a 1 MiB bound: %+v", fs)
	}
}

func TestSameType(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"int(11)", "int", true},
		{"bigint(20) unsigned", "bigint unsigned", true},
		{"int(10) unsigned zerofill", "int unsigned", true},
		{"int(11)", "bigint(20)", false},
		{"varchar(10)", "varchar(20)", false},
		{"decimal(12,4)", "decimal(12,4)", true},
	} {
		if got := sameType(c.a, c.b); got != c.same {
			t.Errorf("sameType(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// TestPreflightSample: a sampled scan reads evenly spaced key ranges, counts
// about its share of the problems and says so, while the AUTO_INCREMENT
// headroom still comes from the whole table's largest value; a key whose
// values bunch up, or that is not one integer column, is scanned whole and
// says why.
func TestPreflightSample(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	srcName, srcDSN := srv.NewDatabase(t, "ssrc")
	tgtName, tgtDSN := srv.NewDatabase(t, "stgt")
	admin := openAdmin(t, srv)
	for _, q := range []string{
		// 40,000 dense keys, every 10th row with a NULL bound for a NOT
		// NULL target column.
		"CREATE TABLE " + srcName + ".t (id BIGINT PRIMARY KEY, v VARCHAR(10) NULL)",
		"INSERT INTO " + srcName + ".t SELECT seq, IF(seq % 10 = 0, NULL, 'x') FROM " + srcName + ".seq_1_to_40000",
		"ANALYZE TABLE " + srcName + ".t",
		"CREATE TABLE " + tgtName + ".t (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10) NOT NULL)",
		// The same with one key far away: 63 of 64 ranges are empty.
		"CREATE TABLE " + srcName + ".u (id BIGINT PRIMARY KEY, v VARCHAR(10) NULL)",
		"INSERT INTO " + srcName + ".u SELECT seq, IF(seq % 10 = 0, NULL, 'x') FROM " + srcName + ".seq_1_to_39999",
		"INSERT INTO " + srcName + ".u VALUES (4000000000, 'last')",
		"ANALYZE TABLE " + srcName + ".u",
		"CREATE TABLE " + tgtName + ".u (id BIGINT PRIMARY KEY, v VARCHAR(10) NOT NULL)",
		// A text key.
		"CREATE TABLE " + srcName + ".s (code VARCHAR(10) PRIMARY KEY, v VARCHAR(10) NULL)",
		"INSERT INTO " + srcName + ".s SELECT CONCAT('c', seq), IF(seq % 10 = 0, NULL, 'x') FROM " + srcName + ".seq_1_to_20000",
		"ANALYZE TABLE " + srcName + ".s",
		"CREATE TABLE " + tgtName + ".s (code VARCHAR(10) PRIMARY KEY, v VARCHAR(10) NOT NULL)",
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	src, tgt := openPair(t, srcDSN, tgtDSN)
	find := func(fs []preflight.Finding, check string) *preflight.Finding {
		for i := range fs {
			if fs[i].Check == check {
				return &fs[i]
			}
		}
		return nil
	}
	scan := func(table string, pct float64) []preflight.Finding {
		t.Helper()
		fs, err := Preflight(ctx, src, tgt, PreflightTable{Source: table, Target: table, SamplePercent: pct})
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	if f := find(scan("t", 0), "null-for-not-null"); f == nil || f.Rows != 4000 {
		t.Fatalf("full scan: %+v", f)
	}
	// 10% of about 40,000 rows in 64 ranges: 63 rows from each, a tenth of
	// them NULL (the statistics' row count is an estimate, hence the slack).
	sampled := scan("t", 10)
	f := find(sampled, "null-for-not-null")
	if f == nil || f.Rows < 300 || f.Rows > 500 || !strings.Contains(f.Message, "in a sample of about 10%") {
		t.Fatalf("sampled scan: %+v", sampled)
	}
	// The largest id, 40,000, is not in any range's first 63 rows.
	if ai := find(sampled, "auto-increment"); ai == nil || ai.Example != "40000" {
		t.Fatalf("the headroom comes from the whole table: %+v", ai)
	}
	for table, rows := range map[string]int64{"u": 3999, "s": 2000} {
		fs := scan(table, 10)
		if f := find(fs, "null-for-not-null"); f == nil || f.Rows != rows || strings.Contains(f.Message, "sample") {
			t.Fatalf("%s: scanned whole: %+v", table, fs)
		}
		if find(fs, "sample") == nil {
			t.Fatalf("%s: no word on the whole scan: %+v", table, fs)
		}
	}
}

// TestPreflightTenants: with tenant.ids the scan reads only those tenants'
// rows, directly or through the parent, as the run copies them.
func TestPreflightTenants(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	srcName, srcDSN := srv.NewDatabase(t, "tsrc")
	_, tgtDSN := srv.NewDatabase(t, "ttgt")
	admin := openAdmin(t, srv)
	for _, q := range []string{
		// Tenant 3's rows hold the NULLs, in the parent and in the child.
		"CREATE TABLE " + srcName + ".m (id INT PRIMARY KEY, agent_id INT NOT NULL, v VARCHAR(10) NOT NULL, KEY (agent_id))",
		"INSERT INTO " + srcName + ".m SELECT seq, seq % 4, 'x' FROM " + srcName + ".seq_1_to_400",
		"CREATE TABLE " + srcName + ".c (id INT PRIMARY KEY, m_id INT NOT NULL, v VARCHAR(10) NULL, KEY (m_id))",
		"INSERT INTO " + srcName + ".c SELECT seq, seq % 400 + 1, IF((seq % 400 + 1) % 4 = 3, NULL, 'y') FROM " + srcName + ".seq_1_to_2000",
		"ALTER TABLE " + srcName + ".m MODIFY v VARCHAR(10) NULL",
		"UPDATE " + srcName + ".m SET v = NULL WHERE agent_id = 3",
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	src, tgt := openPair(t, srcDSN, tgtDSN)
	// The target wants NOT NULL in both.
	for _, q := range []string{
		"CREATE TABLE m (id INT PRIMARY KEY, agent_id INT NOT NULL, v VARCHAR(10) NOT NULL, KEY (agent_id))",
		"CREATE TABLE c (id INT PRIMARY KEY, m_id INT NOT NULL, v VARCHAR(10) NOT NULL, KEY (m_id))",
	} {
		if _, err := tgt.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	nulls := func(pt PreflightTable) int64 {
		t.Helper()
		fs, err := Preflight(ctx, src, tgt, pt)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Check == "null-for-not-null" {
				return f.Rows
			}
		}
		return 0
	}
	parent := PreflightTable{Source: "m", Target: "m", TenantColumn: "agent_id"}
	child := PreflightTable{Source: "c", Target: "c", ViaOn: "m_id", Parent: "m", ParentOn: "id", ParentTenant: "agent_id"}
	if n := nulls(parent); n != 100 {
		t.Fatalf("every tenant: %d NULLs in m, want 100", n)
	}
	if n := nulls(child); n != 500 {
		t.Fatalf("every tenant: %d NULLs in c, want 500", n)
	}
	parent.Tenants, child.Tenants = []string{"1", "2"}, []string{"1", "2"}
	if n := nulls(parent); n != 0 {
		t.Fatalf("tenants 1 and 2: %d NULLs in m, want none", n)
	}
	if n := nulls(child); n != 0 {
		t.Fatalf("tenants 1 and 2: %d NULLs in c, want none", n)
	}
	parent.Tenants, child.Tenants = []string{"3"}, []string{"3"}
	if n := nulls(parent); n != 100 {
		t.Fatalf("tenant 3: %d NULLs in m, want 100", n)
	}
	if n := nulls(child); n != 500 {
		t.Fatalf("tenant 3: %d NULLs in c, want 500", n)
	}
}

// openPair opens a preflight's source and target, closed when the test ends;
// a connection opened later sees the server's settings as they are then.
func openPair(t *testing.T, srcDSN, tgtDSN string) (src, tgt *DB) {
	t.Helper()
	var err error
	if src, err = Open(context.Background(), srcDSN, "", RoleSource, 2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	if tgt, err = Open(context.Background(), tgtDSN, "", RoleTarget, 2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return src, tgt
}

// openAdmin opens the throwaway server without a default database.
func openAdmin(t *testing.T, srv *testdb.Server) *sql.DB {
	t.Helper()
	db, err := srv.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPreflightWhere: a table's row filter (tables[].where) is ANDed into
// every preflight scan, as into the copy's reads: the rows it leaves out,
// which hold a string too long and an integer out of range for the target,
// a NULL for a NOT NULL column and the largest AUTO_INCREMENT key, are
// neither counted nor judged, whether the scan reads the whole table, the
// rows of tenant.ids (directly or through a parent) or a sample.
func TestPreflightWhere(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	srcName, srcDSN := srv.NewDatabase(t, "wsrc")
	tgtName, tgtDSN := srv.NewDatabase(t, "wtgt")
	admin := openAdmin(t, srv)
	for _, q := range []string{
		// 100 live rows of tenants 1 to 4 that fit, and one deleted row of
		// tenant 1 that does not: a 30-character name, 5,000,000,000.
		"CREATE TABLE " + srcName + ".f (id INT PRIMARY KEY, agent_id INT NOT NULL, status VARCHAR(10) NOT NULL, name VARCHAR(40) NULL, n BIGINT NULL, KEY (agent_id))",
		"INSERT INTO " + srcName + ".f SELECT seq, seq % 4 + 1, 'live', CONCAT('n', seq), seq FROM " + srcName + ".seq_1_to_100",
		"INSERT INTO " + srcName + ".f VALUES (101, 1, 'deleted', REPEAT('x', 30), 5000000000)",
		"CREATE TABLE " + tgtName + ".f (id INT PRIMARY KEY, agent_id INT NOT NULL, status VARCHAR(10) NOT NULL, name VARCHAR(10) NOT NULL, n INT NULL, KEY (agent_id))",
		// Rows of f's children: the one of the deleted row has a long note.
		"CREATE TABLE " + srcName + ".c (id INT PRIMARY KEY, f_id INT NOT NULL, gone TINYINT NOT NULL, note VARCHAR(40) NULL, KEY (f_id))",
		"INSERT INTO " + srcName + ".c SELECT seq, seq, 0, 'ok' FROM " + srcName + ".seq_1_to_100",
		"INSERT INTO " + srcName + ".c VALUES (101, 101, 1, REPEAT('y', 25))",
		"CREATE TABLE " + tgtName + ".c (id INT PRIMARY KEY, f_id INT NOT NULL, gone TINYINT NOT NULL, note VARCHAR(10) NULL, KEY (f_id))",
		// 40,000 dense keys for a sample; every 10th row is gone and has a
		// NULL bound for a NOT NULL column; the largest key, 40,000, too.
		"CREATE TABLE " + srcName + ".s (id BIGINT PRIMARY KEY, gone TINYINT NOT NULL, v VARCHAR(10) NULL)",
		"INSERT INTO " + srcName + ".s SELECT seq, seq % 10 = 0, IF(seq % 10 = 0, NULL, 'x') FROM " + srcName + ".seq_1_to_40000",
		"ANALYZE TABLE " + srcName + ".s",
		"CREATE TABLE " + tgtName + ".s (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, gone TINYINT NOT NULL, v VARCHAR(10) NOT NULL)",
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	src, tgt := openPair(t, srcDSN, tgtDSN)
	// got is each finding as check/column/rows/example, but the
	// information ones; the structure's are none here.
	got := func(pt PreflightTable) []string {
		t.Helper()
		fs, err := Preflight(ctx, src, tgt, pt)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			if f.Severity == preflight.Info && f.Check != "auto-increment" {
				continue
			}
			out = append(out, fmt.Sprintf("%s %s %s %d %s", f.Severity, f.Check, f.Column, f.Rows, f.Example))
		}
		return out
	}
	f := PreflightTable{Source: "f", Target: "f", TenantColumn: "agent_id"}
	c := PreflightTable{Source: "c", Target: "c", ViaOn: "f_id", Parent: "f", ParentOn: "id", ParentTenant: "agent_id"}
	s := PreflightTable{Source: "s", Target: "s", SamplePercent: 10}
	unfiltered := map[string][]string{
		"f": {"blocking int-range n 1 5000000000", "blocking string-length name 1 30"},
		"c": {"blocking string-length note 1 25"},
	}
	for _, c := range []struct {
		name  string
		pt    PreflightTable
		where string
		want  []string
	}{
		{"whole table", f, "", unfiltered["f"]},
		{"whole table, filtered", f, "status <> 'deleted'", nil},
		{"tenant 1", withTenants(f, "1"), "", unfiltered["f"]},
		{"tenant 1, filtered", withTenants(f, "1"), "status <> 'deleted'", nil},
		{"through the parent", c, "", unfiltered["c"]},
		{"through the parent, filtered", c, "gone = 0", nil},
		{"tenant 2 through the parent", withTenants(c, "2"), "", nil},
		{"tenant 1 through the parent", withTenants(c, "1"), "", unfiltered["c"]},
		{"tenant 1 through the parent, filtered", withTenants(c, "1"), "gone = 0", nil},
		// The sample reads a tenth of each of 64 key ranges; the headroom
		// comes from the largest key of the whole table.
		{"whole table, filtered, sampled", s, "gone = 0", []string{"info auto-increment id 0 39999"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pt := c.pt
			pt.Where = c.where
			if g := got(pt); !slices.Equal(g, c.want) {
				t.Fatalf("findings %q, want %q", g, c.want)
			}
		})
	}
	// Without the filter the sample counts its share of the NULLs, and the
	// headroom is the whole table's.
	fs, err := Preflight(ctx, src, tgt, s)
	if err != nil {
		t.Fatal(err)
	}
	var nulls, ai bool
	for _, f := range fs {
		nulls = nulls || f.Check == "null-for-not-null" && f.Rows > 0 && strings.Contains(f.Message, "sample")
		ai = ai || f.Check == "auto-increment" && f.Example == "40000"
	}
	if !nulls || !ai {
		t.Fatalf("sampled without the filter: %+v", fs)
	}
	// A filtered sample that keeps some of the NULLs counts them and says
	// what it read; the headroom is the largest key the filter keeps.
	s.Where = "id <= 39990"
	if fs, err = Preflight(ctx, src, tgt, s); err != nil {
		t.Fatal(err)
	}
	nulls, ai = false, false
	for _, f := range fs {
		nulls = nulls || f.Check == "null-for-not-null" && f.Rows > 0 && strings.Contains(f.Message, "in a sample of the rows the filter keeps")
		ai = ai || f.Check == "auto-increment" && f.Example == "39990"
	}
	if !nulls || !ai {
		t.Fatalf("sampled with id <= 39990: %+v", fs)
	}
}

func withTenants(pt PreflightTable, ids ...string) PreflightTable {
	pt.Tenants = ids
	return pt
}

// TestPreflightOverride: when the target table does not exist yet, the
// values of a column with an override (tables[].override) are checked
// against the override's type, the one `run --create-tables` creates,
// not the source's: a narrower override is blocking, naming the table and
// the column; a wider one, and the source's own type, take every value.
func TestPreflightOverride(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	srcName, srcDSN := srv.NewDatabase(t, "osrc")
	_, tgtDSN := srv.NewDatabase(t, "otgt")
	admin := openAdmin(t, srv)
	for _, q := range []string{
		"CREATE TABLE " + srcName + ".o (id INT PRIMARY KEY, code VARCHAR(40) NOT NULL, qty BIGINT NULL)",
		"INSERT INTO " + srcName + ".o VALUES (1, 'short', 7), (2, REPEAT('c', 26), 70000), (3, 'abc', -5)",
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	src, tgt := openPair(t, srcDSN, tgtDSN)
	for _, c := range []struct {
		name     string
		override map[string]string
		want     []string
	}{
		{"none: the source's types", nil, nil},
		{"wider", map[string]string{"code": "TEXT", "QTY": "DECIMAL(20,0)"}, nil},
		{"fits", map[string]string{"code": "VARCHAR(26)", "qty": "MEDIUMINT"}, nil},
		{"narrower", map[string]string{"Code": "varchar(20)", "qty": "SMALLINT  UNSIGNED"}, []string{
			"blocking o.code string-length 1 26: 1 values are longer than target type varchar(20); the longest has 26 characters",
			"blocking o.qty int-range 2 70000: 2 values outside target type smallint unsigned (source min -5, max 70000)",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs, err := Preflight(ctx, src, tgt, PreflightTable{Source: "o", Target: "o", Override: c.override})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				if f.Severity == preflight.Info {
					if f.Check != "missing-table" {
						t.Errorf("information: %+v", f)
					}
					continue
				}
				got = append(got, fmt.Sprintf("%s %s.%s %s %d %s: %s", f.Severity, f.Table, f.Column, f.Check, f.Rows, f.Example, f.Message))
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("findings\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}
