// Package archive applies the client-archive rules to the database:
// filing a document under the organisation's serial number of its year,
// storing and serving its bytes, and the archive deadline (what a signed
// account's archive still lacks).
//
// Documents are stored in the database (DocumentContent), in the same
// transaction as their row: every server instance reads them, nothing is
// half-stored when an upload fails, and backups hold them. The upload
// limit (MaxBytes) keeps that reasonable; an object store behind the same
// two functions (store, Content) would take larger files.
package archive

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"rapport/ent"
	"rapport/ent/clientdocument"
	"rapport/ent/documentcontent"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/auth"
	"rapport/internal/calfeed"
	"rapport/internal/pulid"
	"rapport/internal/store"
	"rapport/internal/viewer"
)

// MaxBytes is the largest document: 20 MiB.
const MaxBytes = 20 << 20

// Path is where documents are downloaded: Path + id.
const Path = "/documents/"

// URLTTL is how long a download URL works.
const URLTTL = 10 * time.Minute

// settingKey keeps the secret that signs download URLs.
const settingKey = "document_secret"

// UploadInput files a document.
type UploadInput struct {
	AccountID pulid.ID
	Category  clientdocument.Category
	Title     string
	File      graphql.Upload
}

// Serial is the document's serial number: KH-2026-000123.
func Serial(year, number int) string { return fmt.Sprintf("KH-%d-%06d", year, number) }

