package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestWorkerOptionsConfig(t *testing.T) {
	var c Config
	opts, err := c.workerOptions(true)
	if err != nil {
		t.Fatal(err)
	}
	if opts.MaxConcurrentWorkflowTaskPollers != DefaultWorkerPollers || opts.MaxConcurrentActivityTaskPollers != DefaultWorkerPollers ||
		opts.MaxConcurrentActivityExecutionSize != DefaultWorkerActivities || opts.StickyScheduleToStartTimeout != DefaultDevStickyTimeout ||
		opts.WorkerStopTimeout != 10*time.Second || c.workerCacheSize() != DefaultWorkerCacheSize {
		t.Errorf("dev defaults: %+v, cache %d", opts, c.workerCacheSize())
	}
	if opts, _ := c.workerOptions(false); opts.StickyScheduleToStartTimeout != 0 {
		t.Errorf("worker mode sticky timeout = %v, want the SDK default (0)", opts.StickyScheduleToStartTimeout)
	}

	c = Config{WorkerPollers: 4, WorkerCacheSize: 500, WorkerActivities: 20, WorkerStickyTimeout: 7 * time.Second}
	opts, err = c.workerOptions(false)
	if err != nil {
		t.Fatal(err)
	}
	if opts.MaxConcurrentWorkflowTaskPollers != 4 || opts.MaxConcurrentActivityTaskPollers != 4 ||
		opts.MaxConcurrentActivityExecutionSize != 20 || opts.StickyScheduleToStartTimeout != 7*time.Second || c.workerCacheSize() != 500 {
		t.Errorf("explicit settings: %+v, cache %d", opts, c.workerCacheSize())
	}

	for name, bad := range map[string]Config{
		"one poller":       {WorkerPollers: 1}, // the SDK panics on 1
		"negative pollers": {WorkerPollers: -2},
		"negative acts":    {WorkerActivities: -1},
		"negative cache":   {WorkerCacheSize: -1},
		"negative timeout": {WorkerStickyTimeout: -time.Second},
	} {
		if _, err := bad.workerOptions(true); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDurabilityConfig(t *testing.T) {
	ctx := context.Background()
	for durability, want := range map[string]int{"": 1, "normal": 1, "full": 2, "FULL": 2} {
		cfg := Config{DataDir: filepath.Join(t.TempDir(), "data"), Durability: durability}
		cfg.Defaults()
		db, err := openDB(ctx, &cfg)
		if err != nil {
			t.Fatalf("%q: %v", durability, err)
		}
		var got int
		err = db.Gorm.WithContext(ctx).Raw("PRAGMA synchronous").Scan(&got).Error
		_ = db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("durability %q: synchronous = %d, want %d", durability, got, want)
		}
	}
	cfg := Config{DataDir: t.TempDir(), Durability: "paranoid"}
	cfg.Defaults()
	if db, err := openDB(ctx, &cfg); err == nil {
		_ = db.Close()
		t.Error("unknown durability accepted")
	}
}
