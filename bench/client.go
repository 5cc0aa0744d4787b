package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// api calls the product's JSON API over HTTP, as any client would.
type api struct {
	base   string // http://host:port, without /api/v1
	client *http.Client
}

func newAPI(base string) *api {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	return &api{base: strings.TrimRight(base, "/"), client: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// apiError is an answer with an unexpected status.
type apiError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *apiError) Error() string {
	body := e.Body
	if len(body) > 600 {
		body = body[:600] + "..."
	}
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.Path, e.Status, body)
}

// do sends one request to /api/v1+path with a bearer token (none when
// empty) and a JSON body (none when nil), and decodes a JSON answer into
// out. An answer whose status is not want (any 2xx when want is 0) is an
// *apiError.
func (a *api) do(ctx context.Context, token, method, path string, body, out any, want int) error {
	return a.send(ctx, token, method, path, "", body, out, want)
}

// doRetried is do for building data, not for measuring: the request
// carries an Idempotency-Key, so it is retried safely (the product applies
// it once) after a transport error or a 5xx answer, up to three times.
func (a *api) doRetried(ctx context.Context, token, method, path string, body, out any, want int) error {
	var k [12]byte
	_, _ = rand.Read(k[:])
	key := "bench-" + hex.EncodeToString(k[:])
	delay := time.Second
	for attempt := 1; ; attempt++ {
		err := a.send(ctx, token, method, path, key, body, out, want)
		var ae *apiError
		transient := err != nil && ctx.Err() == nil && (!errors.As(err, &ae) || ae.Status >= 500)
		if !transient || attempt == 4 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay *= 2
	}
}

func (a *api) send(ctx context.Context, token, method, path, key string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+"/api/v1"+path, rd)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	ok := res.StatusCode == want || (want == 0 && res.StatusCode/100 == 2)
	if !ok {
		return &apiError{Method: method, Path: path, Status: res.StatusCode, Body: string(b)}
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// get fetches path and discards the body, returning the status: the
// read-path measurement, where decoding would only add client time.
func (a *api) get(ctx context.Context, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/api/v1"+path, nil)
	if err != nil {
		return 0, err
	}
	res, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, err
}

func planPath(id int64, format string, args ...any) string {
	return fmt.Sprintf("/action-plans/%d", id) + fmt.Sprintf(format, args...)
}
