package cli

import (
	"strings"
	"testing"
)

func TestWriteJSONIndents(t *testing.T) {
	var b strings.Builder
	if err := WriteJSON(&b, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "{\n  \"a\": 1\n}\n"; got != want {
		t.Errorf("WriteJSON = %q, want %q", got, want)
	}
}

func TestListAppendsAndRefusesBlank(t *testing.T) {
	var ids []string
	l := List{Values: &ids, What: "tenant id"}
	if err := l.Set("a"); err != nil {
		t.Fatal(err)
	}
	if err := l.Set("b"); err != nil {
		t.Fatal(err)
	}
	if err := l.Set("  "); err == nil || err.Error() != "empty tenant id" {
		t.Errorf("Set(blank) = %v, want empty tenant id", err)
	}
	if strings.Join(ids, ",") != "a,b" {
		t.Errorf("values = %v", ids)
	}
}
