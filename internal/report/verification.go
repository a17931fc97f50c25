package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNotVerifyOutput says a file given to the report is not what
// `cutover verify --json` writes, in either of its modes.
var ErrNotVerifyOutput = errors.New("not the output of `cutover verify --json` (counts or --checksum)")

// maxDetail is how many differences the report lists one by one.
const maxDetail = 20

// ParseVerification reads the output of `cutover verify --json`: the counts
// mode ({"equal", "differences"}) or the content mode ({"ready",
// "readiness", "counts", "batches_differ"}). A content result is equal when
// every tenant is ready; its differences are the count differences, then the
// batches whose content differs, then the tenants that are not ready.
func ParseVerification(raw []byte) (*Verification, error) {
	var v struct {
		Equal       *bool             `json:"equal"`
		Differences []json.RawMessage `json:"differences"`
		Ready       *bool             `json:"ready"`
		Counts      *struct {
			Equal       bool              `json:"equal"`
			Differences []json.RawMessage `json:"differences"`
		} `json:"counts"`
		Differ    []json.RawMessage `json:"batches_differ"`
		Readiness []struct {
			Tenant  string   `json:"tenant"`
			Ready   bool     `json:"ready"`
			Reasons []string `json:"reasons"`
		} `json:"readiness"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, ErrNotVerifyOutput
	}
	out := &Verification{}
	add := func(s string) {
		out.Differences++
		if len(out.Detail) < maxDetail {
			out.Detail = append(out.Detail, s)
		}
	}
	switch {
	case v.Ready != nil:
		out.Mode = "content (--checksum)"
		out.Equal = *v.Ready
		if v.Counts != nil {
			for _, d := range v.Counts.Differences {
				add("counts: " + string(d))
			}
		}
		for _, d := range v.Differ {
			add("content: " + string(d))
		}
		notReady := 0
		for _, r := range v.Readiness {
			if !r.Ready {
				notReady++
				if len(out.Detail) < maxDetail {
					out.Detail = append(out.Detail, fmt.Sprintf("tenant %s not ready: %s", r.Tenant, strings.Join(r.Reasons, "; ")))
				}
			}
		}
		out.NotReady = notReady
	case v.Equal != nil:
		out.Mode = "row counts"
		out.Equal = *v.Equal
		for _, d := range v.Differences {
			add(string(d))
		}
	default:
		return nil, ErrNotVerifyOutput
	}
	return out, nil
}
