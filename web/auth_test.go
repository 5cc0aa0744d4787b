package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/web/webtest"
)

// TestSignInSessionsAndCSRF covers the account pages through HTTP on a
// whole stack: signing in and out, the refusals of a wrong password, of a
// form without or with a foreign CSRF token, and an expired session.
func TestSignInSessionsAndCSRF(t *testing.T) {
	site := webtest.Start(t, "")
	ana := site.User("Ana Coordinator", "ana@example.org", false)

	t.Run("wrong password is shown next to the field, and nobody is signed in", func(t *testing.T) {
		b := site.Browser().For(t)
		p := b.Submit(b.Get("/signin"), "/signin", map[string]string{"email": ana.Email, "password": "not the password at all"})
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", p.Status)
		}
		p.MustContain(t, `usa-form-group--error`, `id="error-password"`, "The e-mail address or the password is not right.", `value="ana@example.org"`)
		if strings.Contains(p.Body, "not the password at all") {
			t.Fatal("the typed password is echoed back")
		}
		if b.Get("/work").URL.Path != "/signin" {
			t.Fatal("/work did not send an anonymous visitor to sign in")
		}
	})

	t.Run("sign in returns to the page asked for, sign out ends the session", func(t *testing.T) {
		b := site.Browser().For(t)
		p := b.Get("/work")
		if p.URL.Path != "/signin" || p.URL.Query().Get("next") != "/work" {
			t.Fatalf("anonymous /work went to %s", p.URL)
		}
		p = b.Submit(p, "/signin", map[string]string{"email": "ANA@example.org ", "password": ana.Password})
		if p.URL.Path == "/signin" {
			t.Fatalf("sign-in failed: %s\n%s", p, p.Body)
		}
		p = b.Get("/")
		p.MustContain(t, `action="/signout"`)
		out := b.Submit(p, "/signout", nil)
		if out.Status != http.StatusOK || out.URL.Path != "/" {
			t.Fatalf("sign out: %s", out)
		}
		if b.Get("/work").URL.Path != "/signin" {
			t.Fatal("still signed in after signing out")
		}
	})

	t.Run("a form without the CSRF token is refused", func(t *testing.T) {
		b := site.Browser().For(t)
		b.Get("/signin") // has the CSRF cookie, but does not send the token
		p := b.Post("/signin", url.Values{"email": {ana.Email}, "password": {ana.Password}})
		if p.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", p.Status)
		}
		p.MustContain(t, "the form has expired or did not come from this site")
		// Another browser's token does not help either.
		other := site.Browser().For(t)
		page := other.Get("/signin")
		token := hiddenValue(t, page.Body, "csrf")
		p = b.Post("/signin", url.Values{"email": {ana.Email}, "password": {ana.Password}, "csrf": {token}})
		if p.Status != http.StatusForbidden {
			t.Fatalf("foreign token: status %d, want 403", p.Status)
		}
	})

	t.Run("a cross-site form is refused whatever it carries", func(t *testing.T) {
		b := site.Browser().For(t)
		page := b.Get("/signin")
		form := url.Values{"email": {ana.Email}, "password": {ana.Password}, "csrf": {hiddenValue(t, page.Body, "csrf")}}
		req, _ := http.NewRequest(http.MethodPost, site.Base+"/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res := doRaw(t, b, req)
		if res != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res)
		}
	})

	t.Run("an expired session sends the visitor to sign in again", func(t *testing.T) {
		b := site.Browser().For(t)
		b.SignIn(ana)
		if p := b.Get("/work"); p.URL.Path != "/work" {
			t.Fatalf("signed in, /work went to %s", p.URL)
		}
		if err := site.Stack.DB.Gorm.WithContext(context.Background()).Exec("UPDATE sessions SET expires_at = ? WHERE user_id = ?", time.Now().Add(-time.Minute).UTC(), ana.ID).Error; err != nil {
			t.Fatal(err)
		}
		p := b.Get("/work")
		if p.URL.Path != "/signin" || p.URL.Query().Get("expired") != "1" {
			t.Fatalf("expired session: went to %s", p.URL)
		}
		p.MustContain(t, "Your session has expired.")
	})
}

// TestPagesAndAPIErrors checks that unknown pages get an HTML page in the
// visitor's language while the API keeps problem+json.
func TestPagesAndAPIErrors(t *testing.T) {
	site := webtest.Start(t, "")
	b := site.Browser().For(t)
	p := b.Get("/no/such/page")
	if p.Status != http.StatusNotFound || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page 404: %d %s", p.Status, p.Header.Get("Content-Type"))
	}
	p.MustContain(t, "Page not found", `<html lang="en">`)
	b.Lang = "es-MX,es;q=0.9"
	p = b.Get("/no/such/page")
	p.MustContain(t, "Página no encontrada", `<html lang="es">`)
	api := b.Get("/api/v1/action-plans/999999")
	if api.Status != http.StatusNotFound || !strings.HasPrefix(api.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("API 404: %d %s", api.Status, api.Header.Get("Content-Type"))
	}
	// The visitor's own choice beats the browser's language.
	page := b.Get("/signin")
	p = b.Submit(page, "/language", map[string]string{"lang": "en", "next": "/signin"})
	p.MustContain(t, `<html lang="en">`, "Sign in")
	if p := b.Get("/static/vendor/"); p.Status != http.StatusNotFound {
		t.Errorf("/static/vendor/ lists the folder: status %d", p.Status)
	}
	if p := b.Get("/static/app.css"); p.Status != http.StatusOK || p.Header.Get("Cache-Control") == "" {
		t.Errorf("/static/app.css: status %d, Cache-Control %q", p.Status, p.Header.Get("Cache-Control"))
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
		if p.Header.Get(h) == "" {
			t.Errorf("page lacks %s", h)
		}
	}
}

func hiddenValue(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		t.Fatalf("no hidden field %s", name)
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func doRaw(t *testing.T, b *webtest.Browser, req *http.Request) int {
	t.Helper()
	res, err := b.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
