package oracle

import (
	"testing"

	"github.com/cutover/cutover/internal/catalog"
)

func num(p, s int) Type {
	return Type{Name: "NUMBER", Precision: p, Scale: s, HasPrecision: true, HasScale: true}
}

func TestMap(t *testing.T) {
	cases := []struct {
		name string
		in   Type
		out  string
		kind catalog.Kind
		loss Loss
	}{
		{"number(2,0)", num(2, 0), "TINYINT", catalog.KindInt, Exact},
		{"number(3,0)", num(3, 0), "SMALLINT", catalog.KindInt, Exact},
		{"number(4,0)", num(4, 0), "SMALLINT", catalog.KindInt, Exact},
		{"number(5,0)", num(5, 0), "INT", catalog.KindInt, Exact},
		{"number(9,0)", num(9, 0), "INT", catalog.KindInt, Exact},
		{"number(10,0)", num(10, 0), "BIGINT", catalog.KindInt, Exact},
		{"number(18,0)", num(18, 0), "BIGINT", catalog.KindInt, Exact},
		{"number(19,0)", num(19, 0), "DECIMAL(19,0)", catalog.KindDecimal, Exact},
		{"number(38,0)", num(38, 0), "DECIMAL(38,0)", catalog.KindDecimal, Exact},
		{"number(10) no scale", Type{Name: "NUMBER", Precision: 10, HasPrecision: true}, "BIGINT", catalog.KindInt, Exact},
		{"number(5,-2)", num(5, -2), "INT", catalog.KindInt, Exact},
		{"number(12,2)", num(12, 2), "DECIMAL(12,2)", catalog.KindDecimal, Exact},
		{"number(3,5)", num(3, 5), "DECIMAL(5,5)", catalog.KindDecimal, Exact},
		{"number(38,35)", num(38, 35), "DECIMAL(33,30)", catalog.KindDecimal, Lossy},
		{"number(*,0)", Type{Name: "NUMBER", HasScale: true}, "DECIMAL(38,0)", catalog.KindDecimal, Exact},
		{"bare number", Type{Name: "NUMBER"}, "DECIMAL(65,30)", catalog.KindDecimal, Lossy},
		{"integer", Type{Name: "INTEGER"}, "DECIMAL(38,0)", catalog.KindDecimal, Exact},
		{"float", Type{Name: "FLOAT"}, "DOUBLE", catalog.KindFloat, Lossy},
		{"float(40)", Type{Name: "FLOAT", Precision: 40, HasPrecision: true}, "DOUBLE", catalog.KindFloat, Exact},
		{"binary_float", Type{Name: "BINARY_FLOAT"}, "FLOAT", catalog.KindFloat, Lossy},
		{"binary_double", Type{Name: "BINARY_DOUBLE"}, "DOUBLE", catalog.KindFloat, Lossy},
		{"date", Type{Name: "DATE"}, "DATETIME", catalog.KindTime, Judgement},
		{"timestamp(0)", Type{Name: "TIMESTAMP", Frac: 0}, "DATETIME", catalog.KindTime, Exact},
		{"timestamp(3)", Type{Name: "TIMESTAMP", Frac: 3}, "DATETIME(3)", catalog.KindTime, Exact},
		{"timestamp(6)", Type{Name: "TIMESTAMP", Frac: 6}, "DATETIME(6)", catalog.KindTime, Exact},
		{"timestamp(9)", Type{Name: "TIMESTAMP", Frac: 9}, "DATETIME(6)", catalog.KindTime, Lossy},
		{"timestamp tz", Type{Name: "TIMESTAMP WITH TIME ZONE", Frac: 6}, "DATETIME(6)", catalog.KindTime, Lossy},
		{"timestamp ltz", Type{Name: "TIMESTAMP WITH LOCAL TIME ZONE", Frac: 6}, "DATETIME(6)", catalog.KindTime, Lossy},
		{"varchar2 byte", Type{Name: "VARCHAR2", Length: 100}, "VARCHAR(100)", catalog.KindString, Exact},
		{"varchar2 char", Type{Name: "VARCHAR2", Length: 100, CharSemantics: true}, "VARCHAR(100)", catalog.KindString, Exact},
		{"nvarchar2", Type{Name: "NVARCHAR2", Length: 50, CharSemantics: true}, "VARCHAR(50)", catalog.KindString, Exact},
		{"varchar2 extended", Type{Name: "VARCHAR2", Length: 32767}, "MEDIUMTEXT", catalog.KindString, Judgement},
		{"char", Type{Name: "CHAR", Length: 3}, "CHAR(3)", catalog.KindString, Judgement},
		{"nchar", Type{Name: "NCHAR", Length: 10, CharSemantics: true}, "CHAR(10)", catalog.KindString, Judgement},
		{"char 2000", Type{Name: "CHAR", Length: 2000}, "VARCHAR(2000)", catalog.KindString, Judgement},
		{"clob", Type{Name: "CLOB"}, "LONGTEXT", catalog.KindString, Exact},
		{"nclob", Type{Name: "NCLOB"}, "LONGTEXT", catalog.KindString, Exact},
		{"long", Type{Name: "LONG"}, "LONGTEXT", catalog.KindString, Judgement},
		{"blob", Type{Name: "BLOB"}, "LONGBLOB", catalog.KindBinary, Exact},
		{"long raw", Type{Name: "LONG RAW"}, "LONGBLOB", catalog.KindBinary, Judgement},
		{"raw(16)", Type{Name: "RAW", Length: 16}, "VARBINARY(16)", catalog.KindBinary, Exact},
		{"rowid", Type{Name: "ROWID"}, "VARCHAR(18) CHARACTER SET ascii COLLATE ascii_bin", catalog.KindString, Judgement},
		{"urowid", Type{Name: "UROWID", Length: 4000}, "VARCHAR(4000) CHARACTER SET ascii COLLATE ascii_bin", catalog.KindString, Judgement},
		{"interval ym", Type{Name: "INTERVAL YEAR TO MONTH", Lead: 2}, "VARCHAR(16) CHARACTER SET ascii", catalog.KindString, Judgement},
		{"interval ds", Type{Name: "INTERVAL DAY TO SECOND", Lead: 2, Frac: 6}, "VARCHAR(32) CHARACTER SET ascii", catalog.KindString, Judgement},
		{"xmltype", Type{Name: "XMLTYPE"}, "LONGTEXT", catalog.KindString, Judgement},
		{"json", Type{Name: "JSON"}, "JSON", catalog.KindString, Judgement},
		{"boolean", Type{Name: "BOOLEAN"}, "TINYINT(1)", catalog.KindInt, Exact},
		{"sdo_geometry", Type{Name: "SDO_GEOMETRY"}, "GEOMETRY", catalog.KindBinary, Judgement},
		{"mdsys.sdo_geometry", Type{Name: "MDSYS.SDO_GEOMETRY"}, "GEOMETRY", catalog.KindBinary, Judgement},
		{"bfile unsupported", Type{Name: "BFILE"}, "", catalog.KindOther, Lossy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := Map(c.in, "")
			if m.MySQL != c.out || m.Kind != c.kind || m.Loss != c.loss {
				t.Fatalf("Map(%s) = %q %v %v, want %q %v %v", c.in, m.MySQL, m.Kind, m.Loss, c.out, c.kind, c.loss)
			}
			if (m.Loss != Exact) != (m.Comment != "") {
				t.Fatalf("Map(%s): loss %v with comment %q: every non-exact mapping needs a comment, exact ones none", c.in, m.Loss, m.Comment)
			}
		})
	}
}

