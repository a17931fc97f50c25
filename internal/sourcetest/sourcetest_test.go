package sourcetest

import (
	"bytes"
	"testing"
)

// TestRowsFixture checks the fixture has the shape the suite's checks rely on.
func TestRowsFixture(t *testing.T) {
	rows := Rows()
	per := map[int64]int{}
	var maxGap, minGap int64 = 0, 1 << 62
	for i, r := range rows {
		per[r.Tenant]++
		if i > 0 {
			gap := r.ID - rows[i-1].ID
			if gap <= 0 {
				t.Fatalf("ids not ascending at %d: %d after %d", i, r.ID, rows[i-1].ID)
			}
			maxGap, minGap = max(maxGap, gap), min(minGap, gap)
		}
		if r.At.Nanosecond()%1000 != 0 || r.At.Location().String() != "UTC" {
			t.Errorf("row %d: time %v is not whole microseconds in UTC", i, r.At)
		}
	}
	if per[BigTenant] != bigRows || per[HostileTenant] != len(HostileNames()) || per[TinyTenant] != 3 {
		t.Errorf("rows per tenant = %v", per)
	}
	if maxGap < 1<<30 || minGap > 3 {
		t.Errorf("ids are not sparse and uneven: gaps from %d to %d", minGap, maxGap)
	}
	var all, empty, null, emptyName, nullName bool
	for _, r := range rows {
		all = all || bytes.Equal(r.Data, AllBytes())
		empty = empty || (r.Data != nil && len(r.Data) == 0)
		null = null || (r.Tenant == HostileTenant && r.Data == nil)
		emptyName = emptyName || (r.Name != nil && *r.Name == "")
		nullName = nullName || (r.Tenant == HostileTenant && r.Name == nil)
	}
	if !all || !empty || !null || !emptyName || !nullName {
		t.Errorf("hostile values missing: all bytes %v, empty blob %v, NULL blob %v, empty name %v, NULL name %v", all, empty, null, emptyName, nullName)
	}
	if again := Rows(); len(again) != len(rows) || again[500].ID != rows[500].ID {
		t.Error("Rows is not deterministic")
	}
}
