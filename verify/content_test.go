package verify

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

func TestReadinessGroups(t *testing.T) {
	tables := []*catalog.Table{{Name: "orders"}, {Name: "currencies", Shared: true}}
	batches := []*checkpoint.Batch{
		{ID: 1, Table: "orders", Tenants: []string{"10", "2"}},
		{ID: 2, Table: "currencies"},
		{ID: 3, Table: "gone", Tenants: []string{"99"}}, // not in the config: no group
	}
	for _, tc := range []struct {
		name      string
		tables    []*catalog.Table
		requested []string
		want      []string
		unknown   string
	}{
		{name: "every group of the plan, shared last", tables: tables, want: []string{"2", "10", SharedGroup}},
		{name: "the requested ones, once each", tables: tables, requested: []string{"10", "10", "2"}, want: []string{"10", "2"}},
		{name: "a tenant in no batch", tables: tables, requested: []string{"3"}, unknown: "3"},
		{name: "the shared group is not a tenant", tables: tables, requested: []string{SharedGroup}, unknown: SharedGroup},
		{name: "a ranged table: the counts decide", tables: append(tables, &catalog.Table{Name: "events", Ranged: true}), requested: []string{"3"}, want: []string{"3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readinessGroups(tc.tables, batches, tc.requested)
			if tc.unknown != "" {
				var u *UnknownTenantError
				require.True(t, errors.As(err, &u), "%v", err)
				require.Equal(t, tc.unknown, u.Tenant)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestCountGroupsAndUnknownTenants(t *testing.T) {
	tables := map[string]*catalog.Table{"orders": {Name: "orders"}, "currencies": {Name: "currencies", Shared: true}}
	counts := &Report{
		Seen:        []string{"2", "5"},
		Differences: []Diff{{Table: "orders", Tenant: "7"}, {Table: "currencies", Tenant: ""}},
	}
	require.Equal(t, []string{"2", "5", "7", SharedGroup}, withCountGroups([]string{"2", SharedGroup}, tables, counts))

	batches := []*checkpoint.Batch{{Table: "orders", Tenants: []string{"1"}}}
	require.NoError(t, unknownTenant(batches, []string{"1", "5"}, counts), "in a batch, or seen by the counts")
	err := unknownTenant(batches, []string{"1", "8"}, counts)
	var u *UnknownTenantError
	require.True(t, errors.As(err, &u))
	require.Equal(t, `tenant "8": no batch of the plan holds this tenant and no table has rows of it`, err.Error())
}
