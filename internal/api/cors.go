package api

import (
	"net/http"

	"github.com/rs/cors"
)

// withCORS lets the single-page frontends served from the allowed origins
// call the API from a browser. Requests from other origins get no CORS
// headers, so browsers refuse them; "*" allows any origin. Tokens travel in
// the Authorization header, never in cookies, so credentials mode is off.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins:       origins,
		AllowedMethods:       []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:       []string{"Authorization", "Content-Type", "Accept", "X-Request-ID"},
		ExposedHeaders:       []string{"X-Request-ID", "Retry-After"},
		MaxAge:               600,
		OptionsSuccessStatus: http.StatusNoContent,
	}).Handler(next)
}
