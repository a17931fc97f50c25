package oracle

import (
	"fmt"
	"strings"
	"testing"
)

func fixtureSpec() Spec {
	agent := Col{Name: "AGENT_ID", Type: num(10, 0)}
	return Spec{
		Owner: "PAY", Table: "MERCHANTS",
		Columns: []Col{
			{Name: "MERCHANT_ID", Type: num(12, 0)}, agent,
			{Name: "LEGAL_NAME", Type: Type{Name: "VARCHAR2", Length: 400, CharSemantics: true}},
			{Name: "PROFILE", Type: Type{Name: "XMLTYPE"}},
		},
		Key:    []Col{{Name: "MERCHANT_ID", Type: num(12, 0)}},
		Tenant: &agent,
		SCN:    123456789,
	}
}

func viaSpec() Spec {
	return Spec{
		Owner: "PAY", Table: "TRANSACTIONS",
		Columns: []Col{
			{Name: "TXN_ID", Type: Type{Name: "RAW", Length: 16}},
			{Name: "AUTHORIZED_AT", Type: Type{Name: "TIMESTAMP", Frac: 9}},
			{Name: "HOLD_PERIOD", Type: Type{Name: "INTERVAL DAY TO SECOND", Lead: 3, Frac: 6}},
			{Name: "TERM", Type: Type{Name: "INTERVAL YEAR TO MONTH", Lead: 2}},
			{Name: "PAYLOAD", Type: Type{Name: "JSON"}},
			{Name: "SOURCE_ROWID", Type: Type{Name: "ROWID"}},
			{Name: "IOT_ROWID", Type: Type{Name: "UROWID", Length: 4000}},
		},
		Key: []Col{
			{Name: "MERCHANT_ID", Type: num(12, 0)},
			{Name: "AUTHORIZED_AT", Type: Type{Name: "TIMESTAMP", Frac: 9}},
			{Name: "TXN_ID", Type: Type{Name: "RAW", Length: 16}},
		},
		Tenant: &Col{Name: "AGENT_ID", Type: num(10, 0)},
		Via:    &Via{Parent: "MERCHANTS", On: "MERCHANT_ID", ParentOn: "MERCHANT_ID"},
		SCN:    123456789,
	}
}

