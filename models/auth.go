package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// Accounts of the web workspace: passwords, browser sessions, single-use
// account links (invitations, password resets), and the user's own API
// tokens. Every token (session, link, API) is random, carries a
// recognisable prefix, and is stored only as its HashToken, so a leaked
// database holds nothing usable.

// ErrBadCredentials is the one answer to a failed sign-in, whether the
// e-mail address is unknown, the user has no password yet, or the password
// is wrong: telling them apart would let anyone find out who has an
// account.
var ErrBadCredentials = errors.New("wrong e-mail address or password")

// Password policy (NIST SP 800-63B): length, not composition rules. A
// password is normalised (Unicode NFKC) before it is counted and hashed, so
// the same characters typed on two keyboards are the same password.
const (
	MinPasswordLength = 12
	// MaxPasswordLength bounds the work per attempt; a passphrase of a
	// few words is far below it.
	MaxPasswordLength = 256
)

// Token prefixes, so leaked tokens are recognisable (see TokenPrefix).
const (
	SessionTokenPrefix = "ogps_"
	AccountLinkPrefix  = "ogpl_"
)

// Purposes of account links.
const (
	// LinkInvitation lets a user an administrator created choose their
	// first password.
	LinkInvitation = "invitation"
	// LinkPasswordReset lets a user who forgot their password choose a
	// new one.
	LinkPasswordReset = "password_reset"
)

// NotificationAccountLink is the notification kind of the message that
// carries an account link.
const NotificationAccountLink = "account_link"

// sessionTouchGranularity bounds how often a session in use is written:
// its last_seen_at (and so its sliding expiry) moves at most once a
// minute, so reading pages is not also a stream of writes.
const sessionTouchGranularity = time.Minute

// Session is a signed-in browser. The cookie holds the plain token; only
// its hash is stored.
type Session struct {
	ID         int64     `gorm:"column:id;primaryKey" json:"id"`
	UserID     int64     `gorm:"column:user_id" json:"user_id"`
	TokenHash  string    `gorm:"column:token_hash" json:"-"`
	CreatedAt  time.Time `gorm:"column:created_at" json:"created_at"`
	ExpiresAt  time.Time `gorm:"column:expires_at" json:"expires_at"`
	LastSeenAt time.Time `gorm:"column:last_seen_at" json:"last_seen_at"`
}

// TableName implements gorm's Tabler.
func (Session) TableName() string { return "sessions" }

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (s *Session) AfterFind(*gorm.DB) error {
	normTime(&s.CreatedAt)
	normTime(&s.ExpiresAt)
	normTime(&s.LastSeenAt)
	return nil
}

// AccountLink is a single-use link sent to a user by e-mail: an
// invitation or a password reset. Only the hash of its token is stored.
type AccountLink struct {
	ID     int64 `gorm:"column:id;primaryKey" json:"id"`
	UserID int64 `gorm:"column:user_id" json:"user_id"`
	// Purpose is LinkInvitation or LinkPasswordReset.
	Purpose   string     `gorm:"column:purpose" json:"purpose"`
	TokenHash string     `gorm:"column:token_hash" json:"-"`
	CreatedAt time.Time  `gorm:"column:created_at" json:"created_at"`
	ExpiresAt time.Time  `gorm:"column:expires_at" json:"expires_at"`
	UsedAt    *time.Time `gorm:"column:used_at" json:"used_at,omitempty"`
}

// TableName implements gorm's Tabler.
func (AccountLink) TableName() string { return "account_links" }

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (l *AccountLink) AfterFind(*gorm.DB) error {
	normTime(&l.CreatedAt)
	normTime(&l.ExpiresAt)
	normTimePtr(&l.UsedAt)
	return nil
}

// --- passwords

