//go:build cluster

package clustertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// api calls the ogp HTTP API and keeps the score the summary prints: every
// request sent, the answers by status, and each 5xx that no fault allowed.
type api struct {
	base string
	hc   *http.Client

	mu         sync.Mutex
	sent       int
	byStatus   map[int]int
	unexpected []string // 5xx answers outside expectServiceUnavailable
	decisions  int      // step decisions answered 200
}

func newAPI(base string) *api {
	return &api{base: base, hc: &http.Client{Timeout: 90 * time.Second}, byStatus: map[int]int{}}
}

// response is one answer.
type response struct {
	status      int
	contentType string
	body        []byte
	took        time.Duration
}

// send makes one request; headers are name, value pairs. A 5xx is noted
// as unexpected unless allow503 (a call made while a dependency is down
// on purpose, which must answer 503).
func (a *api) send(token, method, path string, body any, allow503 bool, headers ...string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return response{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := a.hc.Do(req)
	a.mu.Lock()
	a.sent++
	a.mu.Unlock()
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: got, took: time.Since(start)}
	a.mu.Lock()
	a.byStatus[r.status]++
	if r.status >= 500 && !(allow503 && r.status == http.StatusServiceUnavailable) {
		a.unexpected = append(a.unexpected, fmt.Sprintf("%s %s -> %d %s", method, path, r.status, got))
	}
	if r.status == http.StatusOK && method == "POST" && strings.HasSuffix(path, "/decisions") && strings.Contains(path, "/steps/") {
		a.decisions++
	}
	a.mu.Unlock()
	return r, nil
}

// do makes a request that must answer want, decoding the answer into out.
func (a *api) do(token, method, path string, body any, want int, out any, headers ...string) error {
	r, err := a.send(token, method, path, body, false, headers...)
	if err != nil {
		return err
	}
	if r.status != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if out != nil && len(r.body) > 0 {
		if err := json.Unmarshal(r.body, out); err != nil {
			return fmt.Errorf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
	return nil
}

// expect503 makes a request while a dependency is down: it must answer
// 503 with a problem+json body, in less than limit.
func (a *api) expect503(token, method, path string, body any, limit time.Duration, headers ...string) (response, error) {
	r, err := a.send(token, method, path, body, true, headers...)
	if err != nil {
		return r, err
	}
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	switch {
	case r.status != http.StatusServiceUnavailable:
		return r, fmt.Errorf("%s %s while down: status %d, want 503: %s", method, path, r.status, r.body)
	case !strings.HasPrefix(r.contentType, "application/problem+json"):
		return r, fmt.Errorf("%s %s while down: content type %q, want application/problem+json", method, path, r.contentType)
	case json.Unmarshal(r.body, &p) != nil || p.Status != 503 || p.Code == "":
		return r, fmt.Errorf("%s %s while down: not a problem+json with a code: %s", method, path, r.body)
	case r.took > limit:
		return r, fmt.Errorf("%s %s while down: answered 503 after %s, more than %s", method, path, r.took.Round(time.Millisecond), limit)
	}
	return r, nil
}

// stats returns the score so far.
func (a *api) stats() (sent int, byStatus map[int]int, unexpected []string, decisions int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	byStatus = map[int]int{}
	for k, v := range a.byStatus {
		byStatus[k] = v
	}
	return a.sent, byStatus, append([]string(nil), a.unexpected...), a.decisions
}
