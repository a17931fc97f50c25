package testdb

import (
	"context"
	"testing"
	"time"
)

func TestStartCreateDrop(t *testing.T) {
	start := time.Now()
	s := StartT(t)
	t.Logf("server up in %s", time.Since(start))
	name, _ := s.NewDatabase(t, "probe")
	db, err := s.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(context.Background(), "SELECT DATABASE()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != name {
		t.Fatalf("connected to %q, want %q", v, name)
	}
}
