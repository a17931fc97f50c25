package oracle

import (
	"database/sql"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hx decodes hex written with spaces between the WKB fields.
func hx(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The WKB of each case is written field by field: byte order, type, counts,
// then each coordinate as an IEEE 754 double (1.0 is 3FF0000000000000 in
// big-endian, 000000000000F03F in little-endian; 2.0 is 4000000000000000).
func TestGeometryValue(t *testing.T) {
	srid4326 := sql.NullInt64{Int64: 4326, Valid: true}
	cases := []struct {
		name string
		srid sql.NullInt64
		wkb  string
		want string
	}{
		{"point little-endian, SRID 4326", srid4326,
			"01 01000000 000000000000F03F 0000000000000040",
			"E6100000 01 01000000 000000000000F03F 0000000000000040"},
		{"point big-endian rewritten little-endian", srid4326,
			"00 00000001 3FF0000000000000 4000000000000000",
			"E6100000 01 01000000 000000000000F03F 0000000000000040"},
		{"point, SRID 0", sql.NullInt64{Valid: true},
			"01 01000000 000000000000F03F 0000000000000040",
			"00000000 01 01000000 000000000000F03F 0000000000000040"},
		{"point, NULL SRID is 0", sql.NullInt64{},
			"00 00000001 3FF0000000000000 4000000000000000",
			"00000000 01 01000000 000000000000F03F 0000000000000040"},
		{"linestring (0 0, 1 1) little-endian", srid4326,
			"01 02000000 02000000 0000000000000000 0000000000000000 000000000000F03F 000000000000F03F",
			"E6100000 01 02000000 02000000 0000000000000000 0000000000000000 000000000000F03F 000000000000F03F"},
		{"linestring (0 0, 1 1) big-endian", srid4326,
			"00 00000002 00000002 0000000000000000 0000000000000000 3FF0000000000000 3FF0000000000000",
			"E6100000 01 02000000 02000000 0000000000000000 0000000000000000 000000000000F03F 000000000000F03F"},
		{"polygon ((0 0, 1 0, 1 1, 0 0)) little-endian", sql.NullInt64{Int64: 8307, Valid: true},
			"01 03000000 01000000 04000000 0000000000000000 0000000000000000 000000000000F03F 0000000000000000 000000000000F03F 000000000000F03F 0000000000000000 0000000000000000",
			"73200000 01 03000000 01000000 04000000 0000000000000000 0000000000000000 000000000000F03F 0000000000000000 000000000000F03F 000000000000F03F 0000000000000000 0000000000000000"},
		{"polygon ((0 0, 1 0, 1 1, 0 0)) big-endian", sql.NullInt64{Int64: 8307, Valid: true},
			"00 00000003 00000001 00000004 0000000000000000 0000000000000000 3FF0000000000000 0000000000000000 3FF0000000000000 3FF0000000000000 0000000000000000 0000000000000000",
			"73200000 01 03000000 01000000 04000000 0000000000000000 0000000000000000 000000000000F03F 0000000000000000 000000000000F03F 000000000000F03F 0000000000000000 0000000000000000"},
		{"multipoint of a big-endian point in a little-endian collection", srid4326,
			"01 04000000 01000000 00 00000001 3FF0000000000000 4000000000000000",
			"E6100000 01 04000000 01000000 01 01000000 000000000000F03F 0000000000000040"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := geometryValue(c.srid, hx(t, c.wkb))
			if err != nil {
				t.Fatal(err)
			}
			if want := hx(t, c.want); string(got) != string(want) {
				t.Fatalf("got  % X\nwant % X", got, want)
			}
		})
	}
	t.Run("NULL", func(t *testing.T) {
		got, err := geometryValue(srid4326, nil)
		if err != nil || got != nil {
			t.Fatalf("got %v, %v; want NULL", got, err)
		}
	})
}

func TestGeometryValueRefuses(t *testing.T) {
	cases := []struct {
		name, wkb, err string
		srid           sql.NullInt64
	}{
		{"bad byte order flag", "02 01000000 000000000000F03F 0000000000000040", "byte order flag 2", sql.NullInt64{}},
		{"unknown type", "01 08000000 00000000", "geometry type 8 is not a 2D OGC type", sql.NullInt64{}},
		{"3D point (ISO type 1001)", "01 E9030000 000000000000F03F 0000000000000040 0000000000000040", "geometry type 1001", sql.NullInt64{}},
		{"truncated point", "01 01000000 000000000000F03F", "truncated", sql.NullInt64{}},
		{"header only", "01 0100", "truncated", sql.NullInt64{}},
		{"linestring count beyond the value", "01 02000000 FFFFFFFF 0000000000000000", "truncated", sql.NullInt64{}},
		{"trailing bytes", "01 01000000 000000000000F03F 0000000000000040 00", "1 bytes after the end", sql.NullInt64{}},
		{"negative SRID", "01 01000000 000000000000F03F 0000000000000040", "SRID -1", sql.NullInt64{Int64: -1, Valid: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := geometryValue(c.srid, hx(t, c.wkb))
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got % X, %v; want an error with %q", got, err, c.err)
			}
		})
	}
}