// argon2id parameters of new hashes. 64 MiB and one pass with two lanes
// take about 0.1 s on one server core: above OWASP's argon2id minimum
// (46 MiB, t=1, p=1) and RFC 9106's memory of its second recommended
// option, while a sign-in stays quick. Memory, not passes, is what makes
// guessing on GPUs and ASICs expensive, hence t=1 with as much memory as a
// small server can spend per sign-in. The parameters are stored in each
// hash (PHC string), so they can be raised later without invalidating
// existing passwords.
const (
	argonMemoryKiB = 64 * 1024
	argonTime      = 1
	argonThreads   = 2
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// hashSlots bounds the hashes computed at once: each takes argonMemoryKiB,
// so a burst of sign-ins queues instead of exhausting memory (at most
// 4 x 64 MiB).
var hashSlots = make(chan struct{}, max(1, min(runtime.GOMAXPROCS(0), 4)))

// b64 is the PHC string's encoding: standard base64 without padding.
var b64 = base64.RawStdEncoding

// normalizePassword is the form of a password that is counted and hashed.
func normalizePassword(plain string) string { return norm.NFKC.String(plain) }

// weakPassword is the refusal of a password outside the policy.
func weakPassword() error {
	return ogp.Errorf(ogp.EUnprocessable, "weak_password",
		"a password needs %d to %d characters; a few unrelated words make a strong one that is easy to remember",
		MinPasswordLength, MaxPasswordLength)
}

// HashPassword returns the argon2id hash of a password as a PHC string
// ($argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash>), with a fresh random
// salt. A password shorter than MinPasswordLength or longer than
// MaxPasswordLength characters is refused with an *ogp.Error of kind
// EUnprocessable and code "weak_password".
func HashPassword(plain string) (string, error) {
	p := normalizePassword(plain)
	if n := utf8.RuneCountInString(p); n < MinPasswordLength || n > MaxPasswordLength {
		return "", weakPassword()
	}
	var salt [argonSaltLen]byte
	_, _ = rand.Read(salt[:])
	key := argonKey(p, salt[:], argonParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads, keyLen: argonKeyLen})
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt[:]), b64.EncodeToString(key)), nil
}

// CheckPassword says whether plain is the password of hash (a PHC string
// from HashPassword), comparing in constant time. A malformed hash matches
// nothing.
func CheckPassword(hash, plain string) bool {
	params, salt, want, ok := parsePHC(hash)
	if !ok {
		return false
	}
	got := argonKey(normalizePassword(plain), salt, params)
	return subtle.ConstantTimeCompare(got, want) == 1
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
	keyLen  uint32
}

func argonKey(password string, salt []byte, p argonParams) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, p.keyLen)
}

// parsePHC reads an argon2id PHC string. Parameters beyond sane bounds are
// refused, so a tampered row cannot make a sign-in allocate gigabytes.
func parsePHC(hash string) (p argonParams, salt, key []byte, ok bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, false
	}
	var m, t, threads uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, found := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !found || err != nil {
			return p, nil, nil, false
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			threads = n
		default:
			return p, nil, nil, false
		}
	}
	if m < 8*threads || m > 1<<20 || t < 1 || t > 16 || threads < 1 || threads > 16 {
		return p, nil, nil, false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, false
	}
	key, err = b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, false
	}
	return argonParams{memory: uint32(m), time: uint32(t), threads: uint8(threads), keyLen: uint32(len(key))}, salt, key, true
}

// dummyHash is checked when there is no password to check, so a sign-in
// for an unknown address takes as long as one with a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("no password matches this one, by design")
	if err != nil {
		panic(err)
	}
	return h
})

// Authenticate signs a user in by e-mail address (compared
// case-insensitively) and password. An unknown address, a user without a
// password and a wrong password all yield ErrBadCredentials, after the
// same hashing work, so neither the answer nor its timing tells whether
// the address has an account.
func (db *DB) Authenticate(ctx context.Context, email, password string) (User, error) {
	var row struct {
		User         `gorm:"embedded"`
		PasswordHash *string `gorm:"column:password_hash"`
	}
	err := db.Gorm.WithContext(ctx).Table("users").Where("email = ?", normEmail(email)).Take(&row).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, dbErr("authenticate", err)
	}
	hash := ""
	if err == nil && row.PasswordHash != nil {
		hash = *row.PasswordHash
	}
	if hash == "" {
		CheckPassword(dummyHash(), password)
		return User{}, fmt.Errorf("models: authenticate: %w", ErrBadCredentials)
	}
	if !CheckPassword(hash, password) {
		return User{}, fmt.Errorf("models: authenticate: %w", ErrBadCredentials)
	}
	u := row.User
	normTime(&u.CreatedAt)
	return u, nil
}

// SetPassword sets a user's password (refused as HashPassword refuses it)
// and signs the user out everywhere: every session of theirs is deleted,
// and so are their unused account links. ErrNotFound when the user does
// not exist.
func (db *DB) SetPassword(ctx context.Context, userID int64, plain string) error {
	hash, err := HashPassword(plain)
	if err != nil {
		return err
	}
	err = db.transaction(ctx, func(tx *gorm.DB) error { return setPasswordTx(tx, userID, hash) })
	return dbErr(fmt.Sprintf("set password of user %d", userID), err)
}

func setPasswordTx(tx *gorm.DB, userID int64, hash string) error {
	res := tx.Table("users").Where("id = ?", userID).Update("password_hash", hash)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	if err := tx.Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return err
	}
	return tx.Where("user_id = ? AND used_at IS NULL", userID).Delete(&AccountLink{}).Error
}

