package config

import "github.com/cutover/cutover/migrate"

// ResolveSpec is the configured tables as the plain values migrate.Resolve
// checks: the one place the YAML shape becomes the engine's options.
func (c *Config) ResolveSpec() migrate.Spec {
	s := migrate.Spec{TenantColumn: c.Tenant.Column}
	for _, tc := range c.Tables {
		s.Tables = append(s.Tables, migrate.TableSpec{Name: tc.Name, Target: tc.Target, Key: tc.Key, Shared: tc.Tenant.None,
			Ranged: tc.Ranged(), BatchingSet: tc.Batching != "", Via: tc.Tenant.Via, On: tc.Tenant.On, ParentOn: tc.Tenant.Parent, Exclude: tc.Exclude, Where: tc.Where, Override: tc.Override})
	}
	return s
}

// TableNames are the names of the configured tables, in config order.
func (c *Config) TableNames() []string {
	names := make([]string, len(c.Tables))
	for i, t := range c.Tables {
		names[i] = t.Name
	}
	return names
}
