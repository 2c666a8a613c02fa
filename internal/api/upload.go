package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"rapport/internal/archive"
)

// Uploads follow the GraphQL multipart request specification
// (https://github.com/jaydenseric/graphql-multipart-request-spec): a
// multipart/form-data body whose "operations" part is the usual JSON
// request, whose "map" part says which variable each file part fills, and
// the files. Such a body may be up to MaxUploadBodyBytes (a document and
// the form around it), and at most Config.UploadsInFlight (DefaultUploadsInFlight) are read at once per
// instance, so that uploads cannot take the memory the API needs.
const (
	mediaMultipart         = "multipart/form-data"
	MaxUploadBodyBytes     = archive.MaxBytes + 1<<20
	DefaultUploadsInFlight = 4
	maxFilesPerRequest     = 5
)

// isMultipart reports a multipart/form-data request.
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == mediaMultipart
}

// multipartParams reads a GraphQL multipart request (its body read in full
// by withBody). Its operations and map parts are JSON requests like any
// other, so at most maxBody bytes each: only the files may be larger. Each
// file fills exactly one variable (the specification lets one part fill
// several, which would let one file be stored many times over).
func multipartParams(r *http.Request, maxBody int64) (*graphql.RawParams, *httpError) {
	_, ps, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ps["boundary"] == "" {
		return nil, badRequest(http.StatusBadRequest, "the multipart body could not be read")
	}
	mr := multipart.NewReader(r.Body, ps["boundary"]) // in memory already: no second copy
	next := func(name string) ([]byte, *httpError) {
		part, err := mr.NextPart()
		if err != nil || part.FormName() != name {
			return nil, badRequest(http.StatusBadRequest, "a multipart request starts with the %q part (GraphQL multipart request specification)", name)
		}
		data, err := io.ReadAll(io.LimitReader(part, maxBody+1))
		if err != nil {
			return nil, badRequest(http.StatusBadRequest, "the %q part could not be read", name)
		}
		if int64(len(data)) > maxBody {
			return nil, badRequest(http.StatusRequestEntityTooLarge, "the %q part is larger than %d bytes", name, maxBody)
		}
		return data, nil
	}
	ops, perr := next("operations")
	if perr != nil {
		return nil, perr
	}
	p, err := decodeParams(ops)
	if err != nil {
		return nil, badRequest(http.StatusBadRequest, "operations: %s", err.Error())
	}
	raw, perr := next("map")
	if perr != nil {
		return nil, perr
	}
	var paths map[string][]string
	if json.Unmarshal(raw, &paths) != nil {
		return nil, badRequest(http.StatusBadRequest, "map must be a JSON object of file part names to variable paths")
	}
	if len(paths) > maxFilesPerRequest {
		return nil, badRequest(http.StatusBadRequest, "a request carries at most %d files", maxFilesPerRequest)
	}
	for name, targets := range paths {
		if len(targets) != 1 {
			return nil, badRequest(http.StatusBadRequest, "map: file part %q must fill exactly one variable", clipString(name, 40))
		}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badRequest(http.StatusBadRequest, "the multipart body could not be read")
		}
		targets, ok := paths[part.FormName()]
		if !ok {
			return nil, badRequest(http.StatusBadRequest, "file part %q is not in map", part.FormName())
		}
		delete(paths, part.FormName())
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, badRequest(http.StatusBadRequest, "file part %q could not be read", part.FormName())
		}
		up := graphql.Upload{File: bytes.NewReader(data), Filename: part.FileName(), Size: int64(len(data)), ContentType: part.Header.Get("Content-Type")}
		if err := setVariable(p.Variables, targets[0], up); err != nil {
			return nil, badRequest(http.StatusBadRequest, "map: %s", err.Error())
		}
	}
	if len(paths) > 0 {
		return nil, badRequest(http.StatusBadRequest, "map names file parts the body does not hold")
	}
	return p, nil
}

// setVariable puts v at path ("variables.input.file",
// "variables.files.0") of the request's variables, where the operations
// part has null.
func setVariable(vars map[string]any, path string, v any) error {
	keys := strings.Split(path, ".")
	if len(keys) < 2 || keys[0] != "variables" {
		return fmt.Errorf("%q is not a path into variables", path)
	}
	var cur any = vars
	for i, k := range keys[1:] {
		last := i == len(keys)-2
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if x, ok := c[k]; !ok || x != nil {
					return fmt.Errorf("%q is not a null variable", path)
				}
				c[k] = v
				return nil
			}
			cur = c[k]
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(c) {
				return fmt.Errorf("%q is not a path into variables", path)
			}
			if last {
				if c[n] != nil {
					return fmt.Errorf("%q is not a null variable", path)
				}
				c[n] = v
				return nil
			}
			cur = c[n]
		default:
			return fmt.Errorf("%q is not a path into variables", path)
		}
	}
	return fmt.Errorf("%q is not a path into variables", path)
}
