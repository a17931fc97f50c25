package mysqldb

import (
	"context"
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
	admin, err := srv.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
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
	src, err := Open(ctx, srcDSN, "", RoleSource, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tgt, err := Open(ctx, tgtDSN, "", RoleTarget, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
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
