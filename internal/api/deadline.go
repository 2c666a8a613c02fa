package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"rapport/ent"
	"rapport/internal/audit"
)

// Requests are answered within their deadline whatever the database does.
// A request is authenticated from the cache, so its first round trip may
// be its resolvers': when PostgreSQL hangs (a frozen host keeps the
// connections open and answers nothing, and the driver then ignores the
// request's context), a request would wait out its whole deadline.
// answerInTime runs the request in its own goroutine, buffering its answer,
// and:
//   - once it has run probeAfter (and again every probeAfter), asks whether
//     the database answers at all: one small probe shared by every waiting
//     request, at most one every probeEvery. When it does not, the request
//     is answered 503 UNAVAILABLE with Retry-After at once, and its work
//     abandoned (its context is cancelled for whatever does listen);
//   - past the deadline, answers 503 TIMEOUT.
//
// A slow request on a live database runs on to its deadline.

const (
	probeAfter   = 2 * time.Second         // a request running this long makes the database suspect
	probeTimeout = 1500 * time.Millisecond // a SELECT 1 slower than this: the database does not answer
	probeEvery   = time.Second             // probes are shared: at most one this often
)

func answerInTime(timeout time.Duration, probe *dbProbe, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		bw := &bufferedWriter{h: http.Header{}}
		done := make(chan struct{})
		panicked := make(chan any, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					panicked <- p
					return
				}
				close(done)
			}()
			next.ServeHTTP(bw, r.WithContext(ctx))
			bw.finish()
		}()
		check := time.NewTicker(probeAfter)
		defer check.Stop()
		for {
			select {
			case p := <-panicked:
				panic(p)
			case <-done:
				bw.flushTo(w)
				return
			case <-check.C:
				if probe.alive() {
					continue
				}
				if !bw.abandon() {
					continue // it finished meanwhile: done is closed
				}
				id := audit.RequestID(r.Context())
				writeUnavailable(w, reasonUnavailable, fmt.Sprintf("the database does not answer; retry in %d seconds (request %s)", retryAfterSeconds, id))
				return
			case <-ctx.Done():
				if !bw.abandon() {
					continue
				}
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					writeTimedOut(w)
				}
				return // or the client went away: nobody to answer
			}
		}
	})
}

// bufferedWriter holds a handler's answer until it is complete; once
// abandoned it takes no more.
type bufferedWriter struct {
	mu        sync.Mutex
	h         http.Header
	code      int
	buf       bytes.Buffer
	abandoned bool
	finished  bool
}

func (b *bufferedWriter) Header() http.Header { return b.h }

func (b *bufferedWriter) WriteHeader(code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.abandoned {
		return 0, http.ErrHandlerTimeout
	}
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.buf.Write(p)
}

// abandon stops taking the handler's output; false when it had finished
// meanwhile (its answer then stands).
func (b *bufferedWriter) abandon() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return false
	}
	b.abandoned = true
	return true
}

// finish marks the answer complete, unless it was abandoned first.
func (b *bufferedWriter) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finished = !b.abandoned
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, v := range b.h {
		w.Header()[k] = v
	}
	if b.code == 0 {
		b.code = http.StatusOK
	}
	w.WriteHeader(b.code)
	_, _ = w.Write(b.buf.Bytes())
}

// dbProbe tells whether the database answers a trivial statement, sharing
// one probe among all who ask at once and remembering the answer for
// probeEvery.
type dbProbe struct {
	client  *ent.Client
	mu      sync.Mutex
	at      time.Time
	ok      bool
	running chan struct{}
}

func (p *dbProbe) alive() bool {
	p.mu.Lock()
	if time.Since(p.at) < probeEvery {
		ok := p.ok
		p.mu.Unlock()
		return ok
	}
	if ch := p.running; ch != nil {
		p.mu.Unlock()
		<-ch
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.ok
	}
	ch := make(chan struct{})
	p.running = ch
	p.mu.Unlock()
	_, err := within(context.Background(), probeTimeout, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, ping(ctx, p.client)
	})
	p.mu.Lock()
	p.at, p.ok, p.running = time.Now(), err == nil, nil
	p.mu.Unlock()
	close(ch)
	return err == nil
}

// writeTimedOut answers a request stopped at its deadline.
func writeTimedOut(w http.ResponseWriter) {
	writeUnavailable(w, reasonTimeout, "the request took too long and was stopped")
}

// unanswered is what a handler does when its request's context ended
// before it had an answer: nothing when the client went away, the
// timeout's 503 when the deadline passed (answerInTime sends it, should it
// have given up first).
func unanswered(w http.ResponseWriter, ctx context.Context) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		writeTimedOut(w)
	}
}