// HasPassword says whether the user has chosen a password (ErrNotFound
// for an unknown user).
func (db *DB) HasPassword(ctx context.Context, userID int64) (bool, error) {
	var hashes []string
	err := db.Gorm.WithContext(ctx).Table("users").Where("id = ?", userID).Pluck("COALESCE(password_hash, '')", &hashes).Error
	if err == nil && len(hashes) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return false, dbErr(fmt.Sprintf("password of user %d", userID), err)
	}
	return hashes[0] != "", nil
}

// --- sessions

// newSecret mints a random token with prefix and its stored hash.
func newSecret(prefix string) (plain, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	plain = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, HashToken(plain)
}

// requireUser fails with ErrNotFound when the user does not exist.
func requireUser(tx *gorm.DB, userID int64) error {
	var n int64
	if err := tx.Table("users").Where("id = ?", userID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// CreateSession signs a user in: it returns a new session token (prefix
// "ogps_", for the cookie) valid for ttl, sliding with use (see
// SessionUser). The user's expired sessions are deleted on the way.
// ErrNotFound when the user does not exist.
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (plain string, err error) {
	op := fmt.Sprintf("create session of user %d", userID)
	if ttl <= 0 {
		return "", dbErr(op, invalidf("a session needs a positive lifetime"))
	}
	plain, hash := newSecret(SessionTokenPrefix)
	now := db.now()
	s := Session{UserID: userID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl), LastSeenAt: now}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		if err := requireUser(tx, userID); err != nil {
			return err
		}
		if err := tx.Where("user_id = ? AND expires_at <= ?", userID, now).Delete(&Session{}).Error; err != nil {
			return err
		}
		return tx.Create(&s).Error
	})
	if err != nil {
		return "", dbErr(op, err)
	}
	return plain, nil
}

// SessionUser returns the user of a live session token; ErrNotFound when
// the token is unknown, signed out or expired. The expiry slides: when the
// session was last seen more than a minute ago, it is seen now and expires
// ttl from now (one write a minute at most, and best effort: a lost write
// does not fail a request that authenticated fine). ttl <= 0 reads without
// sliding.
func (db *DB) SessionUser(ctx context.Context, plain string, ttl time.Duration) (User, error) {
	if plain == "" {
		return User{}, dbErr("session user", ErrNotFound)
	}
	now := db.now()
	g := db.Gorm.WithContext(ctx)
	var row struct {
		User       `gorm:"embedded"`
		SessionID  int64     `gorm:"column:session_id"`
		LastSeenAt time.Time `gorm:"column:session_last_seen_at"`
	}
	err := g.Table("sessions AS s").
		Select("u.*, s.id AS session_id, s.last_seen_at AS session_last_seen_at").
		Joins("JOIN users u ON u.id = s.user_id").
		Where("s.token_hash = ? AND s.expires_at > ?", HashToken(plain), now).
		Take(&row).Error
	if err != nil {
		return User{}, dbErr("session user", err)
	}
	if ttl > 0 && now.Sub(row.LastSeenAt) >= sessionTouchGranularity {
		// The condition is repeated in SQL so concurrent requests write once.
		_ = g.Model(&Session{}).
			Where("id = ? AND last_seen_at <= ?", row.SessionID, now.Add(-sessionTouchGranularity)).
			Updates(map[string]any{"last_seen_at": now, "expires_at": now.Add(ttl)}).Error
	}
	u := row.User
	normTime(&u.CreatedAt)
	return u, nil
}

// DeleteSession signs a session out. An unknown token is not an error, so
// signing out twice is harmless.
func (db *DB) DeleteSession(ctx context.Context, plain string) error {
	err := db.Gorm.WithContext(ctx).Where("token_hash = ?", HashToken(plain)).Delete(&Session{}).Error
	return dbErr("delete session", err)
}

// UserByEmail loads a user by e-mail address (compared case-insensitively);
// ErrNotFound when none has it.
func (db *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	if err := db.Gorm.WithContext(ctx).Take(&u, "email = ?", normEmail(email)).Error; err != nil {
		return User{}, dbErr("user by email", err)
	}
	return u, nil
}

// --- account links

// CreateAccountLink creates a single-use link of purpose (LinkInvitation
// or LinkPasswordReset) for the user, valid for ttl, and returns its token
// (prefix "ogpl_") for the e-mail. The user's unused links of the same
// purpose are deleted, so only the newest one works, and so are their
// expired links of any purpose. ErrNotFound when the user does not exist,
// ErrInvalid for an unknown purpose.
func (db *DB) CreateAccountLink(ctx context.Context, userID int64, purpose string, ttl time.Duration) (plain string, err error) {
	op := fmt.Sprintf("create %s link of user %d", purpose, userID)
	if purpose != LinkInvitation && purpose != LinkPasswordReset {
		return "", dbErr(op, invalidf("unknown account link purpose %q", purpose))
	}
	if ttl <= 0 {
		return "", dbErr(op, invalidf("an account link needs a positive lifetime"))
	}
	plain, hash := newSecret(AccountLinkPrefix)
	now := db.now()
	l := AccountLink{UserID: userID, Purpose: purpose, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		if err := requireUser(tx, userID); err != nil {
			return err
		}
		if err := tx.Where("user_id = ? AND ((purpose = ? AND used_at IS NULL) OR expires_at <= ?)", userID, purpose, now).
			Delete(&AccountLink{}).Error; err != nil {
			return err
		}
		return tx.Create(&l).Error
	})
	if err != nil {
		return "", dbErr(op, err)
	}
	return plain, nil
}