// TestConvertRowGeometry: the SRID of each geometry column is read from the
// end of the row, after the LOB lengths and the key, and an error names the
// column and the row's key.
func TestConvertRowGeometry(t *testing.T) {
	sp := Spec{Owner: "O", Table: "T", LOBBound: 1 << 20,
		Key: []Col{{Name: "ID", Type: num(10, 0)}},
		Columns: []Col{
			{Name: "ID", Type: num(10, 0)},
			{Name: "G1", Type: Type{Name: "SDO_GEOMETRY"}},
			{Name: "C", Type: Type{Name: "CLOB"}},
			{Name: "G2", Type: Type{Name: "MDSYS.SDO_GEOMETRY"}},
		}}
	cv := converters{empty: make([]bool, len(sp.Columns))}
	for _, c := range sp.Columns {
		cv.maps = append(cv.maps, Map(c.Type, ""))
	}
	point := hx(t, "00 00000001 3FF0000000000000 4000000000000000")
	// id, g1, c, g2; the length of c; the key; the SRIDs of g1 and g2.
	vals := []any{"7", point, "x", []byte{}, "1", "7", "4326", nil}
	out := make([][]byte, len(sp.Columns))
	if err := convertRow(&sp, cv, vals, out, time.UTC, sp.LOBBound); err != nil {
		t.Fatal(err)
	}
	if want := hx(t, "E6100000 01 01000000 000000000000F03F 0000000000000040"); string(out[1]) != string(want) {
		t.Errorf("G1: got % X, want % X", out[1], want)
	}
	if string(out[2]) != "x" || out[3] != nil {
		t.Errorf("C, G2: got %q, %v; want \"x\", NULL", out[2], out[3])
	}
	vals = []any{"8", hx(t, "01 09000000"), "x", nil, "1", "8", "0", nil}
	err := convertRow(&sp, cv, vals, out, time.UTC, sp.LOBBound)
	if err == nil || !strings.Contains(err.Error(), "column G1, key (ID=8): WKB geometry: geometry type 9") {
		t.Fatalf("got %v", err)
	}
	// A geometry is held whole: over the bound it fails, it is not streamed.
	vals = []any{"9", point, "x", nil, "1", "9", "4326", nil}
	err = convertRow(&sp, cv, vals, out, time.UTC, 16)
	if err == nil || !strings.Contains(err.Error(), "column G1, key (ID=9): a SDO_GEOMETRY value of 25 bytes exceeds source.lob_max_bytes (16 bytes)") {
		t.Fatalf("got %v", err)
	}
}

// TestPreflightGeometry: a geometry column is checked for values that are
// not 2D and, bound for a narrower spatial type, for values of other types;
// bound for a non-spatial column it is refused.
func TestPreflightGeometry(t *testing.T) {
	g := Col{Name: "G", Type: Type{Name: "SDO_GEOMETRY"}}
	cases := []struct {
		name   string
		target map[string]Target
		exprs  []string
		row    []string
		want   []string // Check, Rows, Example, Message of each finding
	}{
		{"created GEOMETRY", nil,
			[]string{`COUNT(CASE WHEN TRUNC(t."G".SDO_GTYPE / 100) <> 20 THEN 1 END)`, `MIN(CASE WHEN TRUNC(t."G".SDO_GTYPE / 100) <> 20 THEN t."G".SDO_GTYPE END)`},
			[]string{"10", "2", "3001"},
			[]string{"spatial-fit 2 3001 2 geometries are not 2D (SDO_GTYPE 3001, 3D or with a measure): MySQL spatial columns take 2D geometries only, and the copy refuses them"}},
		{"all 2D into GEOMETRY", nil, nil, []string{"10", "0", ""}, nil},
		{"into POINT", map[string]Target{"G": {Type: "point"}},
			[]string{`COUNT(CASE WHEN TRUNC(t."G".SDO_GTYPE / 100) <> 20 THEN 1 END)`, `MIN(CASE WHEN TRUNC(t."G".SDO_GTYPE / 100) <> 20 THEN t."G".SDO_GTYPE END)`,
				`COUNT(CASE WHEN MOD(t."G".SDO_GTYPE, 100) <> 1 THEN 1 END)`, `MIN(CASE WHEN MOD(t."G".SDO_GTYPE, 100) <> 1 THEN t."G".SDO_GTYPE END)`},
			[]string{"10", "0", "", "3", "2002"},
			[]string{"spatial-fit 3 2002 3 geometries are not of the target's type POINT (SDO_GTYPE 2002, say): widen the column to GEOMETRY"}},
		{"into BLOB", map[string]Target{"G": {Type: "longblob"}}, nil, []string{"10", "0", ""},
			[]string{"spatial-fit 0  SDO_GEOMETRY bound for target type longblob: a geometry copies only into a spatial column; change the target column's type"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checks := PlanChecks([]Col{g}, c.target, 0)
			if len(checks) != 1 || checks[0].Kind != CheckGeometry {
				t.Fatalf("checks %+v, want one %s", checks, CheckGeometry)
			}
			if c.exprs != nil && strings.Join(checks[0].exprs(), "\n") != strings.Join(c.exprs, "\n") {
				t.Fatalf("exprs\n%s\nwant\n%s", strings.Join(checks[0].exprs(), "\n"), strings.Join(c.exprs, "\n"))
			}
			fs, err := Interpret("T", checks, c.row, false)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				if f.Severity != Blocking {
					t.Errorf("%+v is not blocking", f)
				}
				got = append(got, f.Check+" "+strconv.FormatInt(f.Rows, 10)+" "+f.Example+" "+f.Message)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