func TestTypeFromDictionary(t *testing.T) {
	cases := []struct {
		dataType            string
		length, prec, scale int64
		charLen             int64
		charUsed            string
		want                string
	}{
		{"NUMBER", 22, 10, 0, 0, "", "NUMBER(10,0)"},
		{"SDO_GEOMETRY", 1, -1, -1, 0, "", "SDO_GEOMETRY"},
		{"NUMBER", 22, -1, -1, 0, "", "NUMBER"},
		{"NUMBER", 22, -1, 0, 0, "", "NUMBER(*,0)"},
		{"VARCHAR2", 400, -1, -1, 100, "C", "VARCHAR2(100 CHAR)"},
		{"VARCHAR2", 400, -1, -1, 400, "B", "VARCHAR2(400 BYTE)"},
		{"NVARCHAR2", 200, -1, -1, 100, "C", "NVARCHAR2(100)"},
		{"TIMESTAMP(9)", 11, -1, 9, 0, "", "TIMESTAMP(9)"},
		{"TIMESTAMP(6) WITH TIME ZONE", 13, -1, 6, 0, "", "TIMESTAMP(6) WITH TIME ZONE"},
		{"INTERVAL DAY(3) TO SECOND(2)", 11, 3, 2, 0, "", "INTERVAL DAY(3) TO SECOND(2)"},
		{"INTERVAL YEAR(4) TO MONTH", 5, 4, 0, 0, "", "INTERVAL YEAR(4) TO MONTH"},
		{"RAW", 16, -1, -1, 0, "", "RAW(16)"},
		{"FLOAT", 22, 126, -1, 0, "", "FLOAT(126)"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			got := TypeFromDictionary(c.dataType, c.length, c.prec, c.scale, c.charLen, c.charUsed).String()
			if got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
