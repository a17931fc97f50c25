package mysqltype

import "testing"

func TestShape(t *testing.T) {
	base, args, unsigned := Shape("DECIMAL(12, 2) unsigned zerofill")
	if base != "decimal" || len(args) != 2 || args[0] != 12 || args[1] != 2 || !unsigned {
		t.Fatalf("got %s %v %v", base, args, unsigned)
	}
	if base, args, _ := Shape("longtext"); base != "longtext" || args != nil {
		t.Fatalf("got %s %v", base, args)
	}
}

func TestIntBounds(t *testing.T) {
	for _, c := range []struct{ typ, lo, hi string }{
		{"tinyint(4)", "-128", "127"},
		{"tinyint(3) unsigned", "0", "255"},
		{"mediumint(9)", "-8388608", "8388607"},
		{"int(11)", "-2147483648", "2147483647"},
		{"bigint(20) unsigned", "0", "18446744073709551615"},
		{"bigint", "-9223372036854775808", "9223372036854775807"},
	} {
		lo, hi, ok := IntBounds(c.typ)
		if !ok || lo.String() != c.lo || hi.String() != c.hi {
			t.Errorf("%s: %v..%v %v, want %s..%s", c.typ, lo, hi, ok, c.lo, c.hi)
		}
	}
	if _, _, ok := IntBounds("decimal(10,0)"); ok {
		t.Error("decimal taken for an integer")
	}
}

func TestCapacities(t *testing.T) {
	if ByteCap("MEDIUMBLOB") != 16777215 || ByteCap("varchar") != 0 || ByteCap("longtext") != 4294967295 {
		t.Error("ByteCap")
	}
	for typ, want := range map[string]int{"varchar(100)": 100, "char(3)": 3, "text": 16383, "tinytext": 63, "longtext": 0, "int(11)": 0} {
		if got := MaxChars(typ); got != want {
			t.Errorf("MaxChars(%s) = %d, want %d", typ, got, want)
		}
	}
	if Quote("a`b") != "`a``b`" {
		t.Error("Quote")
	}
}

func TestNormal(t *testing.T) {
	for in, want := range map[string]string{
		"VARCHAR(20)":       "varchar(20)",
		" BIGINT  UNSIGNED": "bigint unsigned",
		"DECIMAL (18, 4)":   "decimal(18, 4)",
		"int(11)":           "int(11)",
	} {
		if got := Normal(in); got != want {
			t.Errorf("Normal(%q) = %q, want %q", in, got, want)
		}
	}
	if lo, hi, ok := IntBounds(Normal("SMALLINT UNSIGNED")); !ok || lo.String() != "0" || hi.String() != "65535" {
		t.Errorf("SMALLINT UNSIGNED: %v..%v %v", lo, hi, ok)
	}
}
