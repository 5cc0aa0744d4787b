package server

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
)

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func rfc3339Ptr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := rfc3339(*t)
	return &s
}

const bodyKey = "ogp.body"

func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, ogp.Errorf(ogp.ETooLarge, "body_too_large", "request body is larger than 1 MiB")
		}
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, err
		}
		return nil, ogp.Errorf(ogp.EInvalid, "unreadable_body", "could not read the request body")
	}
	// Kept for the idempotency key, which is scoped to the request body.
	c.Set(bodyKey, body)
	return body, nil
}
