package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"rapport/internal/store"
)

// What the API answers when the database cannot serve a request: HTTP 503
// with Retry-After, code INTERNAL and one of these reasons.
const (
	reasonUnavailable = "UNAVAILABLE" // the database is down, refusing or busy
	reasonTimeout     = "TIMEOUT"     // the request ran past its deadline
	reasonOverloaded  = "OVERLOADED"  // too many requests executing at once
	retryAfterSeconds = 5
)

// Default bounds on time and concurrency; Config may change them.
const (
	DefaultRequestTimeout = store.StatementTimeout // a whole request, database work included
	authTimeout           = 3 * time.Second        // looking up the viewer: a tiny query, so longer means trouble
	healthTimeout         = 2 * time.Second
	inFlightWait          = 2 * time.Second // how long a request queues for a slot
	logEvery              = 10 * time.Second
)

// DefaultMaxInFlight is how many requests execute at once unless
// configured: four per CPU, at least eight. A request alternates between
// the CPU and the database; more at once than that only share the CPUs
// more thinly, and the waiting ones, served in arrival order, get their
// answers sooner and more evenly (at 32 concurrent clients on 2 CPUs: p99
// 56 ms instead of 224 ms, and 30% more requests per second; README,
// Performance).
func DefaultMaxInFlight() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// within runs f and waits for it at most d (or until ctx is done). f gets a
// context with that deadline; when it does not return in time (a database
// driver blocked on a frozen server ignores its context) the caller goes on
// with context.DeadlineExceeded and f finishes in the background.
func within[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // finished just in time
			return r.v, r.err
		default:
			var zero T
			if err := ctx.Err(); errors.Is(err, context.Canceled) {
				return zero, err // the caller's context: the client went away
			}
			return zero, context.DeadlineExceeded
		}
	}
}

// limitInFlight lets at most cap(slots) requests execute at once (slots
// shared by every route given them); one that cannot start within
// inFlightWait is answered 503 with Retry-After.
func limitInFlight(slots chan struct{}, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(inFlightWait)
		defer t.Stop()
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		case <-t.C:
			writeUnavailable(w, reasonOverloaded, "the server is busy; retry shortly")
		case <-r.Context().Done():
		}
	})
}

// writeUnavailable answers 503 with Retry-After and a coded error.
func writeUnavailable(w http.ResponseWriter, reason, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	writeErrorReason(w, http.StatusServiceUnavailable, "INTERNAL", reason, msg)
}

// logThrottle logs a recurring failure once per interval per kind, with the
// number of occurrences it kept quiet, so that an outage does not flood the
// log with one ERROR per request.
type logThrottle struct {
	mu    sync.Mutex
	every time.Duration
	kinds map[string]*throttled
}

type throttled struct {
	last       time.Time
	suppressed int
}

func newLogThrottle(every time.Duration) *logThrottle {
	return &logThrottle{every: every, kinds: map[string]*throttled{}}
}

// Error logs msg at ERROR unless kind was logged less than an interval ago.
func (l *logThrottle) Error(ctx context.Context, log *slog.Logger, kind, msg string, args ...any) {
	l.mu.Lock()
	k := l.kinds[kind]
	if k == nil {
		k = &throttled{}
		l.kinds[kind] = k
	}
	now := time.Now()
	if now.Sub(k.last) < l.every {
		k.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := k.suppressed
	k.last, k.suppressed = now, 0
	l.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	log.ErrorContext(ctx, msg, append(args, "kind", kind)...)
}

// clipHandler cuts every string, error and stringer in a log record to
// maxLogValue bytes, so that no client-supplied value (a claim, an operation
// name, an error quoting input) can make a log line huge.
type clipHandler struct{ slog.Handler }

const maxLogValue = 512

func (h clipHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, clipString(r.Message, maxLogValue), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(clipAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h clipHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clipped := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clipped[i] = clipAttr(a)
	}
	return clipHandler{h.Handler.WithAttrs(clipped)}
}

func (h clipHandler) WithGroup(name string) slog.Handler {
	return clipHandler{h.Handler.WithGroup(name)}
}

func clipAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if a.Key == "stack" { // the server's own, and needed whole to debug a panic
			return slog.String(a.Key, clipString(v.String(), 16<<10))
		}
		return slog.String(a.Key, clipString(v.String(), maxLogValue))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = clipAttr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, clipString(x.Error(), maxLogValue))
		case fmt.Stringer:
			return slog.String(a.Key, clipString(x.String(), maxLogValue))
		case []byte:
			return slog.String(a.Key, clipString(string(x), maxLogValue))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// clipString cuts s to at most n bytes on a character boundary, saying how
// much it left out.
func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d more bytes)", s[:cut], len(s)-cut)
}
