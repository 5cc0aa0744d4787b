package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TokenPrefix starts every token minted by NewToken, so leaked tokens are
// recognisable by secret scanners and in logs.
const TokenPrefix = "ogp_"

// Bootstrap admin identity created by EnsureAdmin.
const (
	AdminName  = "Administrator"
	AdminEmail = "admin@localhost"
)

// lastUsedGranularity bounds how stale api_tokens.last_used_at may be; it
// exists so that authenticating a request is not also a write (on SQLite,
// every write serialises with all other traffic).
const lastUsedGranularity = time.Minute

// NewToken mints a random API token and its stored hash.
func NewToken() (plain, hash string) {
	var b [32]byte
	// crypto/rand.Read never fails; it aborts the program if the OS
	// cannot provide randomness.
	_, _ = rand.Read(b[:])
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, HashToken(plain)
}

// HashToken returns the stored form of a token: hex SHA-256. A fast,
// unsalted hash is enough because tokens carry 256 random bits, and it keeps
// lookup a unique-index probe.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// normEmail is the stored form of an email address.
func normEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// CreateUser inserts a user and, when tokenPlain is not empty, its first API
// token, atomically. A taken email (compared case-insensitively) yields
// ErrConflict.
func (db *DB) CreateUser(ctx context.Context, name, email string, isAdmin bool, tokenPlain string) (User, error) {
	u := User{Name: strings.TrimSpace(name), Email: normEmail(email), IsAdmin: isAdmin}
	if u.Name == "" || u.Email == "" {
		return User{}, dbErr("create user", invalidf("name and email are required"))
	}
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		return createUserTx(tx, &u, "initial", tokenPlain)
	})
	if err != nil {
		return User{}, dbErr("create user "+u.Email, err)
	}
	return u, nil
}

func createUserTx(tx *gorm.DB, u *User, tokenName, tokenPlain string) error {
	if err := tx.Create(u).Error; err != nil {
		return err
	}
	if tokenPlain == "" {
		return nil
	}
	return tx.Create(&APIToken{UserID: u.ID, Name: tokenName, TokenHash: HashToken(tokenPlain)}).Error
}

// UserByToken authenticates a plain API token. Unknown and revoked tokens
// yield ErrNotFound.
func (db *DB) UserByToken(ctx context.Context, plain string) (User, error) {
	if plain == "" {
		return User{}, dbErr("user by token", ErrNotFound)
	}
	g := db.Gorm.WithContext(ctx)
	var row struct {
		User            `gorm:"embedded"`
		TokenID         int64      `gorm:"column:token_id"`
		TokenLastUsedAt *time.Time `gorm:"column:token_last_used_at"`
	}
	err := g.Table("api_tokens AS t").
		Select("u.*, t.id AS token_id, t.last_used_at AS token_last_used_at").
		Joins("JOIN users u ON u.id = t.user_id").
		Where("t.token_hash = ? AND t.revoked_at IS NULL", HashToken(plain)).
		Take(&row).Error
	if err != nil {
		return User{}, dbErr("user by token", err)
	}

	now := db.now()
	if row.TokenLastUsedAt == nil || now.Sub(*row.TokenLastUsedAt) >= lastUsedGranularity {
		// The condition is repeated in SQL so concurrent requests write
		// once. Best effort: a lost usage stamp must not fail a request
		// that authenticated fine.
		_ = g.Model(&APIToken{}).
			Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", row.TokenID, now.Add(-lastUsedGranularity)).
			Update("last_used_at", now).Error
	}
	u := row.User
	normTime(&u.CreatedAt)
	return u, nil
}

// EnsureAdmin bootstraps administration of a fresh or existing database.
//
// Without any admin user it creates AdminName <AdminEmail> with token (or a
// NewToken when token is empty) and returns created=true and the plain token,
// which the caller must show once; it is not recoverable later. With an admin
// present and a non-empty token whose hash is not stored yet, the token is
// added to the first admin, so a configured admin token also works on an
// existing data directory. A token already stored (even revoked, or for
// another user) is left alone. plainToken is empty unless created is true.
// It never prints anything.
func (db *DB) EnsureAdmin(ctx context.Context, token string) (created bool, plainToken string, err error) {
	// Two processes bootstrapping an empty database race on the unique
	// email; the loser retries once and then finds the winner's admin.
	for attempt := 0; ; attempt++ {
		created, plainToken, err = db.ensureAdminOnce(ctx, token)
		if err != nil && errors.Is(classify(err), ErrConflict) && attempt == 0 {
			continue
		}
		if err != nil {
			return false, "", dbErr("ensure admin", err)
		}
		return created, plainToken, nil
	}
}

func (db *DB) ensureAdminOnce(ctx context.Context, token string) (created bool, plainToken string, err error) {
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		var admin User
		err := tx.Where("is_admin = ?", true).Order("id").Take(&admin).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			plain := token
			if plain == "" {
				plain, _ = NewToken()
			}
			u := User{Name: AdminName, Email: AdminEmail, IsAdmin: true}
			if err := createUserTx(tx, &u, "bootstrap", plain); err != nil {
				return err
			}
			created, plainToken = true, plain
			return nil
		case err != nil:
			return err
		case token == "":
			return nil
		}
		// ON CONFLICT rather than a prior SELECT so a concurrent identical
		// bootstrap cannot fail on the unique hash.
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "token_hash"}}, DoNothing: true}).
			Create(&APIToken{UserID: admin.ID, Name: "bootstrap", TokenHash: HashToken(token)}).Error
	})
	if err != nil {
		return false, "", err
	}
	return created, plainToken, nil
}

// UserByID loads one user; ErrNotFound when absent.
func (db *DB) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	if err := db.Gorm.WithContext(ctx).Take(&u, "id = ?", id).Error; err != nil {
		return User{}, dbErr(fmt.Sprintf("user %d", id), err)
	}
	return u, nil
}

// UsersByIDs loads the users with the given ids, keyed by id. Unknown ids
// are simply absent from the map.
func (db *DB) UsersByIDs(ctx context.Context, ids []int64) (map[int64]User, error) {
	out := make(map[int64]User, len(ids))
	uniq := uniqueInt64s(ids)
	for start := 0; start < len(uniq); start += inListChunk {
		end := min(start+inListChunk, len(uniq))
		var users []User
		if err := db.Gorm.WithContext(ctx).Where("id IN ?", uniq[start:end]).Find(&users).Error; err != nil {
			return nil, dbErr("users by ids", err)
		}
		for _, u := range users {
			out[u.ID] = u
		}
	}
	return out, nil
}

// inListChunk bounds IN-list sizes well below SQLite's and PostgreSQL's
// bind-parameter limits.
const inListChunk = 500

func uniqueInt64s(in []int64) []int64 {
	seen := make(map[int64]struct{}, len(in))
	out := make([]int64, 0, len(in))
	for _, v := range in {
		if _, ok := seen[v]; !ok {
			seen[v] = struct{}{}
			out = append(out, v)
		}
	}
	return out
}
