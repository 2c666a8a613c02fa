// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, entirely
// from the server: the page and every script and stylesheet it loads are
// embedded (assets/, from the npm release pinned in package.json, with
// their licences in assets/LICENSES.txt; refresh.sh brings another), so the
// explorer works on a machine with no internet.
package graphiql

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
)

//go:embed assets
var embedded embed.FS

// Version is a digest of the embedded assets: their URLs carry it, so a
// browser may keep them for a year and still never runs stale ones.
var Version = digest()

func digest() string {
	h := sha256.New()
	files, _ := fs.Glob(embedded, "assets/*")
	slices.Sort(files)
	for _, f := range files {
		b, _ := embedded.ReadFile(f)
		h.Write([]byte(f))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Prefix is where the assets are served: Prefix + Version + "/" + name.
const Prefix = "/graphiql/"

// ContentSecurityPolicy is the page's: everything from the server itself
// (inline styles only, which GraphiQL's components set).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// DefaultQuery is what the editor opens with: how to sign in, then a first query.
const DefaultQuery = `# Rapport — the client graph, culture calendar, bulletins and service desk.
#
# Sign in first: open "Headers" below and put a token there:
#   { "Authorization": "Bearer <token>" }
# "go run ./server" prints a demo token for each demo user at start (admin,
# sales managers, account managers, service reps, HR, editors, finance…);
# "go run ./server token --org demo --sub am.east.1 --roles ACCOUNT_MANAGER"
# signs another. Then run this query (Ctrl-Enter), or build one in the
# Explorer (the compass on the left).

query FirstLook {
  viewer { id name roles }
  accounts(first: 5, orderBy: {field: NEXT_CALL_DUE_AT, direction: ASC}) {
    totalCount
    edges { node { name tier nextCallDueAt owner { name } } }
  }
}
`

var page = template.Must(template.New("graphiql").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.Assets}}graphiql.min.css">
<link rel="stylesheet" href="{{.Assets}}plugin-explorer.css">
<link rel="stylesheet" href="{{.Assets}}page.css">
</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}" data-query="{{.Query}}"><p class="loading">Loading GraphiQL…</p></div>
<script src="{{.Assets}}react.production.min.js"></script>
<script src="{{.Assets}}react-dom.production.min.js"></script>
<script src="{{.Assets}}graphiql.min.js"></script>
<script src="{{.Assets}}plugin-explorer.umd.js"></script>
<script src="{{.Assets}}start.js"></script>
</body>
</html>
`))

// Page serves the GraphiQL page for the GraphQL endpoint (a path, such as
// "/graphql").
func Page(title, endpoint string) http.Handler {
	var b strings.Builder
	if err := page.Execute(&b, map[string]string{
		"Title": title, "Endpoint": endpoint, "Query": DefaultQuery, "Assets": Prefix + Version + "/",
	}); err != nil {
		panic(err)
	}
	html := b.String()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write([]byte(html))
	})
}

// Assets serves the embedded files under Prefix + Version + "/"; any other
// version is not found (a page from before an upgrade reloads).
func Assets() http.Handler {
	sub, _ := fs.Sub(embedded, "assets")
	files := http.FileServer(http.FS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, Prefix+Version+"/")
		if !ok || rest == "" || strings.Contains(rest, "/") || path.Ext(rest) == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + rest
		files.ServeHTTP(w, r2)
	})
}
