package mysqldb

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/testdb"
)

var (
	colA   = catalog.Column{Name: "a", Kind: catalog.KindInt}
	colB   = catalog.Column{Name: "b", Kind: catalog.KindString}
	colU   = catalog.Column{Name: "u", Kind: catalog.KindUint}
	colD   = catalog.Column{Name: "d", Kind: catalog.KindDecimal}
	colH   = catalog.Column{Name: "h", Kind: catalog.KindBinary}
	colOdd = catalog.Column{Name: "we`ird", Kind: catalog.KindInt}
)

func TestKeyRangeSQL(t *testing.T) {
	two := &catalog.Table{Name: "t", Target: "tt", Key: []catalog.Column{colA, colB}, TenantColumn: "tenant_id", Ranged: true}
	sql, args, err := keyRangeSQL(catalog.Scope{Table: two, Lo: []string{"1", "a"}, Hi: []string{"5", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := " WHERE (`a` > ? OR `a` = ? AND `b` >= ?) AND (`a` < ? OR `a` = ? AND `b` < ?)"
	if sql != want || !reflect.DeepEqual(args, []any{int64(1), int64(1), "a", int64(5), int64(5), "b"}) {
		t.Errorf("keyRangeSQL = %q %v, want %q", sql, args, want)
	}
	if sql, args, err := keyRangeSQL(catalog.Scope{Table: two}); err != nil || sql != "" || args != nil {
		t.Errorf("unbounded range = %q %v %v, want no clause", sql, args, err)
	}
}

func TestScopeSQL(t *testing.T) {
	one := &catalog.Table{Name: "t", Target: "tt", Key: []catalog.Column{colA}, TenantColumn: "tenant_id", TenantKind: catalog.KindInt}
	two := &catalog.Table{Name: "t", Target: "tt", Key: []catalog.Column{colA, colB}, TenantColumn: "tenant_id", TenantKind: catalog.KindInt}
	dec := &catalog.Table{Name: "t", Target: "tt", Key: []catalog.Column{colD, colH}, TenantColumn: "tenant_id", TenantKind: catalog.KindString}
	via := &catalog.Table{Name: "child", Target: "child_t", Key: []catalog.Column{colA}, TenantColumn: "agent",
		TenantKind: catalog.KindInt, Via: &catalog.Via{Parent: "parent", Target: "parent_t", On: "parent_id", ParentOn: "id"}}
	shared := &catalog.Table{Name: "ref", Target: "ref_t", Key: []catalog.Column{colA}, Shared: true}
	binTenant := &catalog.Table{Name: "t", Target: "t", Key: []catalog.Column{colU}, TenantColumn: "tid", TenantKind: catalog.KindBinary}
	odd := &catalog.Table{Name: "x`y", Target: "x`y", Key: []catalog.Column{colOdd}, TenantColumn: "t`c", TenantKind: catalog.KindInt}
	filtered := &catalog.Table{Name: "t", Target: "tt", Key: []catalog.Column{colA}, TenantColumn: "tenant_id", TenantKind: catalog.KindInt,
		Where: "status <> 'x' OR a < 3"}
	filteredShared := &catalog.Table{Name: "ref", Target: "ref_t", Key: []catalog.Column{colA}, Shared: true, Where: "a > 0"}

	cases := []struct {
		name      string
		scope     catalog.Scope
		useTarget bool
		sql       string
		args      []any
	}{
		{"tenant only", catalog.Scope{Table: one, Tenants: []string{"7"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` = ?", []any{int64(7)}},
		{"packed tenants", catalog.Scope{Table: one, Tenants: []string{"7", "8", "9"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` IN (?,?,?)", []any{int64(7), int64(8), int64(9)}},
		{"one column range", catalog.Scope{Table: one, Tenants: []string{"7"}, Lo: []string{"10"}, Hi: []string{"20"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` = ? AND c.`a` >= ? AND c.`a` < ?", []any{int64(7), int64(10), int64(20)}},
		{"one column big ids stay integers", catalog.Scope{Table: one, Tenants: []string{"7"}, Lo: []string{"9007199254740993"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` = ? AND c.`a` >= ?", []any{int64(7), int64(9007199254740993)}},
		{"one column upper only", catalog.Scope{Table: one, Tenants: []string{"7"}, Hi: []string{"-5"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` = ? AND c.`a` < ?", []any{int64(7), int64(-5)}},
		{"two column lower", catalog.Scope{Table: two, Tenants: []string{"1"}, Lo: []string{"10", "x"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` = ? AND (c.`a` > ? OR c.`a` = ? AND c.`b` >= ?)",
			[]any{int64(1), int64(10), int64(10), "x"}},
		{"two column both", catalog.Scope{Table: two, Tenants: []string{"1"}, Lo: []string{"10", "x"}, Hi: []string{"12", "y"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` = ? AND (c.`a` > ? OR c.`a` = ? AND c.`b` >= ?) AND (c.`a` < ? OR c.`a` = ? AND c.`b` < ?)",
			[]any{int64(1), int64(10), int64(10), "x", int64(12), int64(12), "y"}},
		{"decimal cast and binary hex", catalog.Scope{Table: dec, Tenants: []string{"acme"}, Lo: []string{"1.50", "00FF1A"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` = ? AND (c.`d` > CAST(? AS DECIMAL(65,30)) OR c.`d` = CAST(? AS DECIMAL(65,30)) AND c.`h` >= ?)",
			[]any{"acme", "1.50", "1.50", []byte{0x00, 0xff, 0x1a}}},
		{"binary tenant and unsigned key", catalog.Scope{Table: binTenant, Tenants: []string{"0A0B"}, Hi: []string{"18446744073709551615"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tid` = ? AND c.`u` < ?", []any{[]byte{0x0a, 0x0b}, uint64(18446744073709551615)}},
		{"via join", catalog.Scope{Table: via, Tenants: []string{"3", "4"}, Lo: []string{"100"}}, false,
			" FROM `s`.`child` AS c JOIN `s`.`parent` AS p ON c.`parent_id` = p.`id` WHERE p.`agent` IN (?,?) AND c.`a` >= ?",
			[]any{int64(3), int64(4), int64(100)}},
		{"via join in the target", catalog.Scope{Table: via, Tenants: []string{"3"}}, true,
			" FROM `s`.`child_t` AS c JOIN `s`.`parent_t` AS p ON c.`parent_id` = p.`id` WHERE p.`agent` = ?",
			[]any{int64(3)}},
		{"every tenant's rows of a ranged table", catalog.Scope{Table: one, Lo: []string{"10"}, Hi: []string{"20"}}, false,
			" FROM `s`.`t` AS c WHERE c.`tenant_id` IS NOT NULL AND c.`a` >= ? AND c.`a` < ?", []any{int64(10), int64(20)}},
		{"every tenant's rows of a ranged via table", catalog.Scope{Table: via, Hi: []string{"100"}}, false,
			" FROM `s`.`child` AS c JOIN `s`.`parent` AS p ON c.`parent_id` = p.`id` WHERE p.`agent` IS NOT NULL AND c.`a` < ?",
			[]any{int64(100)}},
		{"shared", catalog.Scope{Table: shared}, false, " FROM `s`.`ref` AS c", nil},
		{"shared in the target with range", catalog.Scope{Table: shared, Lo: []string{"5"}, Hi: []string{"9"}}, true,
			" FROM `s`.`ref_t` AS c WHERE c.`a` >= ? AND c.`a` < ?", []any{int64(5), int64(9)}},
		{"where filter first, parenthesized", catalog.Scope{Table: filtered, Tenants: []string{"7"}, Lo: []string{"10"}}, false,
			" FROM `s`.`t` AS c WHERE (status <> 'x' OR a < 3) AND c.`tenant_id` = ? AND c.`a` >= ?", []any{int64(7), int64(10)}},
		{"where filter of a shared table", catalog.Scope{Table: filteredShared}, false, " FROM `s`.`ref` AS c WHERE (a > 0)", nil},
		{"no where filter in the target", catalog.Scope{Table: filtered, Tenants: []string{"7"}}, true,
			" FROM `s`.`tt` AS c WHERE c.`tenant_id` = ?", []any{int64(7)}},
		{"quoted identifiers", catalog.Scope{Table: odd, Tenants: []string{"1"}, Lo: []string{"2"}}, false,
			" FROM `s`.`x``y` AS c WHERE c.`t``c` = ? AND c.`we``ird` >= ?", []any{int64(1), int64(2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sql, args, err := scopeSQL("s", c.scope, c.useTarget)
			if err != nil {
				t.Fatal(err)
			}
			if sql != c.sql {
				t.Errorf("sql\n got %s\nwant %s", sql, c.sql)
			}
			if !reflect.DeepEqual(args, c.args) {
				t.Errorf("args\n got %#v\nwant %#v", args, c.args)
			}
			if n := strings.Count(sql, "?"); n != len(args) {
				t.Errorf("%d placeholders for %d args", n, len(args))
			}
		})
	}

	bad := []struct {
		name  string
		scope catalog.Scope
	}{
		{"shared with tenants", catalog.Scope{Table: shared, Tenants: []string{"1"}}},
		{"bound too short", catalog.Scope{Table: two, Tenants: []string{"1"}, Lo: []string{"1"}}},
		{"bound too long", catalog.Scope{Table: one, Tenants: []string{"1"}, Hi: []string{"1", "2"}}},
		{"non-integer key", catalog.Scope{Table: one, Tenants: []string{"1"}, Lo: []string{"1.5"}}},
		{"integer key as double text", catalog.Scope{Table: one, Tenants: []string{"1"}, Lo: []string{"1e3"}}},
		{"non-integer tenant", catalog.Scope{Table: one, Tenants: []string{"x"}}},
		{"negative unsigned", catalog.Scope{Table: binTenant, Tenants: []string{"0A"}, Lo: []string{"-1"}}},
		{"bad hex tenant", catalog.Scope{Table: binTenant, Tenants: []string{"zz"}}},
		{"bad hex key", catalog.Scope{Table: dec, Tenants: []string{"a"}, Lo: []string{"1", "0G"}}},
	}
	for _, c := range bad {
		t.Run("error/"+c.name, func(t *testing.T) {
			if sql, args, err := scopeSQL("s", c.scope, false); err == nil {
				t.Errorf("no error; got %s %v", sql, args)
			}
		})
	}
}

// TestKeyBoundEmpty checks that a nil bound adds nothing.
func TestKeyBoundEmpty(t *testing.T) {
	var w where
	if err := w.keyBound("c.", []catalog.Column{colA, colB}, nil, true); err != nil {
		t.Fatal(err)
	}
	if w.String() != "" || len(w.args) != 0 {
		t.Errorf("nil bound added %q %v", w.String(), w.args)
	}
}

// TestKeyRangesPartition checks on a real server that the key-range predicates
// built from Boundaries split the rows of a two-column key exactly: every row
// in exactly one range, none lost, for keys with string, decimal and binary
// parts that a naive comparison would order differently.
func TestKeyRangesPartition(t *testing.T) {
	srv := testdb.StartT(t)
	name, dsn := srv.NewDatabase(t, "ranges")
	ctx := context.Background()
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE ks (tenant_id INT NOT NULL, a INT NOT NULL, b VARCHAR(20) NOT NULL, v INT, PRIMARY KEY (a, b))",
		"CREATE TABLE kd (tenant_id INT NOT NULL, d DECIMAL(10,3) NOT NULL, h VARBINARY(4) NOT NULL, v INT, PRIMARY KEY (d, h))",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Uneven groups on the first column, so boundaries fall inside groups.
	words := []string{"", "A", "b", "B2", "c", "z", "Zz", "é", "😀", "10", "9", "a b", "a\tb", "q'"}
	n := 0
	for a := -3; a < 12; a++ {
		for i, w := range words {
			if (a*7+i)%3 == 0 && a%4 != 0 {
				continue
			}
			tenant := 1 + n%2
			if _, err := db.ExecContext(ctx, "INSERT INTO ks VALUES (?, ?, ?, ?)", tenant, a, w, n); err != nil {
				t.Fatalf("insert %d %q: %v", a, w, err)
			}
			d := fmt.Sprintf("%d.%03d", a, (i*37)%1000)
			h := []byte{byte(i * 17), byte(a), 0x00, byte(255 - i)}[:1+i%4]
			if _, err := db.ExecContext(ctx, "INSERT INTO kd VALUES (?, ?, ?, ?)", tenant, d, h, n); err != nil {
				t.Fatalf("insert %s %x: %v", d, h, err)
			}
			n++
		}
	}
	src, err := Open(ctx, dsn, "", RoleSource, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rd, err := src.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()

	for _, table := range []string{"ks", "kd"} {
		info, err := src.Describe(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		tbl := &catalog.Table{Name: table, Target: table, Columns: info.Columns, TenantColumn: "tenant_id", TenantKind: catalog.KindInt}
		for _, k := range info.PrimaryKey {
			c, _ := info.Column(k)
			tbl.Key = append(tbl.Key, c)
		}
		if len(tbl.Key) != 2 {
			t.Fatalf("%s: key %v", table, tbl.Key)
		}
		vIdx := slices.IndexFunc(info.Columns, func(c catalog.Column) bool { return c.Name == "v" })
		for _, tc := range []struct {
			name    string
			tbl     *catalog.Table
			tenant  string
			tenants []string
		}{
			{"tenant 1", tbl, "1", []string{"1"}},
			{"tenant 2", tbl, "2", []string{"2"}},
			{"shared", func() *catalog.Table { c := *tbl; c.Shared = true; return &c }(), "", nil},
		} {
			for _, step := range []int64{1, 4, 7, 50} {
				t.Run(fmt.Sprintf("%s/%s/step %d", table, tc.name, step), func(t *testing.T) {
					all := map[string]int{}
					if _, err := rd.Rows(ctx, catalog.Scope{Table: tc.tbl, Tenants: tc.tenants}, func(row [][]byte) error {
						all[string(row[vIdx])] = 0
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					bounds, err := src.Boundaries(ctx, tc.tbl, tc.tenant, step)
					if err != nil {
						t.Fatal(err)
					}
					if want := (int64(len(all))+step-1)/step - 1; int64(len(bounds)) != want {
						t.Errorf("%d boundaries for %d rows at step %d, want %d", len(bounds), len(all), step, want)
					}
					lo := []string(nil)
					for i := 0; i <= len(bounds); i++ {
						var hi []string
						if i < len(bounds) {
							hi = bounds[i]
						}
						got, err := rd.Rows(ctx, catalog.Scope{Table: tc.tbl, Tenants: tc.tenants, Lo: lo, Hi: hi}, func(row [][]byte) error {
							v := string(row[vIdx])
							if _, ok := all[v]; !ok {
								return fmt.Errorf("range %q..%q returned row v=%s of another scope", lo, hi, v)
							}
							all[v]++
							return nil
						})
						if err != nil {
							t.Fatal(err)
						}
						if got < 1 || got > step {
							t.Errorf("range %q..%q holds %d rows, want 1..%d", lo, hi, got, step)
						}
						lo = hi
					}
					for v, c := range all {
						if c != 1 {
							t.Errorf("row v=%s is in %d ranges, want exactly 1", v, c)
						}
					}
				})
			}
		}
	}
}
