package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A client that hangs up is no internal error: its cancelled statements
// are logged at debug level with the request ID, never as ERROR; a
// cancellation while the request still stands is.
func TestClientHangUpIsNotAnError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	present := presentError(log, newLogThrottle(time.Second))
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	e := present(gone, fmt.Errorf("accounts: %w", context.Canceled))
	if e.Extensions["code"] != "INTERNAL" || !strings.Contains(e.Message, "cancelled") {
		t.Fatalf("presented as %v %q", e.Extensions, e.Message)
	}
	if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "level=DEBUG msg=\"request cancelled\"") {
		t.Fatalf("logged:\n%s", logs.String())
	}
	logs.Reset()
	present(context.Background(), fmt.Errorf("driver: %w", context.Canceled))
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("a cancellation the request did not ask for was not logged as an error:\n%s", logs.String())
	}
}

// within tells a caller that went away (Canceled) from work that ran out
// of time (DeadlineExceeded), which alone means the database is slow.
func TestWithinTellsCancelledFromSlow(t *testing.T) {
	release := make(chan struct{}) // a driver that ignores its context, until the test ends
	defer close(release)
	block := func(context.Context) (int, error) { <-release; return 0, nil }
	gone, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if _, err := within(gone, time.Minute, block); !errors.Is(err, context.Canceled) {
		t.Fatalf("client gone: %v", err)
	}
	if _, err := within(context.Background(), 10*time.Millisecond, block); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("too slow: %v", err)
	}
}
