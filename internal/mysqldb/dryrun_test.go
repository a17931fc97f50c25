package mysqldb

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTargetColumnCheck(t *testing.T) {
	vc := targetColumn{name: "name", dataType: "varchar", columnType: "varchar(5)", maxChars: 5, maxOctets: 20}
	dec := targetColumn{dataType: "decimal", precision: 5, scale: 2, nullable: true}
	for _, tc := range []struct {
		c    targetColumn
		v    []byte
		want string // "" or a part of the message
	}{
		{vc, []byte("héllo"), ""},
		{vc, []byte("héllo!"), "6 characters, the column holds 5"},
		{vc, []byte{0xff, 'a'}, "not valid UTF-8"},
		{vc, nil, "NULL in a NOT NULL column"},
		{targetColumn{dataType: "int", nullable: false, autoInc: true}, nil, ""},
		{targetColumn{dataType: "text", maxOctets: 3}, []byte("abcd"), "4 bytes"},
		{targetColumn{dataType: "varbinary", maxOctets: 2}, []byte{0, 0, 0}, "3 bytes"},
		{targetColumn{dataType: "tinyint"}, []byte("127"), ""},
		{targetColumn{dataType: "tinyint"}, []byte("128"), "range"},
		{targetColumn{dataType: "tinyint"}, []byte("-128"), ""},
		{targetColumn{dataType: "smallint", columnType: "smallint(5) unsigned"}, []byte("65535"), ""},
		{targetColumn{dataType: "smallint", columnType: "smallint(5) unsigned"}, []byte("-1"), "range"},
		{targetColumn{dataType: "bigint", columnType: "bigint(20) unsigned"}, []byte("18446744073709551615"), ""},
		{targetColumn{dataType: "bigint"}, []byte("9223372036854775808"), "range"},
		{dec, []byte("123.45"), ""},
		{dec, []byte("-0123.4500"), ""},
		{dec, []byte("1234.5"), "4 integer digits, the column holds 3"},
		{dec, []byte("1.234"), "3 fraction digits"},
		{dec, []byte("1e3"), "not a decimal"},
		{targetColumn{dataType: "datetime"}, []byte("whatever"), ""}, // not checked: rollback proves it
	} {
		got := tc.c.check(tc.v)
		if tc.want == "" {
			require.Empty(t, got, "%q into %+v", tc.v, tc.c)
		} else {
			require.Contains(t, got, tc.want, "%q into %+v", tc.v, tc.c)
		}
	}
}
