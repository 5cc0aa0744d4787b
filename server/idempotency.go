package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// idempotencyStore remembers requests made with an Idempotency-Key.
type idempotencyStore interface {
	ReserveIdempotencyKey(ctx context.Context, userID int64, key, requestHash string) (models.IdempotencyRecord, bool, error)
	CompleteIdempotencyKey(ctx context.Context, userID int64, key string, status int, contentType, response string) error
	ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error
}

// idempotent makes a content change safe to retry: a request sent again
// with the same Idempotency-Key (by the same user, for the same method,
// path and body) is answered with the first answer instead of running
// again; the key reused for a different request is refused, and a retry
// that overtakes the first attempt waits its turn (409). Answers of 5xx
// are not kept, so a retry after a failure runs again.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get("Idempotency-Key")
		if key == "" || req.Method == http.MethodGet || req.Method == http.MethodHead {
			return next(c)
		}
		if len(key) > 200 {
			return ogp.Errorf(ogp.EInvalid, "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		h.Write([]byte(req.Method + " " + req.URL.Path + "\x00"))
		h.Write(body)
		hash := hex.EncodeToString(h.Sum(nil))
		user := currentUser(c)
		ctx := req.Context()
		rec, reserved, err := s.store.ReserveIdempotencyKey(ctx, user.ID, key, hash)
		if err != nil {
			return err
		}
		if !reserved {
			switch {
			case rec.RequestHash != hash:
				return ogp.Errorf(ogp.EUnprocessable, "idempotency_key_reused", "Idempotency-Key %q was already used for a different request", key)
			case rec.Status == 0:
				return ogp.Errorf(ogp.EConflict, "request_in_progress", "the first request with this Idempotency-Key is still running; retry shortly")
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			if rec.Status == http.StatusNoContent {
				return c.NoContent(rec.Status)
			}
			return c.Blob(rec.Status, rec.ContentType, []byte(rec.Response))
		}
		rw := &teeWriter{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rw
		err = next(c)
		if err != nil {
			// Let the central handler write the problem, captured too.
			c.Error(err)
		}
		status := c.Response().Status
		if status >= 500 || status == 0 {
			if rerr := s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), user.ID, key); rerr != nil {
				s.log.Error("release idempotency key", "error", rerr)
			}
			return nil
		}
		if cerr := s.store.CompleteIdempotencyKey(context.WithoutCancel(ctx), user.ID, key, status,
			c.Response().Header().Get(echo.HeaderContentType), rw.buf.String()); cerr != nil {
			s.log.Error("store idempotent response", "error", cerr)
		}
		return nil
	}
}

// teeWriter keeps a copy of what is written.
type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}
