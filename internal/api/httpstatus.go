package api

import (
	"net/http"
	"strings"
)

// withSpecStatus maps gqlgen's 422 for a request that failed before
// execution (syntax, validation, variables) to the status the
// GraphQL-over-HTTP specification asks for: 200 for application/json
// responses, so clients read the errors as GraphQL errors, and 400 for
// application/graphql-response+json.
func withSpecStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&specStatusWriter{ResponseWriter: w}, r)
	})
}

type specStatusWriter struct{ http.ResponseWriter }

func (s *specStatusWriter) WriteHeader(code int) {
	if code == http.StatusUnprocessableEntity {
		if strings.HasPrefix(s.Header().Get("Content-Type"), "application/json") {
			code = http.StatusOK
		} else {
			code = http.StatusBadRequest
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *specStatusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
