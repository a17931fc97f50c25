package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Cluster holds the settings every process of a run must share: they bound the
// run as a whole, not one process, so the ledger refuses a process whose
// settings differ (see RunFingerprint).
type Cluster struct {
	// MaxWorkers bounds the batches in flight across all processes of the
	// run; 0 means no bound beyond each process's workers.
	MaxWorkers int `yaml:"max_workers"`
	// MaxFailed is the error budget: when more batches than this have failed,
	// the whole run halts on every host. -1 (the key absent) means no budget.
	MaxFailed    int  `yaml:"-"`
	MaxFailedSet *int `yaml:"max_failed_batches"`
	// StopFile, when it exists, stops this process like `cutover stop` (its
	// content "now" like `cutover stop --now`): the kill switch for when the
	// database that carries the controls cannot be reached.
	StopFile string   `yaml:"stop_file"`
	Throttle Throttle `yaml:"throttle"`
}

// Throttle protects the production source and the new target.
type Throttle struct {
	// RowsPerSecond and MBPerSecond limit the whole run; each live process
	// takes an equal share. 0 means no limit.
	RowsPerSecond float64 `yaml:"rows_per_second"`
	MBPerSecond   float64 `yaml:"mb_per_second"`
	// Every is how often the probes run (default 5s).
	Every  Duration `yaml:"every"`
	Probes []Probe  `yaml:"probes"`
}

// Probe metrics.
const (
	ProbeThreadsRunning = "threads_running"
	ProbeReplicaLag     = "replica_lag"
	ProbeSQL            = "sql"
)

// Probe is a load check: while its value is above Max, no worker starts a
// new batch.
type Probe struct {
	Name   string  `yaml:"name"`
	On     string  `yaml:"on"`     // source or target
	Metric string  `yaml:"metric"` // threads_running, replica_lag or sql
	SQL    string  `yaml:"sql"`    // for metric sql: a query returning one number
	Max    float64 `yaml:"max"`
}

// OnEvent names the command and/or webhook told about run events.
type OnEvent struct {
	// Command is run with the event's JSON payload on its stdin.
	Command []string `yaml:"command"`
	// Webhook receives the payload as an HTTP POST.
	Webhook string   `yaml:"webhook"`
	Timeout Duration `yaml:"timeout"`
}

// Limits of the cluster settings.
const (
	MaxProbes         = 32
	MaxRunWorkers     = 4096
	MaxAlertTimeout   = 5 * time.Minute
	MinProbeInterval  = 500 * time.Millisecond
	defaultProbeEvery = 5 * time.Second
)

func (c *Config) clusterDefaults() {
	c.Run.MaxFailed = -1
	if c.Run.MaxFailedSet != nil {
		c.Run.MaxFailed = *c.Run.MaxFailedSet
	}
	if !c.Run.Throttle.Every.Set {
		c.Run.Throttle.Every.Duration = defaultProbeEvery
	}
	for i := range c.Run.Throttle.Probes {
		p := &c.Run.Throttle.Probes[i]
		if p.Name == "" {
			p.Name = p.On + " " + p.Metric
		}
	}
	if !c.OnEvent.Timeout.Set {
		c.OnEvent.Timeout.Duration = 10 * time.Second
	}
}

func (c *Config) validateCluster() error {
	r := c.Run
	if r.MaxWorkers < 0 || r.MaxWorkers > MaxRunWorkers {
		return fmt.Errorf("run.max_workers must be between 0 (no bound) and %d, not %d", MaxRunWorkers, r.MaxWorkers)
	}
	if r.MaxFailedSet != nil && *r.MaxFailedSet < 0 {
		return fmt.Errorf("run.max_failed_batches must be 0 or more, not %d", *r.MaxFailedSet)
	}
	if r.StopFile != "" && strings.TrimSpace(r.StopFile) != r.StopFile {
		return errors.New("run.stop_file has leading or trailing spaces")
	}
	th := r.Throttle
	if th.RowsPerSecond < 0 {
		return fmt.Errorf("run.throttle.rows_per_second must be 0 (no limit) or more, not %v", th.RowsPerSecond)
	}
	if th.MBPerSecond < 0 {
		return fmt.Errorf("run.throttle.mb_per_second must be 0 (no limit) or more, not %v", th.MBPerSecond)
	}
	if th.Every.Duration < MinProbeInterval || th.Every.Duration > time.Hour {
		return fmt.Errorf("run.throttle.every must be between %s and 1h, not %s", MinProbeInterval, th.Every.Duration)
	}
	if len(th.Probes) > MaxProbes {
		return fmt.Errorf("run.throttle.probes: at most %d probes, not %d", MaxProbes, len(th.Probes))
	}
	for i, p := range th.Probes {
		where := fmt.Sprintf("run.throttle.probes[%d]", i+1)
		if p.On != "source" && p.On != "target" {
			return fmt.Errorf("%s.on must be source or target, not %q", where, p.On)
		}
		switch p.Metric {
		case ProbeThreadsRunning, ProbeReplicaLag:
			if p.SQL != "" {
				return fmt.Errorf("%s.sql is only for metric sql", where)
			}
		case ProbeSQL:
			if strings.TrimSpace(p.SQL) == "" {
				return fmt.Errorf("%s.sql is empty (metric sql needs a query returning one number)", where)
			}
		default:
			return fmt.Errorf("%s.metric must be threads_running, replica_lag or sql, not %q", where, p.Metric)
		}
		if p.Max <= 0 {
			return fmt.Errorf("%s.max must be above 0, not %v", where, p.Max)
		}
	}
	ev := c.OnEvent
	if ev.Webhook != "" {
		u, err := url.Parse(ev.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL may carry a token: name the key, never the value.
			return errors.New("on_event.webhook is not an http or https URL")
		}
	}
	if len(ev.Command) > 0 && strings.TrimSpace(ev.Command[0]) == "" {
		return errors.New("on_event.command: the program name is empty")
	}
	if ev.Timeout.Duration <= 0 || ev.Timeout.Duration > MaxAlertTimeout {
		return fmt.Errorf("on_event.timeout must be above 0s and at most %s, not %s", MaxAlertTimeout, ev.Timeout.Duration)
	}
	return nil
}

// RunFingerprint hashes the plan-shaping config and the settings that bound
// the run as a whole (lease, retries, run-wide limits, probes, the canary): every process
// of a run must agree on them, so the ledger refuses one that does not.
// Per-host settings (workers, grace, stop_file, on_event) are left out.
func (c *Config) RunFingerprint() string {
	shape := struct {
		Plan     string
		Lease    time.Duration
		Retries  int
		Max      int
		Failed   int
		Throttle Throttle
		Canary   int `json:",omitempty"` // absent when 0: earlier runs keep their fingerprint
	}{c.PlanFingerprint(), c.Run.Lease.Duration, c.Run.Retries, c.Run.MaxWorkers, c.Run.MaxFailed, c.Run.Throttle, c.Run.Canary}
	b, _ := json.Marshal(shape)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
