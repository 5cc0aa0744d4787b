package models_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// setClock makes db's clock (the source of every timestamp it writes and
// compares) read a fixed instant, and returns a function that moves it.
func setClock(t *testing.T, db *models.DB) (advance func(time.Duration), now func() time.Time) {
	t.Helper()
	var mu sync.Mutex
	at := time.Now().UTC().Truncate(time.Microsecond)
	db.Gorm.NowFunc = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return at
	}
	return func(d time.Duration) {
			mu.Lock()
			at = at.Add(d)
			mu.Unlock()
		}, func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return at
		}
}

func isWeak(err error) bool {
	var e *ogp.Error
	return errors.As(err, &e) && e.Kind == ogp.EUnprocessable && e.Code == "weak_password"
}

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=1,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		name, password string
		weak           bool
	}{
		{"empty", "", true},
		{"11 characters", "abcdefghijk", true},
		{"12 characters", "abcdefghijkl", false},
		{"12 spaces count", "            ", false},
		{"12 multi-byte characters", "ñandú-ñandú-", false},
		{"11 multi-byte characters, 22 bytes", "ééééééééééé", true},
		{"256 characters", strings.Repeat("x", 256), false},
		{"257 characters", strings.Repeat("x", 257), true},
		{"a passphrase", "correct horse battery staple", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := models.HashPassword(c.password)
			if c.weak {
				if !isWeak(err) {
					t.Fatalf("HashPassword = %q, %v; want weak_password", h, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("HashPassword: %v", err)
			}
			if !phc.MatchString(h) {
				t.Errorf("hash %q is not an argon2id PHC string with the documented parameters", h)
			}
			if !models.CheckPassword(h, c.password) {
				t.Error("CheckPassword refuses the password just hashed")
			}
			if models.CheckPassword(h, c.password+"x") {
				t.Error("CheckPassword accepts another password")
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	const pw = "correct horse battery staple"
	h, err := models.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := models.HashPassword(pw)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	// NFKC: full-width letters and digits are the same password as ASCII.
	hw, err := models.HashPassword("ｐａｓｓｗｏｒｄ１２３４")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	for _, c := range []struct {
		name, hash, password string
		want                 bool
	}{
		{"right", h, pw, true},
		{"second hash", h2, pw, true},
		{"wrong", h, "correct horse battery stapler", false},
		{"case matters", h, strings.ToUpper(pw), false},
		{"empty password", h, "", false},
		{"normalised", hw, "password1234", true},
		{"empty hash", "", pw, false},
		{"argon2i", strings.Replace(h, "$argon2id$", "$argon2i$", 1), pw, false},
		{"other version", strings.Replace(h, "$v=19$", "$v=16$", 1), pw, false},
		{"huge memory", strings.Replace(h, "m=65536", "m=4194304", 1), pw, false},
		{"zero passes", strings.Replace(h, "t=1", "t=0", 1), pw, false},
		{"unknown parameter", strings.Replace(h, "p=2", "p=2,x=1", 1), pw, false},
		{"bad salt", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"), pw, false},
		{"short key", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"), pw, false},
		{"other parameters, same key", strings.Replace(h, "t=1", "t=2", 1), pw, false},
	} {
		if got := models.CheckPassword(c.hash, c.password); got != c.want {
			t.Errorf("%s: CheckPassword = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		ana := mustUser(t, db, "ana")
		mustUser(t, db, "bea")
		const pw = "a long and memorable passphrase"

		if _, err := db.Authenticate(ctx, "ana@example.org", pw); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("without a password: %v, want ErrBadCredentials", err)
		}
		if has, err := db.HasPassword(ctx, ana.ID); err != nil || has {
			t.Fatalf("HasPassword before = %v, %v", has, err)
		}
		if err := db.SetPassword(ctx, ana.ID, "too short"); !isWeak(err) {
			t.Fatalf("SetPassword(weak) = %v, want weak_password", err)
		}
		if err := db.SetPassword(ctx, 9999, pw); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("SetPassword(unknown user) = %v, want ErrNotFound", err)
		}
		if err := db.SetPassword(ctx, ana.ID, pw); err != nil {
			t.Fatal(err)
		}
		if has, err := db.HasPassword(ctx, ana.ID); err != nil || !has {
			t.Fatalf("HasPassword after = %v, %v", has, err)
		}
		if _, err := db.HasPassword(ctx, 9999); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("HasPassword(unknown user) = %v", err)
		}
		var stored string
		if err := db.Gorm.Raw("SELECT password_hash FROM users WHERE id = ?", ana.ID).Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if !phc.MatchString(stored) || strings.Contains(stored, pw) {
			t.Fatalf("stored password_hash %q is not an argon2id hash", stored)
		}

		for _, c := range []struct {
			name, email, password string
			ok                    bool
		}{
			{"right", "ana@example.org", pw, true},
			{"address in capitals, with spaces", "  ANA@Example.ORG ", pw, true},
			{"wrong password", "ana@example.org", pw + "!", false},
			{"empty password", "ana@example.org", "", false},
			{"user without a password", "bea@example.org", pw, false},
			{"unknown address", "nobody@example.org", pw, false},
			{"empty address", "", pw, false},
		} {
			u, err := db.Authenticate(ctx, c.email, c.password)
			switch {
			case c.ok && (err != nil || u.ID != ana.ID):
				t.Errorf("%s: Authenticate = %+v, %v; want ana", c.name, u, err)
			case c.ok:
				assertUTC(t, c.name+": created_at", u.CreatedAt)
			case !errors.Is(err, models.ErrBadCredentials):
				t.Errorf("%s: Authenticate = %+v, %v; want ErrBadCredentials", c.name, u, err)
			}
		}

		// An unknown address costs the same hashing as a wrong password,
		// so timing does not tell who has an account.
		measure := func(email string) time.Duration {
			start := time.Now()
			_, _ = db.Authenticate(ctx, email, "not the password at all")
			return time.Since(start)
		}
		wrong, unknown := measure("ana@example.org"), measure("nobody@example.org")
		if unknown < wrong/3 {
			t.Errorf("an unknown address took %v, a wrong password %v: the unknown path skips the hashing", unknown, wrong)
		}
	})
}

func TestSessions(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		advance, now := setClock(t, db)
		ana := mustUser(t, db, "ana")
		const ttl = time.Hour

		if _, err := db.CreateSession(ctx, 9999, ttl); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("CreateSession(unknown user) = %v", err)
		}
		if _, err := db.CreateSession(ctx, ana.ID, 0); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("CreateSession(ttl 0) = %v", err)
		}
		plain, err := db.CreateSession(ctx, ana.ID, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, models.SessionTokenPrefix) || len(plain) < 40 {
			t.Fatalf("session token %q", plain)
		}
		session := func() models.Session {
			t.Helper()
			var s models.Session
			if err := db.Gorm.Where("token_hash = ?", models.HashToken(plain)).Take(&s).Error; err != nil {
				t.Fatalf("session row: %v", err)
			}
			return s
		}
		var leaked int64
		db.Gorm.Model(&models.Session{}).Where("token_hash = ?", plain).Count(&leaked)
		if leaked != 0 {
			t.Fatal("the plain session token is stored")
		}
		created := now()
		if s := session(); !s.ExpiresAt.Equal(created.Add(ttl)) || !s.LastSeenAt.Equal(created) {
			t.Fatalf("new session %+v", s)
		}

		// Sliding expiry, one write a minute at most.
		for _, c := range []struct {
			name    string
			advance time.Duration
			valid   bool
			touched bool // last_seen_at and expires_at move to now
		}{
			{"at once", 0, true, false},
			{"30 s later: read, no write", 30 * time.Second, true, false},
			{"2 min after creation: slides", 90 * time.Second, true, true},
			{"30 s after the slide: no write", 30 * time.Second, true, false},
			{"29 min later: slides", 29 * time.Minute, true, true},
			{"a second before the slid expiry: still valid, slides", ttl - time.Second, true, true},
			{"an idle hour later: expired", ttl, false, false},
		} {
			advance(c.advance)
			before := session()
			u, err := db.SessionUser(ctx, plain, ttl)
			if !c.valid {
				if !errors.Is(err, models.ErrNotFound) {
					t.Fatalf("%s: SessionUser = %+v, %v; want ErrNotFound", c.name, u, err)
				}
				continue
			}
			if err != nil || u.ID != ana.ID || u.Email != ana.Email {
				t.Fatalf("%s: SessionUser = %+v, %v", c.name, u, err)
			}
			after := session()
			if c.touched {
				if !after.LastSeenAt.Equal(now()) || !after.ExpiresAt.Equal(now().Add(ttl)) {
					t.Errorf("%s: session %+v, want seen now and expiring at %v", c.name, after, now().Add(ttl))
				}
			} else if !after.LastSeenAt.Equal(before.LastSeenAt) || !after.ExpiresAt.Equal(before.ExpiresAt) {
				t.Errorf("%s: session written: %+v -> %+v", c.name, before, after)
			}
			assertUTC(t, "last_seen_at", after.LastSeenAt)
		}

		// A new session sweeps the user's expired ones.
		second, err := db.CreateSession(ctx, ana.ID, ttl)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		db.Gorm.Model(&models.Session{}).Where("user_id = ?", ana.ID).Count(&n)
		if n != 1 {
			t.Errorf("%d sessions stored, want only the live one", n)
		}

		// Sign-out, twice; unknown and empty tokens.
		if _, err := db.SessionUser(ctx, second, ttl); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := db.DeleteSession(ctx, second); err != nil {
				t.Fatalf("DeleteSession #%d: %v", i+1, err)
			}
		}
		for _, tok := range []string{second, "", "ogps_unknown", plain} {
			if _, err := db.SessionUser(ctx, tok, ttl); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("SessionUser(%q) = %v, want ErrNotFound", tok, err)
			}
		}

		// Setting the password signs the user out everywhere.
		a, _ := db.CreateSession(ctx, ana.ID, ttl)
		b, _ := db.CreateSession(ctx, ana.ID, ttl)
		bea := mustUser(t, db, "bea")
		other, _ := db.CreateSession(ctx, bea.ID, ttl)
		if err := db.SetPassword(ctx, ana.ID, "a long and memorable passphrase"); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{a, b} {
			if _, err := db.SessionUser(ctx, tok, ttl); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("a session survived SetPassword: %v", err)
			}
		}
		if u, err := db.SessionUser(ctx, other, ttl); err != nil || u.ID != bea.ID {
			t.Errorf("another user's session = %+v, %v", u, err)
		}
	})
}

