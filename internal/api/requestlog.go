package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"rapport/internal/audit"
	"rapport/internal/calfeed"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestLog gives each request a fresh ID, unique across instances
// (the audit trail records it), echoes it in the response, limits the body
// and logs one line per request. A caller's own X-Request-ID, when it
// is sane, is only logged beside it: clients may repeat theirs.
func withRequestLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [12]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-ID", id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		info := &requestInfo{}
		ctx := context.WithValue(audit.WithRequestID(r.Context(), id), requestInfoKey{}, info)
		next.ServeHTTP(rec, r.WithContext(ctx))
		attrs := []any{"method", r.Method, "path", logPath(r), "status", rec.status,
			"duration_ms", time.Since(start).Milliseconds(), "request_id", id}
		if theirs := r.Header.Get("X-Request-ID"); requestIDPattern.MatchString(theirs) {
			attrs = append(attrs, "client_request_id", theirs)
		}
		if info.operation != "" {
			attrs = append(attrs, "operation", info.operation)
		}
		if info.org != "" {
			attrs = append(attrs, "org", info.org, "sub", info.subject)
		}
		log.InfoContext(r.Context(), "request", attrs...)
	})
}

// logPath is the path a request's log line shows: a calendar feed's path
// holds its secret, so a feed is logged by its route.
func logPath(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, calfeed.Path) || strings.HasPrefix(r.URL.Path, calfeed.CulturePath) {
		return routeOf(r)
	}
	return r.URL.Path
}

// requestInfo collects what the log line of a request tells beyond HTTP:
// who made it and which GraphQL operation it ran.
type requestInfo struct{ org, subject, operation string }

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