// Upload files a document under the account (the document's policy
// decides whether the viewer may), with the next serial number of the
// year in the organisation's time zone: the organisation's row is locked
// meanwhile and a unique index backs it. The content type is sniffed from
// the bytes.
func Upload(ctx context.Context, c *ent.Client, in UploadInput, now time.Time) (*ent.ClientDocument, error) {
	if in.File.Size > MaxBytes {
		return nil, apierr.BadInput("file", "the file is %d bytes; a document is at most %d bytes (20 MiB)", in.File.Size, MaxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(in.File.File, MaxBytes+1))
	switch {
	case err != nil:
		return nil, apierr.BadInput("file", "the file could not be read")
	case len(data) > MaxBytes:
		return nil, apierr.BadInput("file", "a document is at most %d bytes (20 MiB)", MaxBytes)
	case len(data) == 0:
		return nil, apierr.BadInput("file", "the file is empty")
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = strings.TrimSpace(in.File.Filename)
	}
	name := strings.TrimSpace(in.File.Filename)
	if name == "" || !utf8.ValidString(name) || len(name) > 255 {
		name = "document"
	}
	v := viewer.FromContext(ctx)
	year := now.In(v.Location).Year()
	if err := c.LockRow(ctx, v.OrgID); err != nil {
		return nil, err
	}
	last, err := store.Largest(viewer.SystemOf(ctx), c.ClientDocument.Query().Where(clientdocument.Year(year)).
		Aggregate(ent.As(ent.Max(clientdocument.FieldNumber), store.MaxAs)))
	if err != nil {
		return nil, err
	}
	next := last + 1
	doc, err := c.ClientDocument.Create().SetOrganizationID(v.OrgID).SetAccountID(in.AccountID).SetCategory(in.Category).SetTitle(title).
		SetYear(year).SetNumber(next).SetSerialNumber(Serial(year, next)).SetFileName(name).
		SetContentType(http.DetectContentType(data)).SetSize(int64(len(data))).
		SetUploadedByID(v.UserID).Save(ctx)
	if err != nil {
		return nil, err
	}
	// The bytes, as the system: the document's policy has let the viewer file it.
	if err := c.DocumentContent.Create().SetOrganizationID(v.OrgID).SetData(data).SetDocumentID(doc.ID).Exec(viewer.SystemOf(ctx)); err != nil {
		return nil, err
	}
	return doc, nil
}

// URL is a download URL of the document for the viewer: it names the
// viewer and expires after URLTTL, and the download checks again that the
// viewer may see the document.
func URL(ctx context.Context, c *ent.Client, doc *ent.ClientDocument, now time.Time) (string, error) {
	v := viewer.FromContext(ctx)
	secret, err := store.Secret(ctx, c, settingKey)
	if err != nil {
		return "", err
	}
	exp := now.Add(URLTTL).Unix()
	q := url.Values{}
	q.Set("u", string(v.UserID))
	q.Set("exp", strconv.FormatInt(exp, 10))
	q.Set("sig", sign(secret, doc.ID, v.OrgID, v.UserID, exp))
	return strings.TrimRight(calfeed.Base(ctx), "/") + Path + string(doc.ID) + "?" + q.Encode(), nil
}

func sign(secret []byte, doc, org, user pulid.ID, exp int64) string {
	h := hmac.New(sha256.New, secret)
	fmt.Fprintf(h, "%s|%s|%s|%d", doc, org, user, exp)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

var errNotFound = errors.New("no such document")

// signedViewer is the viewer a signed URL names, if the signature holds
// and has not expired: the user as they are now (their latest roles).
func signedViewer(ctx context.Context, c *ent.Client, doc pulid.ID, q url.Values, now time.Time) (*viewer.Viewer, error) {
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil || now.Unix() > exp {
		return nil, errNotFound
	}
	secret, err := store.Secret(ctx, c, settingKey)
	if err != nil {
		return nil, err
	}
	u, err := c.User.Get(privacy.DecisionContext(ctx, privacy.Allow), pulid.ID(q.Get("u"))) // any organisation: the signature names it
	if ent.IsNotFound(err) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(q.Get("sig")), []byte(sign(secret, doc, u.OrganizationID, u.ID, exp))) {
		return nil, errNotFound
	}
	return &viewer.Viewer{UserID: u.ID, OrgID: u.OrganizationID, Roles: auth.Stored(u.Roles), Location: time.UTC}, nil
}

// Handler serves a document's bytes to a viewer who may see it: the
// viewer the request's bearer token made (authenticated runs the request
// through the API's authentication and rate limits), or the one a valid
// signed URL names (limited charges them to the rate limits). Anyone else
// gets 404, as for a document that does not exist.
func Handler(c *ent.Client, log *slog.Logger, authenticated, limited func(http.Handler) http.Handler) http.Handler {
	serve := func(w http.ResponseWriter, r *http.Request) {
		id := pulid.ID(r.PathValue("id"))
		doc, err := c.ClientDocument.Query().Where(clientdocument.ID(id)).Only(r.Context())
		if ent.IsNotFound(err) {
			http.Error(w, "no such document", http.StatusNotFound)
			return
		}
		var data []byte
		if err == nil {
			var content *ent.DocumentContent
			content, err = c.DocumentContent.Query().Where(documentcontent.HasDocumentWith(clientdocument.ID(id))).Only(viewer.SystemOf(r.Context()))
			if content != nil {
				data = content.Data
			}
		}
		if err != nil {
			log.ErrorContext(r.Context(), "document download", "err", err, "document", id)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		h := w.Header()
		h.Set("Content-Type", doc.ContentType)
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": doc.FileName}))
		h.Set("Cache-Control", "private, no-store")
		http.ServeContent(w, r, "", doc.UpdatedAt, bytes.NewReader(data))
	}
	withToken, withSignature := authenticated(http.HandlerFunc(serve)), limited(http.HandlerFunc(serve))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sig") == "" {
			withToken.ServeHTTP(w, r)
			return
		}
		v, err := signedViewer(r.Context(), c, pulid.ID(r.PathValue("id")), r.URL.Query(), time.Now())
		if errors.Is(err, errNotFound) {
			http.Error(w, "no such document", http.StatusNotFound)
			return
		}
		if err != nil {
			log.ErrorContext(r.Context(), "document download", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		withSignature.ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), v)))
	})
}
