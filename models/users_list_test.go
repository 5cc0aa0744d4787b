package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"gorm.io/gorm"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// usersListStatements counts the statements run through db from now on.
func usersListStatements(t *testing.T, db *models.DB) *int {
	t.Helper()
	n := new(int)
	name := fmt.Sprintf("test:users_list_%p", n)
	cb := db.Gorm.Callback()
	count := func(*gorm.DB) { *n++ }
	if err := cb.Query().After("gorm:query").Register(name, count); err != nil {
		t.Fatal(err)
	}
	if err := cb.Row().After("gorm:row").Register(name, count); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cb.Query().Remove(name)
		_ = cb.Row().Remove(name)
	})
	return n
}

func TestListUsers(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		for _, u := range []struct {
			name, email string
			admin       bool
		}{
			{"Marta Ríos", "marta.rios@civiclab.example", false},
			{"ana Lucía Ferreira", "ana.ferreira@riverton.example", false},
			{"Daniel Okafor", "DANIEL.okafor@riverton.example", true},
			{"Priya_Raman", "priya@code.example", false},
			{"Tomás 100% Herrera", "tomas@riverton.example", false},
			{"Bea", "mariana@elsewhere.example", false},
		} {
			if _, err := db.CreateUser(ctx, u.name, u.email, u.admin, ""); err != nil {
				t.Fatal(err)
			}
		}
		names := func(us []models.User) []string {
			out := []string{}
			for _, u := range us {
				out = append(out, u.Name)
			}
			return out
		}
		list := func(f models.UserFilter, limit, offset int) ([]string, int64) {
			t.Helper()
			us, total, err := db.ListUsers(ctx, f, limit, offset)
			if err != nil {
				t.Fatal(err)
			}
			return names(us), total
		}

		// Everyone, ordered by name whatever its case, one statement.
		statements := usersListStatements(t, db)
		got, total := list(models.UserFilter{}, 0, 0)
		want := []string{"ana Lucía Ferreira", "Bea", "Daniel Okafor", "Marta Ríos", "Priya_Raman", "Tomás 100% Herrera"}
		if !slices.Equal(got, want) || total != 6 {
			t.Fatalf("all users: %q (total %d), want %q (6)", got, total, want)
		}
		if *statements != 1 {
			t.Errorf("listing users ran %d statements, want 1", *statements)
		}

		// A page, with the total of every match.
		*statements = 0
		if got, total = list(models.UserFilter{}, 2, 2); !slices.Equal(got, want[2:4]) || total != 6 {
			t.Errorf("page 2 of 2: %q (total %d)", got, total)
		}
		if *statements != 1 {
			t.Errorf("a page ran %d statements, want 1", *statements)
		}
		// A page past the end still says how many there are.
		if got, total = list(models.UserFilter{}, 2, 10); len(got) != 0 || total != 6 {
			t.Errorf("a page past the end: %q (total %d), want none (6)", got, total)
		}

		for _, c := range []struct {
			f    models.UserFilter
			want []string
		}{
			// Name or address, ignoring case.
			{models.UserFilter{Query: "ANA"}, []string{"ana Lucía Ferreira", "Bea"}}, // Bea's address is mariana@
			{models.UserFilter{Query: "  riverton.EXAMPLE "}, []string{"ana Lucía Ferreira", "Daniel Okafor", "Tomás 100% Herrera"}},
			{models.UserFilter{Query: "lucía"}, []string{"ana Lucía Ferreira"}},
			// LIKE's wildcards match as typed.
			{models.UserFilter{Query: "_"}, []string{"Priya_Raman"}},
			{models.UserFilter{Query: "100%"}, []string{"Tomás 100% Herrera"}},
			{models.UserFilter{Query: "%"}, []string{"Tomás 100% Herrera"}},
			{models.UserFilter{Query: "!"}, []string{}},
			{models.UserFilter{Query: "nobody"}, []string{}},
			// An exact address, stored lower-cased.
			{models.UserFilter{Email: "Daniel.Okafor@Riverton.example"}, []string{"Daniel Okafor"}},
			{models.UserFilter{Email: "daniel.okafor@riverton"}, []string{}},
			{models.UserFilter{Email: "marta.rios@civiclab.example", Query: "okafor"}, []string{}},
		} {
			got, total := list(c.f, 50, 0)
			if !slices.Equal(got, c.want) || total != int64(len(c.want)) {
				t.Errorf("%+v: %q (total %d), want %q", c.f, got, total, c.want)
			}
		}

		us, _, err := db.ListUsers(ctx, models.UserFilter{Email: "daniel.okafor@riverton.example"}, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 1 || us[0].ID == 0 || !us[0].IsAdmin || us[0].Email != "daniel.okafor@riverton.example" || us[0].CreatedAt.IsZero() ||
			us[0].CreatedAt.Location().String() != "UTC" {
			t.Errorf("the user as listed: %+v", us)
		}
	})
}
