package oracle

import (
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
