package models

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

// UserFilter narrows ListUsers; the zero filter lists everyone.
type UserFilter struct {
	// Query keeps the users whose name or e-mail address contains it,
	// ignoring case ("" keeps everyone). Names are compared by the
	// database's LOWER, which on SQLite folds ASCII letters only: "ana"
	// finds "Ana" and "Mariana", "lucía" finds "Lucía", but "ÁLVAREZ" does
	// not find "Álvarez".
	Query string
	// Email keeps only the user with exactly this address (compared
	// case-insensitively, as addresses are stored lower-cased).
	Email string
}

// ListUsers lists the users that match f, ordered by name (ignoring
// case, then by id), limit at a time from offset (limit <= 0: all), with
// the number of users that match. It is one statement: the total comes
// with the page (COUNT(*) OVER ()); only a page past the end, which has
// no row to carry it, costs a second one to count.
func (db *DB) ListUsers(ctx context.Context, f UserFilter, limit, offset int) ([]User, int64, error) {
	const op = "list users"
	base := db.Gorm.WithContext(ctx).Table("users")
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		pattern := "%" + likeEscaper.Replace(q) + "%"
		base = base.Where("(LOWER(name) LIKE ? ESCAPE '!' OR email LIKE ? ESCAPE '!')", pattern, pattern)
	}
	if f.Email != "" {
		base = base.Where("email = ?", normEmail(f.Email))
	}
	// A new session makes base reusable for the count below.
	base = base.Session(&gorm.Session{})
	var rows []struct {
		User  `gorm:"embedded"`
		Total int64 `gorm:"column:total"`
	}
	q := base.Select("id, name, email, is_admin, created_at, COUNT(*) OVER () AS total").
		Order("LOWER(name), id")
	if err := page(q, limit, offset).Find(&rows).Error; err != nil {
		return nil, 0, dbErr(op, err)
	}
	users := make([]User, 0, len(rows))
	var total int64
	for _, r := range rows {
		u := r.User
		normTime(&u.CreatedAt)
		users = append(users, u)
		total = r.Total
	}
	if len(rows) == 0 && offset > 0 {
		if err := base.Count(&total).Error; err != nil {
			return nil, 0, dbErr(op, err)
		}
	}
	return users, total, nil
}

// likeEscaper escapes LIKE's wildcards (and the escape character, '!')
// so a query matches as typed.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
