package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// parseLevel accepts the level names people type on a command line; an empty
// string means warn because the server is far too chatty at info for a dev loop.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "warn", "warning":
		return slog.LevelWarn, nil
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "error":
		return slog.LevelError, nil
	default:
		return 0, fmt.Errorf("devserver: unknown log level %q (want debug, info, warn or error)", s)
	}
}

// fatalPanic is what the adapter panics with on Fatal. The server calls Fatal
// for startup problems such as a port that cannot be bound; Start recovers this
// type and turns it into an error instead of letting the process exit.
type fatalPanic struct {
	msg    string // the server's static message, usable for matching
	detail string // msg plus tags, for humans
}

func (f fatalPanic) Error() string { return "temporal server fatal: " + f.detail }

// slogLogger lets the embedded server log through the caller's slog.Logger.
// The level check happens before any tag is converted, so the (very frequent)
// suppressed info/debug lines cost almost nothing.
type slogLogger struct {
	l    *slog.Logger
	gate *levelGate
}

// levelGate is the minimum level, shared by every logger derived through With
// so Stop can raise it for all of them at once.
type levelGate struct{ floor atomic.Int64 }

func newLevelGate(floor slog.Level) *levelGate {
	g := &levelGate{}
	g.set(floor)
	return g
}

func (g *levelGate) set(floor slog.Level)         { g.floor.Store(int64(floor)) }
func (g *levelGate) allows(level slog.Level) bool { return int64(level) >= g.floor.Load() }

const (
	// levelStopping is applied while services shut down: they warn about
	// every connection to an already stopped sibling, which is expected.
	levelStopping = slog.LevelError
	// levelStopped silences everything after Stop. A few server goroutines
	// (gRPC client connections the server never closes) outlive it and would
	// keep logging reconnect failures into the caller's log.
	levelStopped = slog.Level(1 << 30)
)

var (
	_ log.Logger      = slogLogger{}
	_ log.WithLogger  = slogLogger{}
	_ log.SLogWrapper = slogLogger{}
)

func newSlogLogger(l *slog.Logger, floor slog.Level) slogLogger {
	return slogLogger{l: l, gate: newLevelGate(floor)}
}

// raise never lowers the level, so a caller's "error" setting survives Stop.
func (s slogLogger) raise(floor slog.Level) {
	if !s.gate.allows(floor) {
		return
	}
	s.gate.set(floor)
}

func (s slogLogger) enabled(level slog.Level) bool {
	return s.gate.allows(level) && s.l.Enabled(context.Background(), level)
}

func (s slogLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	if !s.enabled(level) {
		return
	}
	s.l.LogAttrs(context.Background(), level, msg, tagsToAttrs(tags)...)
}

func tagsToAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		if t == nil {
			continue
		}
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

func (s slogLogger) Debug(msg string, tags ...tag.Tag) { s.emit(slog.LevelDebug, msg, tags) }
func (s slogLogger) Info(msg string, tags ...tag.Tag)  { s.emit(slog.LevelInfo, msg, tags) }
func (s slogLogger) Warn(msg string, tags ...tag.Tag)  { s.emit(slog.LevelWarn, msg, tags) }
func (s slogLogger) Error(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }

// DPanic only panics in development builds of zap; the server runs it in
// production mode, so an error line is the faithful equivalent.
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }

func (s slogLogger) Panic(msg string, tags ...tag.Tag) {
	s.emit(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal panics rather than calling os.Exit: inside Start the panic is
// recovered into an error, and elsewhere a panic at least leaves a stack trace
// pointing at the failing component instead of a bare exit status.
func (s slogLogger) Fatal(msg string, tags ...tag.Tag) {
	s.emit(slog.LevelError, msg, tags)
	panic(fatalPanic{msg: msg, detail: fatalMessage(msg, tags)})
}

func fatalMessage(msg string, tags []tag.Tag) string {
	var b strings.Builder
	b.WriteString(msg)
	for _, t := range tags {
		if t == nil {
			continue
		}
		fmt.Fprintf(&b, " %s=%v", t.Key(), t.Value())
	}
	return b.String()
}

// With is implemented so the server's per-component loggers convert their
// fixed tags once instead of on every call.
func (s slogLogger) With(tags ...tag.Tag) log.Logger {
	attrs := tagsToAttrs(tags)
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = a
	}
	return slogLogger{l: s.l.With(args...), gate: s.gate}
}

// SLog is picked up by the server's log.NewSlogLogger (used for the SDK clients
// inside the worker service), so those lines obey the same level filter.
func (s slogLogger) SLog() *slog.Logger {
	return slog.New(gatedHandler{gate: s.gate, h: s.l.Handler()})
}

// gatedHandler drops records the gate does not allow before the wrapped
// handler sees them.
type gatedHandler struct {
	gate *levelGate
	h    slog.Handler
}

func (m gatedHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return m.gate.allows(level) && m.h.Enabled(ctx, level)
}

func (m gatedHandler) Handle(ctx context.Context, r slog.Record) error {
	return m.h.Handle(ctx, r)
}

func (m gatedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return gatedHandler{gate: m.gate, h: m.h.WithAttrs(attrs)}
}

func (m gatedHandler) WithGroup(name string) slog.Handler {
	return gatedHandler{gate: m.gate, h: m.h.WithGroup(name)}
}
