package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// localPath must never send a visitor off the site after sign-in,
// whatever the next parameter holds.
func TestLocalPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/work", "/work"},
		{"/plans/3?x=1#y", "/plans/3?x=1#y"},
		{"", "/work"},
		{"https://evil.example/", "/work"},
		{"//evil.example/", "/work"},
		{"/\\evil.example", "/work"},
		{"/api/v1/me", "/work"},
		{"work", "/work"},
	} {
		if got := localPath(tc.in); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/work", "//x", "/\\x", "https://x", "/%2f%2fx", "/\t/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		p := localPath(next)
		u, err := url.Parse(p)
		if err != nil {
			return // a browser cannot follow it either; it stays relative
		}
		if u.Host != "" || u.Scheme != "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
			t.Fatalf("localPath(%q) = %q leaves the site", next, p)
		}
		// What a browser would resolve it to must stay on this host.
		base, _ := url.Parse("https://city.example/signin")
		if r := base.ResolveReference(u); r.Host != "city.example" {
			t.Fatalf("localPath(%q) = %q resolves to host %q", next, p, r.Host)
		}
	})
}

func FuzzPickLanguage(f *testing.F) {
	for _, s := range []string{"es-MX,es;q=0.9", "fr", "", "*", "en;q=0.1,es;q=0.2", "x-\x00"} {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, accept, cookie string) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", accept)
		if cookie != "" && (&http.Cookie{Name: langCookie, Value: cookie}).Valid() == nil {
			r.AddCookie(&http.Cookie{Name: langCookie, Value: cookie})
		}
		got := pickLanguage(r)
		if got != "en" && got != "es" {
			t.Fatalf("pickLanguage(%q, %q) = %q", accept, cookie, got)
		}
	})
}
