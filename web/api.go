package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/server"
)

// Problem is the API's problem+json answer to a call a page made.
type Problem struct {
	Status     int             `json:"status"`
	Code       string          `json:"code"`
	Detail     string          `json:"detail"`
	Violations []ogp.Violation `json:"violations,omitempty"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail) }

// fieldErrors maps what the API refused to form fields: a violation's
// item names the field or item it concerns, and its code is kept too, so
// a template can find a message by either. "_" holds the detail.
func (p *Problem) fieldErrors(text func(code, msg string) string) map[string]string {
	m := map[string]string{"_": text(p.Code, p.Detail)}
	if len(p.Violations) == 0 {
		m[p.Code] = m["_"]
	}
	for _, v := range p.Violations {
		msg := text(v.Code, v.Message)
		if v.Item != "" {
			if prev, ok := m[v.Item]; ok {
				msg = prev + " " + msg
			}
			m[v.Item] = msg
		}
		if _, ok := m[v.Code]; !ok {
			m[v.Code] = msg
		}
	}
	return m
}

// response collects an in-process answer.
type response struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *response) Header() http.Header         { return r.header }
func (r *response) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *response) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// api calls the JSON API in-process as the signed-in user (or anonymous):
// /api/v1 + path, body as JSON. A JSON answer is decoded into out (a
// *[]byte receives the raw body). Refusals come back as *Problem. The
// form's idem field becomes the Idempotency-Key, so a form sent twice
// changes nothing twice.
func (w *Web) api(c echo.Context, method, path string, body, out any) error {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx := c.Request().Context()
	if u := w.user(c); u != nil {
		ctx = server.WithUser(ctx, *u)
	}
	req, err := w.apiRequest(ctx, c, method, path, rd)
	if err != nil {
		return err
	}
	if method != http.MethodGet {
		if idem := c.Request().PostFormValue("idem"); idem != "" {
			req.Header.Set("Idempotency-Key", "web-"+idem)
		}
	}
	res := &response{header: http.Header{}}
	w.cfg.API.Handler().ServeHTTP(res, req)
	if res.status == 0 {
		res.status = http.StatusOK
	}
	if res.status >= 400 {
		p := &Problem{Status: res.status}
		if err := json.Unmarshal(res.body.Bytes(), p); err != nil || p.Code == "" {
			p.Code, p.Detail = "http_error", http.StatusText(res.status)
		}
		p.Status = res.status
		return p
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o = res.body.Bytes()
		return nil
	default:
		if res.body.Len() == 0 {
			return nil
		}
		return json.Unmarshal(res.body.Bytes(), out)
	}
}

func (w *Web) apiRequest(ctx context.Context, c echo.Context, method, path string, body io.Reader) (*http.Request, error) {
	orig := c.Request()
	req, err := http.NewRequestWithContext(ctx, method, "/api/v1"+path, body)
	if err != nil {
		return nil, err
	}
	// The API sees the visitor's address (rate limits) and host and
	// scheme (absolute links), as if it had been called directly.
	req.RemoteAddr, req.Host, req.TLS = orig.RemoteAddr, orig.Host, orig.TLS
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "X-Forwarded-Proto", "Accept-Language", "User-Agent"} {
		if v := orig.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	if body != http.NoBody {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}