func TestQueriesGolden(t *testing.T) {
	var b strings.Builder
	add := func(name string, q Query, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.WriteString("-- " + name + "\n" + formatQuery(q) + "\n")
	}
	s := fixtureSpec()
	q, err := SizeQuery(s, nil)
	add("size: exact, all tenants", q, err)
	par := s
	par.Parallel = 4
	q, err = SizeQuery(par, []string{"7", "42"})
	add("size: exact, PARALLEL hint, two tenants", q, err)
	smp := s
	smp.SamplePercent = 0.5
	q, err = SizeQuery(smp, nil)
	add("size: SAMPLE(0.5), scaled by 200 in Go", q, err)
	q, err = TenantsQuery(smp)
	add("tenants: exact list beside a sample", q, err)
	q, err = SizeQuery(viaSpec(), []string{"42"})
	add("size: via table through its parent", q, err)
	shared := Spec{Owner: "PAY", Table: "FX_RATES", Columns: []Col{{Name: "CURRENCY", Type: Type{Name: "CHAR", Length: 3}}}}
	q, err = SizeQuery(shared, nil)
	add("size: shared table", q, err)
	q, err = BoundaryQuery(s, "42", 100000)
	add("boundaries: one tenant, step 100000, AS OF SCN", q, err)
	q, err = BoundaryQuery(viaSpec(), "42", 50000)
	add("boundaries: via table, three-column key", q, err)
	noKey := shared
	noKey.Table = "AUDIT_LOG"
	q, err = BoundaryQuery(noKey, "", 250000)
	add("boundaries: table without a key, by ROWID", q, err)
	q, err = ExtractQuery(s, []string{"42"}, []string{"1000"}, []string{"2000"})
	add("extract: one tenant, key range, AS OF SCN", q, err)
	noSnap := s
	noSnap.SCN = 0
	q, err = ExtractQuery(noSnap, []string{"1", "2", "3"}, nil, nil)
	add("extract: snapshot off, packed tenants", q, err)
	q, err = ExtractQuery(viaSpec(), []string{"42"},
		[]string{"10", "2024-01-01 00:00:00.000000000", "00FF"}, []string{"10", "2024-02-01 00:00:00.000000000", "0A0B"})
	add("extract: via table, composite key range, text forms", q, err)
	q, err = ExtractQuery(noKey, nil, []string{"AAAR3sAAEAAAACXAAA"}, nil)
	add("extract: ROWID range of a keyless table", q, err)
	q, err = ExtentsQuery("PAY", "AUDIT_LOG")
	add("rowid chunks: extents of a keyless table", q, err)
	add("rowid chunks: one chunk's filter", RowidRangeFilter(RowidRange{Lo: "AAAR3sAAEAAAACAAAA", Hi: "AAAR3sAAEAAAAD/H//"}), nil)
	// A CHAR tenant and key compare blank-padded only as CHAR: each bound
	// value is cast to the column's CHAR(n), guarded by its length.
	charTenant := Col{Name: "REGION", Type: Type{Name: "CHAR", Length: 5}}
	charSpec := Spec{Owner: "PAY", Table: "BRANCHES",
		Columns: []Col{{Name: "CODE", Type: Type{Name: "NCHAR", Length: 4}}, charTenant},
		Key:     []Col{{Name: "CODE", Type: Type{Name: "NCHAR", Length: 4}}},
		Tenant:  &charTenant}
	q, err = SizeQuery(charSpec, []string{"abc", "x  "})
	add("size: CHAR(5 BYTE) tenant, bound as CHAR", q, err)
	q, err = ExtractQuery(charSpec, []string{"abc"}, []string{"A1"}, []string{"B2"})
	add("extract: NCHAR(4) key range and CHAR tenant", q, err)
	charSemantics := charSpec
	charSemantics.Tenant = &Col{Name: "REGION", Type: Type{Name: "CHAR", Length: 5, CharSemantics: true}}
	q, err = SizeQuery(charSemantics, []string{"é"})
	add("size: CHAR(5 CHAR) tenant", q, err)
	// A where filter is ANDed, parenthesized, into every read of the table.
	filtered := s
	filtered.Where = "STATUS <> 'DELETED' OR MERCHANT_ID < 10"
	q, err = SizeQuery(filtered, []string{"42"})
	add("size: where filter, one tenant", q, err)
	filteredShared := shared
	filteredShared.Where = "CURRENCY <> 'XXX'"
	q, err = SizeQuery(filteredShared, nil)
	add("size: where filter, shared table", q, err)
	filteredSample := smp
	filteredSample.Where = filtered.Where
	q, err = TenantsQuery(filteredSample)
	add("tenants: where filter", q, err)
	q, err = BoundaryQuery(filtered, "42", 100000)
	add("boundaries: where filter", q, err)
	q, err = ExtractQuery(filtered, []string{"42"}, []string{"1000"}, []string{"2000"})
	add("extract: where filter, one tenant, key range", q, err)
	filteredVia := viaSpec()
	filteredVia.Where = "t.AMOUNT > 0"
	q, err = FilterQuery(filteredVia)
	add("where filter tried over no row (preflight), via table", q, err)
	// SDO_GEOMETRY is read as WKB, its SDO_SRID selected last, after the
	// LOB lengths and the key.
	geoSpec := Spec{Owner: "PAY", Table: "BRANCHES", LOBBound: 1 << 20,
		Columns: []Col{
			{Name: "BRANCH_ID", Type: num(9, 0)},
			{Name: "LOCATION", Type: Type{Name: "MDSYS.SDO_GEOMETRY"}},
			{Name: "NOTES", Type: Type{Name: "CLOB"}},
			{Name: "AREA", Type: Type{Name: "SDO_GEOMETRY"}},
		},
		Key: []Col{{Name: "BRANCH_ID", Type: num(9, 0)}},
		SCN: 123456789}
	q, err = ExtractQuery(geoSpec, nil, []string{"1"}, []string{"100"})
	add("extract: SDO_GEOMETRY as WKB, SRIDs last", q, err)
	golden(t, "queries.sql", b.String())
}

func TestTenantFilterOver1000(t *testing.T) {
	s := fixtureSpec()
	ids := make([]string, 2500)
	for i := range ids {
		ids[i] = "1"
	}
	q, err := SizeQuery(s, ids)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(q.SQL, " IN ("); n != 3 {
		t.Fatalf("%d IN lists, want 3", n)
	}
	if len(q.Args) != 2500 {
		t.Fatalf("%d binds", len(q.Args))
	}
}

func TestQueriesRejectBadNames(t *testing.T) {
	s := fixtureSpec()
	s.Table = `X" OR 1=1 --`
	if _, err := ExtractQuery(s, nil, nil, nil); err == nil {
		t.Fatal("a name with a double quote was accepted")
	}
	s = fixtureSpec()
	if _, err := ExtractQuery(s, nil, []string{"1", "2"}, nil); err == nil {
		t.Fatal("a bound with the wrong arity was accepted")
	}
}

