package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Fingerprint identifies a plan's batches: every worker compares it with the
// ledger's before claiming work, so a host with a different plan (or binary
// that plans differently) cannot join the run. It is the first 16 hex digits of
// the SHA-256 of the batches' JSON, where a nil list and an empty one are the
// same, so a plan read back from JSON keeps its fingerprint.
func Fingerprint(p *Plan) string {
	batches := []Batch{}
	if p != nil {
		batches = make([]Batch, len(p.Batches))
		copy(batches, p.Batches)
	}
	for i := range batches {
		if batches[i].Tenants == nil {
			batches[i].Tenants = []string{}
		}
	}
	data, err := json.Marshal(batches)
	if err != nil {
		// A Batch holds only strings and integers: Marshal cannot fail.
		panic("planner: marshal batches: " + err.Error())
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:16]
}
