package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/web/webtest"
)

var (
	accNewTokenRE = regexp.MustCompile(`id="new-token"[^>]*value="([^"]+)"`)
	accCalendarRE = regexp.MustCompile(`id="calendar-url"[^>]*value="([^"]+)"`)
	accLinkRE     = regexp.MustCompile(`https?://\S+/account/password\?token=[A-Za-z0-9_%.~-]+`)
)

// accLink waits for the account link sent to the user with this e-mail
// address (the in-app copy: the test stack has no SMTP server) and
// returns it.
func accLink(t *testing.T, site *webtest.Site, email string) *url.URL {
	t.Helper()
	ctx := context.Background()
	u, err := site.Stack.DB.UserByEmail(ctx, email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ns []models.Notification
		if err := site.Stack.DB.Gorm.WithContext(ctx).Where("user_id = ? AND kind = ?", u.ID, models.NotificationAccountLink).
			Order("id DESC").Find(&ns).Error; err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if m := accLinkRE.FindString(n.Body); m != "" {
				link, err := url.Parse(m)
				if err != nil {
					t.Fatal(err)
				}
				return link
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no account link reached %s", email)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAccountPages covers "My account" and inviting people through HTTP
// on a whole stack: an API token created (shown once) and revoked (the
// API refuses it from then on), notification settings (a refusal next to
// the channels, then saved), the calendar address and its reset, the
// password link, and an administrator's invitation whose link lets the
// new person choose a password and sign in; others get 403.
func TestAccountPages(t *testing.T) {
	t.Parallel()
	site := webtest.Start(t, "")
	admin := site.User("Grace Whitfield", "grace.whitfield@example.org", true)
	ana := site.User("Ana Lucía Ferreira", "ana.ferreira@example.org", false)
	b := site.Browser()
	b.SignIn(ana)

	t.Run("the account page shows who I am", func(t *testing.T) {
		p := b.For(t).Get("/account")
		if p.Status != http.StatusOK {
			t.Fatalf("status %d", p.Status)
		}
		p.MustContain(t, "<h1", "My account", "Ana Lucía Ferreira", "ana.ferreira@example.org", `id="tokens"`, `id="notifications"`, `id="calendar"`, `id="password"`)
		if strings.Contains(p.Body, `href="/account/users"`) {
			t.Error("a person who is not an administrator is offered to invite people")
		}
		if anon := site.Browser().For(t).Get("/account"); anon.URL.Path != "/signin" {
			t.Errorf("an anonymous visitor reached %s", anon.URL)
		}
	})

	t.Run("a token is shown once, then revoked, and the API refuses it", func(t *testing.T) {
		b := b.For(t)
		p := b.Submit(b.Get("/account"), "/account/tokens", map[string]string{"token_name": " "})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a token without a name: status %d", p.Status)
		}
		p.MustContain(t, `id="error-token_name"`, `aria-invalid="true"`)
		p = b.Submit(p, "/account/tokens", map[string]string{"token_name": "CI pipeline"})
		m := accNewTokenRE.FindStringSubmatch(p.Body)
		if p.Status != http.StatusOK || m == nil {
			t.Fatalf("no new token shown (%d):\n%s", p.Status, p.Body)
		}
		token := html.UnescapeString(m[1])
		p.MustContain(t, "it is shown only this once", `readonly`)
		var me struct {
			Email string `json:"email"`
		}
		site.API(token, http.MethodGet, "/me", nil, http.StatusOK, &me)
		if me.Email != ana.Email {
			t.Fatalf("the new token acts as %q", me.Email)
		}
		again := b.Get("/account")
		if strings.Contains(again.Body, token) {
			t.Fatal("the token is shown a second time")
		}
		again.MustContain(t, "CI pipeline")
		var list struct {
			Items []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"items"`
		}
		site.API(ana.Token, http.MethodGet, "/me/tokens", nil, http.StatusOK, &list)
		var id int64
		for _, it := range list.Items {
			if it.Name == "CI pipeline" {
				id = it.ID
			}
		}
		if id == 0 {
			t.Fatalf("tokens: %+v", list.Items)
		}
		p = b.Submit(again, fmt.Sprintf("/account/tokens/%d/revoke", id), nil)
		if p.URL.Path != "/account" {
			t.Fatalf("revoke went to %s", p.URL)
		}
		p.MustContain(t, "The access key is revoked")
		if strings.Contains(p.Body, "CI pipeline") {
			t.Error("the revoked token is still listed")
		}
		site.API(token, http.MethodGet, "/me", nil, http.StatusUnauthorized, nil)
		site.API(ana.Token, http.MethodGet, "/me", nil, http.StatusOK, nil)
	})

	t.Run("notification settings: a refusal next to the channels, then saved", func(t *testing.T) {
		b := b.For(t)
		p := b.Submit(b.Get("/account"), "/account/notifications", map[string]string{"digest_hour": "7"})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("no channel: status %d", p.Status)
		}
		p.MustContain(t, `id="error-notify_email"`, "at least one channel must stay on")
		p = b.Submit(p, "/account/notifications", map[string]string{"notify_in_app": "true", "digest": "true", "digest_hour": "18"})
		p.MustContain(t, "Your notification settings are saved.", `<option value="18" selected>`)
		var st struct {
			Email      bool `json:"email"`
			InApp      bool `json:"in_app"`
			Digest     bool `json:"digest"`
			DigestHour int  `json:"digest_hour"`
		}
		site.API(ana.Token, http.MethodGet, "/me/notification-settings", nil, http.StatusOK, &st)
		if st.Email || !st.InApp || !st.Digest || st.DigestHour != 18 {
			t.Fatalf("settings: %+v", st)
		}
		if strings.Contains(p.Body, `id="notify-email" type="checkbox" name="notify_email" value="true" checked`) ||
			!strings.Contains(p.Body, `id="notify-in-app" type="checkbox" name="notify_in_app" value="true" checked`) {
			t.Error("the checkboxes do not show the saved channels")
		}
	})

	t.Run("the calendar address, and a new one", func(t *testing.T) {
		b := b.For(t)
		p := b.Get("/account")
		m := accCalendarRE.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("no calendar address:\n%s", p.Body)
		}
		old := html.UnescapeString(m[1])
		p.MustContain(t, "webcal://", "Google Calendar")
		res, err := http.Get(old)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("the calendar feed answers %d", res.StatusCode)
		}
		p = b.Submit(p, "/account/calendar/reset", nil)
		p.MustContain(t, "Your calendar has a new address")
		m = accCalendarRE.FindStringSubmatch(p.Body)
		if m == nil || html.UnescapeString(m[1]) == old {
			t.Fatal("the address did not change")
		}
		res, err = http.Get(old)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("the old address answers %d", res.StatusCode)
		}
	})

	t.Run("a link to change my password", func(t *testing.T) {
		b := b.For(t)
		p := b.Submit(b.Get("/account"), "/account/password-link", nil)
		p.MustContain(t, "The link is on its way")
		if link := accLink(t, site, ana.Email); link.Path != "/account/password" {
			t.Fatalf("link %s", link)
		}
	})

	t.Run("only administrators invite people", func(t *testing.T) {
		p := b.For(t).Get("/account/users")
		if p.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", p.Status)
		}
		p.MustContain(t, "Only administrators invite people.")
	})

	t.Run("an administrator invites a person, who sets a password and signs in", func(t *testing.T) {
		a := site.Browser().For(t)
		a.SignIn(admin)
		a.Get("/account").MustContain(t, `href="/account/users"`)
		p := a.Get("/account/users")
		p.MustContain(t, "Invite people", `action="/account/users"`, "Everyone with an account", admin.Name)
		p = a.Submit(p, "/account/users", map[string]string{"name": "Kwame Mensah", "email": "not an address"})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a bad address: status %d", p.Status)
		}
		p.MustContain(t, `id="error-email"`, `value="Kwame Mensah"`)
		p = a.Submit(p, "/account/users", map[string]string{"name": "Kwame Mensah", "email": "kwame.mensah@example.org"})
		p.MustContain(t, "The account is created and the invitation is on its way.")
		if p.URL.Path != "/account/users" {
			t.Fatalf("went to %s", p.URL)
		}
		dup := a.Submit(p, "/account/users", map[string]string{"name": "Kwame Mensah", "email": "kwame.mensah@example.org"})
		dup.MustContain(t, `id="error-email"`)
		found := a.Get("/account/users?q=MENSAH")
		found.MustContain(t, "kwame.mensah@example.org", "Accounts found: 1")
		if strings.Contains(found.Body, admin.Email) {
			t.Fatal("the search for Mensah lists the administrator")
		}
		a.Get("/account/users?q=nobody-at-all").MustContain(t, "Nobody matches")

		link := accLink(t, site, "kwame.mensah@example.org")
		k := site.Browser().For(t)
		set := k.Get(link.RequestURI())
		set.MustContain(t, "Welcome: choose your password", "kwame.mensah@example.org")
		done := k.Submit(set, "/account/password", map[string]string{"password": "river city open data", "confirm": "river city open data"})
		if done.URL.Path != "/signin" {
			t.Fatalf("setting the password went to %s:\n%s", done.URL, done.Body)
		}
		k.SignIn(webtest.Person{Email: "kwame.mensah@example.org", Password: "river city open data"})
		k.Get("/account").MustContain(t, "Kwame Mensah")
	})

	t.Run("in Spanish", func(t *testing.T) {
		es := b.For(t)
		es.Lang = "es"
		es.Get("/account").MustContain(t, `lang="es"`, "Mi cuenta", "Claves de acceso a la API", "Calendario")
	})
}