func TestUserByEmail(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		ana := mustUser(t, db, "ana")
		if u, err := db.UserByEmail(ctx, " Ana@EXAMPLE.org"); err != nil || u.ID != ana.ID {
			t.Errorf("UserByEmail = %+v, %v", u, err)
		}
		if _, err := db.UserByEmail(ctx, "nobody@example.org"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("UserByEmail(unknown) = %v", err)
		}
	})
}

func TestAccountLinks(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		advance, now := setClock(t, db)
		ana := mustUser(t, db, "ana")
		const week, hour = 7 * 24 * time.Hour, time.Hour
		const pw = "a long and memorable passphrase"
		live := func(plain string) bool {
			t.Helper()
			_, _, err := db.AccountLinkUser(ctx, plain)
			if err != nil && !errors.Is(err, models.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}

		for _, c := range []struct {
			name    string
			user    int64
			purpose string
			ttl     time.Duration
			want    error
		}{
			{"unknown purpose", ana.ID, "magic_link", hour, models.ErrInvalid},
			{"no lifetime", ana.ID, models.LinkInvitation, 0, models.ErrInvalid},
			{"unknown user", 9999, models.LinkInvitation, hour, models.ErrNotFound},
		} {
			if _, err := db.CreateAccountLink(ctx, c.user, c.purpose, c.ttl); !errors.Is(err, c.want) {
				t.Errorf("%s: CreateAccountLink = %v, want %v", c.name, err, c.want)
			}
		}

		first, err := db.CreateAccountLink(ctx, ana.ID, models.LinkInvitation, week)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(first, models.AccountLinkPrefix) || len(first) < 40 {
			t.Fatalf("link token %q", first)
		}
		u, l, err := db.AccountLinkUser(ctx, first)
		if err != nil || u.ID != ana.ID || l.UserID != ana.ID || l.Purpose != models.LinkInvitation ||
			!l.ExpiresAt.Equal(now().Add(week)) || l.UsedAt != nil || l.TokenHash != models.HashToken(first) {
			t.Fatalf("AccountLinkUser = %+v, %+v, %v", u, l, err)
		}
		assertUTC(t, "expires_at", l.ExpiresAt)

		// A newer invitation voids the older one; a reset link does not.
		advance(time.Minute)
		invitation, err := db.CreateAccountLink(ctx, ana.ID, models.LinkInvitation, week)
		if err != nil {
			t.Fatal(err)
		}
		reset, err := db.CreateAccountLink(ctx, ana.ID, models.LinkPasswordReset, hour)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, token string
			live        bool
		}{
			{"voided invitation", first, false},
			{"newest invitation", invitation, true},
			{"reset", reset, true},
			{"unknown", "ogpl_unknown", false},
			{"empty", "", false},
		} {
			if got := live(c.token); got != c.live {
				t.Errorf("%s: live = %v, want %v", c.name, got, c.live)
			}
		}

		// A weak password leaves the link usable; an unknown link fails
		// before any hashing.
		if _, err := db.UseAccountLink(ctx, invitation, "short"); !isWeak(err) {
			t.Fatalf("UseAccountLink(weak) = %v", err)
		}
		if _, err := db.UseAccountLink(ctx, first, "short"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("UseAccountLink(voided link, weak password) = %v, want ErrNotFound first", err)
		}
		session, _ := db.CreateSession(ctx, ana.ID, hour)

		// Single use: the first use sets the password and signs out
		// everywhere; it also voids the user's other unused links.
		got, err := db.UseAccountLink(ctx, invitation, pw)
		if err != nil || got.ID != ana.ID {
			t.Fatalf("UseAccountLink = %+v, %v", got, err)
		}
		if _, err := db.Authenticate(ctx, ana.Email, pw); err != nil {
			t.Errorf("Authenticate with the password set by the link: %v", err)
		}
		if _, err := db.SessionUser(ctx, session, hour); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a session survived the new password: %v", err)
		}
		var used models.AccountLink
		if err := db.Gorm.Where("token_hash = ?", models.HashToken(invitation)).Take(&used).Error; err != nil || used.UsedAt == nil || !used.UsedAt.Equal(now()) {
			t.Errorf("used link %+v, %v", used, err)
		}
		if live(invitation) || live(reset) {
			t.Error("a link still works after the password was set")
		}
		if _, err := db.UseAccountLink(ctx, invitation, pw+" again"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("second use = %v, want ErrNotFound", err)
		}
		if _, err := db.Authenticate(ctx, ana.Email, pw+" again"); !errors.Is(err, models.ErrBadCredentials) {
			t.Errorf("the second use changed the password: %v", err)
		}

		// Expiry: a reset link works for its hour, not a second longer.
		reset, err = db.CreateAccountLink(ctx, ana.ID, models.LinkPasswordReset, hour)
		if err != nil {
			t.Fatal(err)
		}
		advance(hour - time.Second)
		if !live(reset) {
			t.Fatal("the reset link expired early")
		}
		advance(time.Second)
		if live(reset) {
			t.Error("the reset link works at its expiry")
		}
		if _, err := db.UseAccountLink(ctx, reset, pw+" new"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("UseAccountLink(expired) = %v, want ErrNotFound", err)
		}
		// Creating a link sweeps the user's expired ones.
		if _, err := db.CreateAccountLink(ctx, ana.ID, models.LinkInvitation, week); err != nil {
			t.Fatal(err)
		}
		var n int64
		db.Gorm.Model(&models.AccountLink{}).Where("user_id = ? AND expires_at <= ?", ana.ID, now()).Count(&n)
		if n != 0 {
			t.Errorf("%d expired links kept", n)
		}
	})
}

