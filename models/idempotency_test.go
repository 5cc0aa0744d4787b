package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

func TestIdempotencyKeys(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		u, err := db.CreateUser(ctx, "Sofia", "sofia@example.org", false, "ogp_idem_test_token_"+db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		if _, reserved, err := db.ReserveIdempotencyKey(ctx, u.ID, "k1", "h1"); err != nil || !reserved {
			t.Fatalf("first reservation: reserved=%v err=%v", reserved, err)
		}
		// A concurrent retry sees the request running.
		rec, reserved, err := db.ReserveIdempotencyKey(ctx, u.ID, "k1", "h1")
		if err != nil || reserved || rec.Status != 0 {
			t.Fatalf("retry while running: %+v reserved=%v err=%v", rec, reserved, err)
		}
		if err := db.CompleteIdempotencyKey(ctx, u.ID, "k1", 201, "application/json", `{"id":7}`); err != nil {
			t.Fatal(err)
		}
		rec, reserved, err = db.ReserveIdempotencyKey(ctx, u.ID, "k1", "h1")
		if err != nil || reserved || rec.Status != 201 || rec.Response != `{"id":7}` || rec.RequestHash != "h1" {
			t.Fatalf("replay: %+v reserved=%v err=%v", rec, reserved, err)
		}
		// A reservation whose process died is taken over after a while.
		if _, reserved, err := db.ReserveIdempotencyKey(ctx, u.ID, "k2", "h2"); err != nil || !reserved {
			t.Fatal(err)
		}
		old := time.Now().UTC().Add(-models.IdempotencyAbandonAfter - time.Minute)
		if err := db.Gorm.Model(&models.IdempotencyRecord{}).Where("user_id = ? AND key = ?", u.ID, "k2").Update("created_at", old).Error; err != nil {
			t.Fatal(err)
		}
		if _, reserved, err := db.ReserveIdempotencyKey(ctx, u.ID, "k2", "h2"); err != nil || !reserved {
			t.Errorf("an abandoned reservation was not taken over: reserved=%v err=%v", reserved, err)
		}
		// A finished one of the same age is still replayed.
		if err := db.Gorm.Model(&models.IdempotencyRecord{}).Where("user_id = ? AND key = ?", u.ID, "k1").Update("created_at", old).Error; err != nil {
			t.Fatal(err)
		}
		if _, reserved, err := db.ReserveIdempotencyKey(ctx, u.ID, "k1", "h1"); err != nil || reserved {
			t.Errorf("a finished answer was forgotten: reserved=%v err=%v", reserved, err)
		}
	})
}
