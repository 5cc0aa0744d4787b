package devserver

import (
	"testing"
	"time"

	"go.temporal.io/server/common/dynamicconfig"
)

func TestSQLiteSynchronous(t *testing.T) {
	for in, want := range map[string]string{"": "normal", "normal": "normal", " Full ": "full", DurabilityFull: "full"} {
		got, err := SQLiteSynchronous(in)
		if err != nil || got != want {
			t.Errorf("SQLiteSynchronous(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := SQLiteSynchronous("off"); err == nil {
		t.Error("SQLiteSynchronous accepted off")
	}
	for sync, want := range map[string]string{"normal": "normal", "full": "full"} {
		attrs := sqliteConfig("/tmp/x.db", sync).ConnectAttributes
		if attrs["journal_mode"] != "wal" || attrs["synchronous"] != want {
			t.Errorf("sqliteConfig(%s): %v", sync, attrs)
		}
	}
}

func TestDynamicConfigOverrides(t *testing.T) {
	base := dynamicConfig(nil)
	longPoll := dynamicconfig.MatchingLongPollExpirationInterval.Key()
	if base[longPoll] != 5*time.Second {
		t.Fatalf("built-in long poll = %v", base[longPoll])
	}
	dc := dynamicConfig(map[string]any{
		"matching.longPollExpirationInterval": nil,  // back to the server default
		"History.TimerTaskBatchSize":          1000, // names are case-insensitive
	})
	if _, ok := dc[longPoll]; ok {
		t.Error("a nil override did not remove the built-in value")
	}
	if dc[dynamicconfig.TimerTaskBatchSize.Key()] != 1000 {
		t.Error("override not applied")
	}
	if _, ok := base[dynamicconfig.TimerTaskBatchSize.Key()]; ok {
		t.Error("overrides leaked into another server's config")
	}
}