// Of two concurrent uses of one link, exactly one sets the password.
func TestUseAccountLinkOnce(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		ana := mustUser(t, db, "ana")
		link, err := db.CreateAccountLink(ctx, ana.ID, models.LinkPasswordReset, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		passwords := []string{"first concurrent password", "second concurrent password"}
		errs := make([]error, len(passwords))
		var wg sync.WaitGroup
		for i, pw := range passwords {
			wg.Go(func() { _, errs[i] = db.UseAccountLink(ctx, link, pw) })
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won < 0:
				won = i
			case err == nil:
				t.Fatal("both uses succeeded")
			case !errors.Is(err, models.ErrNotFound):
				t.Fatalf("use %d: %v", i, err)
			}
		}
		if won < 0 {
			t.Fatal("neither use succeeded")
		}
		if _, err := db.Authenticate(ctx, ana.Email, passwords[won]); err != nil {
			t.Errorf("the winning password does not sign in: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		advance, _ := setClock(t, db)
		ana, err := db.CreateUser(ctx, "Ana", "ana@example.org", false, "ogp_initial-token-of-ana")
		if err != nil {
			t.Fatal(err)
		}
		bea := mustUser(t, db, "bea")

		for _, c := range []struct {
			name, token string
			user        int64
			want        error
		}{
			{"empty name", "  ", ana.ID, models.ErrInvalid},
			{"long name", strings.Repeat("n", models.MaxTokenNameLength+1), ana.ID, models.ErrInvalid},
			{"unknown user", "ci", 9999, models.ErrNotFound},
		} {
			if _, _, err := db.CreateToken(ctx, c.user, c.token); !errors.Is(err, c.want) {
				t.Errorf("%s: CreateToken = %v, want %v", c.name, err, c.want)
			}
		}
		advance(time.Second)
		ciPlain, ci, err := db.CreateToken(ctx, ana.ID, "  CI pipeline ")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ciPlain, models.TokenPrefix) || ci.ID == 0 || ci.Name != "CI pipeline" || ci.UserID != ana.ID ||
			ci.TokenHash != models.HashToken(ciPlain) {
			t.Fatalf("CreateToken = %q, %+v", ciPlain, ci)
		}
		advance(time.Second)
		laptopPlain, laptop, err := db.CreateToken(ctx, ana.ID, strings.Repeat("n", models.MaxTokenNameLength))
		if err != nil {
			t.Fatal(err)
		}
		beaPlain, beaToken, err := db.CreateToken(ctx, bea.ID, "bea's")
		if err != nil {
			t.Fatal(err)
		}
		names := func(userID int64) []int64 {
			t.Helper()
			ts, err := db.ListTokens(ctx, userID)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, tok := range ts {
				if tok.UserID != userID {
					t.Errorf("ListTokens(%d) lists a token of user %d", userID, tok.UserID)
				}
				assertUTC(t, "token created_at", tok.CreatedAt)
				ids = append(ids, tok.ID)
			}
			return ids
		}
		ids := names(ana.ID)
		if len(ids) != 3 || ids[0] != laptop.ID || ids[1] != ci.ID {
			t.Fatalf("ListTokens = %v, want newest first: %d, %d, then the initial token", ids, laptop.ID, ci.ID)
		}
		if u, err := db.UserByToken(ctx, laptopPlain); err != nil || u.ID != ana.ID {
			t.Fatalf("the new token does not authenticate: %v", err)
		}

		for _, c := range []struct {
			name      string
			user, tok int64
			want      error
		}{
			{"own token", ana.ID, ci.ID, nil},
			{"own token, again", ana.ID, ci.ID, nil},
			{"someone else's token", ana.ID, beaToken.ID, models.ErrNotFound},
			{"unknown token", ana.ID, 9999, models.ErrNotFound},
		} {
			if err := db.RevokeToken(ctx, c.user, c.tok); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Errorf("%s: RevokeToken = %v, want %v", c.name, err, c.want)
			}
		}
		if _, err := db.UserByToken(ctx, ciPlain); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a revoked token still authenticates: %v", err)
		}
		if u, err := db.UserByToken(ctx, beaPlain); err != nil || u.ID != bea.ID {
			t.Errorf("bea's token after ana's attempt = %+v, %v", u, err)
		}
		if ids := names(ana.ID); len(ids) != 2 || ids[0] != laptop.ID {
			t.Errorf("ListTokens after revoking = %v", ids)
		}
		if ids := names(9999); len(ids) != 0 {
			t.Errorf("ListTokens(unknown user) = %v", ids)
		}
	})
}
