package planner

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFingerprint(t *testing.T) {
	base := &Plan{Batches: []Batch{
		{ID: 1, Table: "orders", Tenants: []string{"1"}, Hi: []string{"100"}, Rows: 10, Bytes: 100},
		{ID: 2, Table: "config", Tenants: []string{}, Rows: 3, Bytes: 30},
	}}
	mutate := func(f func(p *Plan)) *Plan {
		var p Plan
		data, err := json.Marshal(base)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &p))
		f(&p)
		return &p
	}
	tests := []struct {
		name string
		p    *Plan
		same bool
	}{
		{"read back from JSON", mutate(func(*Plan) {}), true},
		{"nil tenants same as empty", mutate(func(p *Plan) { p.Batches[1].Tenants = nil }), true},
		{"different rows", mutate(func(p *Plan) { p.Batches[0].Rows++ }), false},
		{"different bound", mutate(func(p *Plan) { p.Batches[0].Hi = []string{"101"} }), false},
		{"different tenant", mutate(func(p *Plan) { p.Batches[0].Tenants = []string{"2"} }), false},
		{"swapped order", mutate(func(p *Plan) { p.Batches[0], p.Batches[1] = p.Batches[1], p.Batches[0] }), false},
		{"one batch less", mutate(func(p *Plan) { p.Batches = p.Batches[:1] }), false},
	}
	want := Fingerprint(base)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{16}$`), want)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.same {
				require.Equal(t, want, Fingerprint(tc.p))
			} else {
				require.NotEqual(t, want, Fingerprint(tc.p))
			}
		})
	}
	require.Equal(t, Fingerprint(nil), Fingerprint(&Plan{}), "no batches, however spelled")
}