func TestMergeExtents(t *testing.T) {
	es := []Extent{{"a", "b", 8, false}, {"c", "d", 8, false}, {"e", "f", 128, false}, {"g", "h", 8, false}}
	got := MergeExtents(es, 16)
	want := []RowidRange{{"a", "d"}, {"e", "f"}, {"g", "h"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestExtentBoundaries(t *testing.T) {
	es := []Extent{{"a", "b", 8, false}, {"c", "d", 8, false}, {"e", "f", 128, false}, {"g", "h", 8, false}, {"i", "j", 8, false}}
	// 1,000 rows in 160 blocks: 6.25 a block, so 100 rows take 16 blocks.
	got, ok := ExtentBoundaries(es, 1000, 160, 100)
	if !ok {
		t.Fatal("not ok")
	}
	want := [][]string{{"e"}, {"g"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v (chunks a-d, e-f, g-j)", got, want)
	}
	// A step under one block's rows cuts at every extent.
	if got, _ := ExtentBoundaries(es, 1000, 160, 1); len(got) != len(es)-1 {
		t.Fatalf("one chunk per extent: %v", got)
	}
	// One chunk: no inner boundary.
	if got, ok := ExtentBoundaries(es, 1000, 160, 1_000_000); !ok || len(got) != 0 {
		t.Fatalf("one chunk: %v %v", got, ok)
	}
	// No statistics, or no extents: the caller numbers the rows instead.
	for _, c := range []struct{ rows, blocks int64 }{{0, 160}, {1000, 0}} {
		if _, ok := ExtentBoundaries(es, c.rows, c.blocks, 100); ok {
			t.Fatalf("%+v: ok without statistics", c)
		}
	}
	if _, ok := ExtentBoundaries(nil, 1000, 160, 100); ok {
		t.Fatal("ok without extents")
	}
	// A bigfile tablespace's rowids are not built from RELATIVE_FNO: the
	// ranges would be wrong, so the rows are numbered instead.
	big := append([]Extent{}, es...)
	big[1].Bigfile = true
	if _, ok := ExtentBoundaries(big, 1000, 160, 100); ok {
		t.Fatal("ok for extents in a bigfile tablespace")
	}
}

func TestEncodeKey(t *testing.T) {
	cases := []struct {
		typ  Type
		in   any
		want string
	}{
		{num(10, 0), "42", "42"},
		{num(12, 2), "-.5", "-0.5"},
		{Type{Name: "RAW", Length: 4}, []byte{0, 0xab}, "00AB"},
		{Type{Name: "DATE"}, mustTime("2024-01-02T03:04:05Z"), "2024-01-02 03:04:05"},
		{Type{Name: "TIMESTAMP", Frac: 9}, mustTime("2024-01-02T03:04:05.123456789Z"), "2024-01-02 03:04:05.123456789"},
		{Type{Name: "TIMESTAMP WITH TIME ZONE", Frac: 6}, mustTime("2024-01-02T03:04:05.5+02:00"), "2024-01-02 03:04:05.500000000 +02:00"},
		{Type{Name: "VARCHAR2", Length: 10}, "ab c", "ab c"},
		{Type{Name: "VARCHAR2", Length: 10}, "ab  ", "ab  "},
		// CHAR comes back blank-padded; its tenant id is the config's 'ab'.
		{Type{Name: "CHAR", Length: 5}, "ab   ", "ab"},
		{Type{Name: "NCHAR", Length: 3}, "é  ", "é"},
	}
	for _, c := range cases {
		got, err := EncodeKey(c.typ, c.in)
		if err != nil || got != c.want {
			t.Errorf("EncodeKey(%s, %v) = %q, %v; want %q", c.typ, c.in, got, err, c.want)
		}
	}
	if _, err := EncodeKey(num(10, 0), nil); err == nil {
		t.Error("a NULL key was encoded")
	}
}

// TestUROWIDSelect: a logical rowid of an index-organized table is longer
// than ROWIDTOCHAR's 18 characters; it is read whole through a cast.
func TestUROWIDSelect(t *testing.T) {
	c := Col{Name: "R", Type: Type{Name: "UROWID", Length: 4000}}
	if got := c.selectExpr("t"); got != `CAST(t."R" AS VARCHAR2(4000))` {
		t.Fatalf("UROWID read as %s", got)
	}
	if got := (Col{Name: "R", Type: Type{Name: "ROWID"}}).selectExpr("t"); got != `ROWIDTOCHAR(t."R")` {
		t.Fatalf("ROWID read as %s", got)
	}
}
