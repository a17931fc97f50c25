package oracle

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

func TestOracleTargets(t *testing.T) {
	info := &catalog.Info{Name: "MERCHANTS", Columns: []catalog.Column{{Name: "MERCHANT_ID"}, {Name: "EMAIL"}, {Name: "GONE"}}}
	cols := []migrate.TargetColumn{
		{Name: "merchant_id", Type: "int(11)", AutoIncrement: true},
		{Name: "email", Type: "varchar(255)", Nullable: true},
	}
	got := columnTargets(info, cols)
	require.Equal(t, map[string]Target{
		"MERCHANT_ID": {Type: "int(11)", NotNull: true, AutoIncrement: true},
		"EMAIL":       {Type: "varchar(255)"},
	}, got)
}

// TestOverrideTargets: for a target table `run --create-tables` creates,
// an overridden column is checked against the override's type, the others
// against the mapping's: a bare NUMBER whose values pass 1E35 fits
// DECIMAL(65,0) where the mapping's DECIMAL(65,30) refuses them; a
// VARCHAR2(320) fits the mapping's VARCHAR(320) but not VARCHAR(100).
func TestOverrideTargets(t *testing.T) {
	info := &catalog.Info{Name: "MERCHANTS", Columns: []catalog.Column{{Name: "RISK_SCORE"}, {Name: "EMAIL"}, {Name: "MERCHANT_ID"}, {Name: "FX_RATE"}}}
	cols := []Col{
		{Name: "RISK_SCORE", Type: Type{Name: "NUMBER"}},
		{Name: "EMAIL", Type: Type{Name: "VARCHAR2", Length: 320}},
		{Name: "MERCHANT_ID", Type: num(12, 0)},
		{Name: "FX_RATE", Type: Type{Name: "BINARY_DOUBLE"}},
	}
	override := map[string]string{"risk_score": "DECIMAL(65, 0)", "Email": "VARCHAR(100)", "MERCHANT_ID": " INT  UNSIGNED", "NOPE": "INT"}
	targets := overrideTargets(info, override)
	require.Equal(t, map[string]Target{
		"RISK_SCORE":  {Type: "decimal(65, 0)"},
		"EMAIL":       {Type: "varchar(100)"},
		"MERCHANT_ID": {Type: "int unsigned"},
	}, targets)
	require.Nil(t, overrideTargets(info, nil))

	plan := func(targets map[string]Target) []string {
		var out []string
		for _, ck := range PlanChecks(cols, targets, 0) {
			out = append(out, fmt.Sprintf("%s %s -> %s %d", ck.Kind, ck.Column.Name, ck.Target.Type, ck.Limit))
		}
		return out
	}
	require.Equal(t, []string{
		"number-digits RISK_SCORE -> decimal(65,30) 0",
		"int-range MERCHANT_ID -> bigint 0",
		"nan-infinity FX_RATE -> double 0",
	}, plan(nil), "the mapping's types")
	require.Equal(t, []string{
		"number-digits RISK_SCORE -> decimal(65, 0) 0",
		"string-length EMAIL -> varchar(100) 100",
		"int-range MERCHANT_ID -> int unsigned 0",
		"nan-infinity FX_RATE -> double 0",
	}, plan(targets), "the override's types")

	// A value of 41 integer digits: the mapping's DECIMAL(65,30) refuses it,
	// the override's DECIMAL(65,0) takes it (a word on the bare NUMBER).
	digits := func(target string, bad string) []Finding {
		ck := Check{Kind: CheckNumberDigits, Column: cols[0], Target: Target{Type: target}}
		fs, err := Interpret("MERCHANTS", []Check{ck}, []string{"10", bad, "41", "0"}, false)
		require.NoError(t, err)
		return fs
	}
	require.Contains(t, PlanChecks(cols[:1], nil, 0)[0].exprs()[0], ">= 1E35")
	require.Contains(t, PlanChecks(cols[:1], targets, 0)[0].exprs()[0], ">= 1E65")
	fs := digits("decimal(65,30)", "1")
	require.Len(t, fs, 1)
	require.Equal(t, Blocking, fs[0].Severity)
	require.Equal(t, "MERCHANTS", fs[0].Table)
	require.Equal(t, "RISK_SCORE", fs[0].Column)
	fs = digits("decimal(65, 0)", "0")
	require.Len(t, fs, 1)
	require.Equal(t, Info, fs[0].Severity)
}
