package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestMatchName(t *testing.T) {
	cases := []struct {
		name  string
		cands []string
		want  string
		err   string
	}{
		{"merchants", []string{"MERCHANTS"}, "MERCHANTS", ""},
		{"MERCHANTS", []string{"merchants", "agents"}, "merchants", ""},
		{"Merchants", []string{"MERCHANTS", "merchants", "Merchants"}, "Merchants", ""},
		{"merchants", []string{"MERCHANTS", "Merchants"}, "", "ambiguous"},
		{"merchants", []string{"agents"}, "", "not found"},
	}
	for _, c := range cases {
		got, err := MatchName(c.name, c.cands)
		if c.err == "" && (err != nil || got != c.want) {
			t.Errorf("MatchName(%s, %v) = %q, %v; want %q", c.name, c.cands, got, err, c.want)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("MatchName(%s, %v) = %q, %v; want an error with %q", c.name, c.cands, got, err, c.err)
		}
	}
}

func TestMatchNameErrors(t *testing.T) {
	_, err := MatchName("x", nil)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("no match: %v, want ErrNotFound", err)
	}
	_, err = MatchName("id", []string{"ID", "Id"})
	var amb *AmbiguousError
	if !errors.As(err, &amb) || len(amb.Matches) != 2 {
		t.Fatalf("ambiguous: %v", err)
	}
	info := &Info{Columns: []Column{{Name: "AGENT_ID"}}, Indexed: map[string]bool{"AGENT_ID": true}}
	if c, err := info.FindColumn("agent_id"); err != nil || c.Name != "AGENT_ID" {
		t.Fatalf("FindColumn: %v %v", c, err)
	}
	if !info.LeadsIndex("agent_id") || info.LeadsIndex("merchant_id") {
		t.Fatal("LeadsIndex ignores case, and only that")
	}
}