// liveLink finds the unused, unexpired link of a token.
func liveLink(tx *gorm.DB, plain string, now time.Time) (AccountLink, error) {
	var l AccountLink
	if plain == "" {
		return l, ErrNotFound
	}
	err := tx.Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", HashToken(plain), now).Take(&l).Error
	return l, err
}

// AccountLinkUser returns the link of a token and its user, for the page
// that asks for the new password; ErrNotFound when the token is unknown,
// used, replaced by a newer link, or expired.
func (db *DB) AccountLinkUser(ctx context.Context, plain string) (User, AccountLink, error) {
	g := db.Gorm.WithContext(ctx)
	l, err := liveLink(g, plain, db.now())
	if err != nil {
		return User{}, AccountLink{}, dbErr("account link", err)
	}
	var u User
	if err := g.Take(&u, "id = ?", l.UserID).Error; err != nil {
		return User{}, AccountLink{}, dbErr("account link", err)
	}
	return u, l, nil
}

// UseAccountLink sets the user's password with a link, atomically: the
// link must be live (ErrNotFound otherwise, as for AccountLinkUser), the
// password is set (refused as HashPassword refuses it), the link is marked
// used, and the user's sessions and other unused links are deleted. Of two
// concurrent uses of one link, one succeeds and the other gets ErrNotFound.
func (db *DB) UseAccountLink(ctx context.Context, plain, newPassword string) (User, error) {
	const op = "use account link"
	// The cheap check first: hashing costs 64 MiB and a tenth of a second,
	// which a public route must not spend on made-up tokens.
	if _, err := liveLink(db.Gorm.WithContext(ctx), plain, db.now()); err != nil {
		return User{}, dbErr(op, err)
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return User{}, err
	}
	now := db.now()
	var u User
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		l, err := liveLink(tx, plain, now)
		if err != nil {
			return err
		}
		res := tx.Model(&AccountLink{}).Where("id = ? AND used_at IS NULL", l.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := setPasswordTx(tx, l.UserID, hash); err != nil {
			return err
		}
		return tx.Take(&u, "id = ?", l.UserID).Error
	})
	if err != nil {
		return User{}, dbErr(op, err)
	}
	return u, nil
}

// --- API tokens

// MaxTokenNameLength bounds a token's name.
const MaxTokenNameLength = 100

// ListTokens returns the user's API tokens that are not revoked, newest
// first.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]APIToken, error) {
	out := []APIToken{}
	err := db.Gorm.WithContext(ctx).Where("user_id = ? AND revoked_at IS NULL", userID).
		Order("created_at DESC, id DESC").Find(&out).Error
	if err != nil {
		return nil, dbErr(fmt.Sprintf("tokens of user %d", userID), err)
	}
	return out, nil
}

// CreateToken mints a new API token for the user and returns it in plain
// (to show once) with its stored record. The name is required (at most
// MaxTokenNameLength characters; ErrInvalid otherwise). ErrNotFound when
// the user does not exist.
func (db *DB) CreateToken(ctx context.Context, userID int64, name string) (plain string, t APIToken, err error) {
	op := fmt.Sprintf("create token of user %d", userID)
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxTokenNameLength {
		return "", APIToken{}, dbErr(op, invalidf("a token needs a name of at most %d characters", MaxTokenNameLength))
	}
	plain, hash := NewToken()
	t = APIToken{UserID: userID, Name: name, TokenHash: hash, CreatedAt: db.now()}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		if err := requireUser(tx, userID); err != nil {
			return err
		}
		return tx.Create(&t).Error
	})
	if err != nil {
		return "", APIToken{}, dbErr(op, err)
	}
	return plain, t, nil
}

// RevokeToken revokes one of the user's API tokens. Revoking a token
// already revoked is not an error; a token that is not the user's (or does
// not exist) is ErrNotFound.
func (db *DB) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	op := fmt.Sprintf("revoke token %d of user %d", tokenID, userID)
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&APIToken{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", tokenID, userID).
			Update("revoked_at", db.now())
		if res.Error != nil || res.RowsAffected > 0 {
			return res.Error
		}
		var n int64
		if err := tx.Model(&APIToken{}).Where("id = ? AND user_id = ?", tokenID, userID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	return dbErr(op, err)
}
