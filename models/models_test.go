package models_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

func TestMain(m *testing.M) {
	// A non-UTC local zone makes any instant that escapes normalisation
	// (pgx decodes timestamptz in time.Local) fail the UTC assertions.
	time.Local = time.FixedZone("UTC+3", 3*3600)
	os.Exit(m.Run())
}

func assertUTC(t *testing.T, what string, ts time.Time) {
	t.Helper()
	if ts.IsZero() || ts.Location() != time.UTC {
		t.Errorf("%s = %v (%v), want a non-zero UTC time", what, ts, ts.Location())
	}
}

func mustUser(t *testing.T, db *models.DB, name string) models.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), name, name+"@example.org", false, "")
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func mustPlan(t *testing.T, db *models.DB, creator models.User, key string) models.ActionPlan {
	t.Helper()
	p := models.ActionPlan{
		Title: "Open budget " + key, Member: "Springfield", StartsOn: "2025-01-01", EndsOn: "2026-12-31",
		CoordinatorID: creator.ID, CreatedBy: creator.ID, IdempotencyKey: key, ReminderIntervalDays: 7,
	}
	if _, err := db.CreatePlan(context.Background(), &p); err != nil {
		t.Fatalf("CreatePlan: %v", err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

func TestMigrationsHaveSameVersions(t *testing.T) {
	names := map[string][]string{}
	for _, d := range []string{models.DialectPostgres, models.DialectSQLite} {
		fsys, err := models.MigrationsFS(d)
		if err != nil {
			t.Fatal(err)
		}
		files, err := fs.Glob(fsys, "*.sql")
		if err != nil || len(files) == 0 {
			t.Fatalf("%s migrations: %v %v", d, files, err)
		}
		names[d] = files
	}
	if !reflect.DeepEqual(names[models.DialectPostgres], names[models.DialectSQLite]) {
		t.Errorf("migration files differ:\npostgres %v\nsqlite   %v", names[models.DialectPostgres], names[models.DialectSQLite])
	}
}

func TestMigrateFreshSQLiteTwice(t *testing.T) {
	ctx := context.Background()
	db, err := models.Open(ctx, "file:"+filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := models.Migrate(ctx, db)
	if err != nil || len(applied) == 0 || applied[0] != "00001_init.sql" {
		t.Fatalf("first Migrate = %v, %v", applied, err)
	}
	applied, err = models.Migrate(ctx, db)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing applied", applied, err)
	}
}

func TestMigrateIdempotent(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			applied, err := models.Migrate(ctx, db)
			if err != nil || len(applied) != 0 {
				t.Fatalf("Migrate on migrated db = %v, %v", applied, err)
			}
		}
		var version int64
		if err := db.Gorm.Raw("SELECT MAX(version_id) FROM goose_db_version WHERE is_applied").Scan(&version).Error; err != nil {
			t.Fatal(err)
		}
		if version < 1 {
			t.Errorf("goose version = %d", version)
		}
	})
}

func TestSQLitePragmas(t *testing.T) {
	db := modelstest.SQLite(t)
	for pragma, want := range map[string]string{
		"foreign_keys": "1", "journal_mode": "wal", "busy_timeout": "10000", "synchronous": "1",
	} {
		var got string
		if err := db.Gorm.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func TestOpenRejectsUnreachablePostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if db, err := models.Open(ctx, "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"); err == nil {
		db.Close()
		t.Fatal("Open of unreachable server succeeded")
	}
}

func TestTokens(t *testing.T) {
	plain, hash := models.NewToken()
	if !strings.HasPrefix(plain, models.TokenPrefix) || len(plain) != len(models.TokenPrefix)+43 {
		t.Errorf("NewToken plain = %q", plain)
	}
	if hash != models.HashToken(plain) || len(hash) != 64 {
		t.Errorf("hash = %q", hash)
	}
	if other, _ := models.NewToken(); other == plain {
		t.Error("NewToken repeated itself")
	}
}

func TestUsersAndTokens(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		tok, _ := models.NewToken()
		u, err := db.CreateUser(ctx, " Ada ", "Ada@Example.ORG ", false, tok)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Name != "Ada" || u.Email != "ada@example.org" {
			t.Errorf("created %+v", u)
		}
		assertUTC(t, "created_at", u.CreatedAt)

		got, err := db.UserByToken(ctx, tok)
		if err != nil || got != u {
			t.Fatalf("UserByToken = %+v, %v; want %+v", got, err, u)
		}
		byID, err := db.UserByID(ctx, u.ID)
		if err != nil || byID != u {
			t.Errorf("UserByID = %+v, %v", byID, err)
		}

		var tokRow models.APIToken
		if err := db.Gorm.Where("user_id = ?", u.ID).Take(&tokRow).Error; err != nil {
			t.Fatal(err)
		}
		if tokRow.LastUsedAt == nil {
			t.Fatal("last_used_at not stamped on first use")
		}
		assertUTC(t, "last_used_at", *tokRow.LastUsedAt)
		// A second use within the granularity must not write.
		if _, err := db.UserByToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		var again models.APIToken
		db.Gorm.Take(&again, tokRow.ID)
		if !again.LastUsedAt.Equal(*tokRow.LastUsedAt) {
			t.Errorf("last_used_at rewritten: %v -> %v", tokRow.LastUsedAt, again.LastUsedAt)
		}
		// An old stamp is refreshed.
		old := time.Now().Add(-time.Hour)
		db.Gorm.Model(&models.APIToken{}).Where("id = ?", tokRow.ID).Update("last_used_at", old.UTC())
		if _, err := db.UserByToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		db.Gorm.Take(&again, tokRow.ID)
		if again.LastUsedAt.Sub(old) < 59*time.Minute {
			t.Errorf("stale last_used_at not refreshed: %v", again.LastUsedAt)
		}

		for _, tc := range []struct {
			name  string
			token string
		}{{"unknown", "ogp_nope"}, {"empty", ""}} {
			if _, err := db.UserByToken(ctx, tc.token); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s token: err = %v, want ErrNotFound", tc.name, err)
			}
		}

		db.Gorm.Model(&models.APIToken{}).Where("id = ?", tokRow.ID).Update("revoked_at", time.Now().UTC())
		if _, err := db.UserByToken(ctx, tok); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("revoked token: err = %v, want ErrNotFound", err)
		}

		for _, tc := range []struct {
			name, email string
			want        error
		}{
			{"same email other case", "ADA@example.org", models.ErrConflict},
			{"empty email", "  ", models.ErrInvalid},
		} {
			if _, err := db.CreateUser(ctx, "Other", tc.email, false, ""); !errors.Is(err, tc.want) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
		}
		// A reused token hash fails the whole transaction: no half-created user.
		if _, err := db.CreateUser(ctx, "Bob", "bob@example.org", false, tok); !errors.Is(err, models.ErrConflict) {
			t.Errorf("duplicate token: err = %v, want ErrConflict", err)
		}
		if m, _ := db.UsersByIDs(ctx, []int64{u.ID, u.ID, 999}); len(m) != 1 || m[u.ID] != u {
			t.Errorf("UsersByIDs = %v", m)
		}
		if _, err := db.UserByID(ctx, 999); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("UserByID(999) err = %v", err)
		}
	})
}

func TestEnsureAdmin(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		created, plain, err := db.EnsureAdmin(ctx, "")
		if err != nil || !created || !strings.HasPrefix(plain, models.TokenPrefix) {
			t.Fatalf("first EnsureAdmin = %v, %q, %v", created, plain, err)
		}
		admin, err := db.UserByToken(ctx, plain)
		if err != nil || !admin.IsAdmin || admin.Email != models.AdminEmail {
			t.Fatalf("admin by token = %+v, %v", admin, err)
		}

		created, plain2, err := db.EnsureAdmin(ctx, "")
		if err != nil || created || plain2 != "" {
			t.Errorf("second EnsureAdmin = %v, %q, %v", created, plain2, err)
		}

		configured := "ogp_configured-admin-token"
		for i := 0; i < 2; i++ {
			created, plain2, err = db.EnsureAdmin(ctx, configured)
			if err != nil || created || plain2 != "" {
				t.Errorf("EnsureAdmin(token) #%d = %v, %q, %v", i, created, plain2, err)
			}
		}
		if u, err := db.UserByToken(ctx, configured); err != nil || u.ID != admin.ID {
			t.Errorf("configured token user = %+v, %v", u, err)
		}
		var n int64
		db.Gorm.Model(&models.APIToken{}).Where("user_id = ?", admin.ID).Count(&n)
		if n != 2 {
			t.Errorf("admin has %d tokens, want 2", n)
		}
		var admins int64
		db.Gorm.Model(&models.User{}).Where("is_admin").Count(&admins)
		if admins != 1 {
			t.Errorf("%d admins", admins)
		}
	})
}

func TestEnsureAdminWithGivenTokenOnEmptyDB(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		created, plain, err := db.EnsureAdmin(ctx, "ogp_given")
		if err != nil || !created || plain != "ogp_given" {
			t.Fatalf("EnsureAdmin = %v, %q, %v", created, plain, err)
		}
		if u, err := db.UserByToken(ctx, "ogp_given"); err != nil || !u.IsAdmin {
			t.Errorf("UserByToken = %+v, %v", u, err)
		}
	})
}

func TestCreatePlan(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		alice, bob := mustUser(t, db, "alice"), mustUser(t, db, "bob")

		first := mustPlan(t, db, alice, "req-1")
		if first.ID == 0 || first.WorkflowID != models.PlanWorkflowID(first.ID) ||
			first.Status != models.PlanStatusCoCreation || first.CurrentStep != 1 {
			t.Fatalf("created %+v", first)
		}
		assertUTC(t, "created_at", first.CreatedAt)
		got, err := db.GetPlan(ctx, first.ID)
		if err != nil || got != first {
			t.Fatalf("GetPlan = %+v, %v\nwant %+v", got, err, first)
		}

		retry := models.ActionPlan{
			Title: "different title", Member: "Elsewhere", StartsOn: "2025-02-01", EndsOn: "2025-03-01",
			CoordinatorID: alice.ID, CreatedBy: alice.ID, IdempotencyKey: "req-1",
		}
		existing, err := db.CreatePlan(ctx, &retry)
		if err != nil || !existing || retry != first {
			t.Errorf("retry = %v, %v, %+v; want existing %+v", existing, err, retry, first)
		}

		// Keys are per creator; plans without a key never collide.
		for _, p := range []models.ActionPlan{
			{CreatedBy: bob.ID, IdempotencyKey: "req-1"},
			{CreatedBy: alice.ID},
			{CreatedBy: alice.ID},
			{CreatedBy: alice.ID, WorkflowID: "custom-wf"},
		} {
			p.Title, p.Member, p.StartsOn, p.EndsOn, p.CoordinatorID = "t", "m", "2025-01-01", "2025-01-02", alice.ID
			existing, err := db.CreatePlan(ctx, &p)
			if err != nil || existing || p.ID == 0 || p.ID == first.ID {
				t.Errorf("CreatePlan(%+v) = %v, %v", p, existing, err)
			}
		}
		if p, _, _ := db.ListPlans(ctx, "", 1, 4); len(p) != 1 || p[0].WorkflowID != "custom-wf" {
			t.Errorf("custom workflow id not kept: %+v", p)
		}

		for _, tc := range []struct {
			name string
			mod  func(*models.ActionPlan)
			want error
		}{
			{"unknown coordinator", func(p *models.ActionPlan) { p.CoordinatorID = 999 }, models.ErrInvalid},
			{"bad date", func(p *models.ActionPlan) { p.StartsOn = "1/1/2025" }, models.ErrInvalid},
			{"ends before start", func(p *models.ActionPlan) { p.EndsOn = "2024-01-01" }, models.ErrInvalid},
			{"bad status", func(p *models.ActionPlan) { p.Status = "done" }, models.ErrInvalid},
			{"taken workflow id", func(p *models.ActionPlan) { p.WorkflowID = first.WorkflowID }, models.ErrConflict},
			{"no title", func(p *models.ActionPlan) { p.Title = "" }, models.ErrInvalid},
		} {
			p := models.ActionPlan{Title: "x", Member: "m", StartsOn: "2025-01-01", EndsOn: "2025-06-30", CoordinatorID: alice.ID, CreatedBy: alice.ID}
			tc.mod(&p)
			if _, err := db.CreatePlan(ctx, &p); !errors.Is(err, tc.want) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
		}
		if _, err := db.GetPlan(ctx, 999); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("GetPlan(999) err = %v", err)
		}
	})
}

func TestListPlans(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		u := mustUser(t, db, "u")
		var ids []int64
		for i := 0; i < 5; i++ {
			ids = append(ids, mustPlan(t, db, u, fmt.Sprint(i)).ID)
		}
		if err := db.ApplyProjection(ctx, models.Projection{PlanID: ids[3], Version: 1, Status: models.PlanStatusImplementation, CurrentStep: 6}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			status        string
			limit, offset int
			want          []int64
			total         int64
		}{
			{"", 0, 0, ids, 5},
			{"", 2, 1, ids[1:3], 5},
			{"", 2, 4, ids[4:], 5},
			{models.PlanStatusCoCreation, 10, 0, []int64{ids[0], ids[1], ids[2], ids[4]}, 4},
			{models.PlanStatusImplementation, 10, 0, ids[3:4], 1},
			{models.PlanStatusCompleted, 10, 0, nil, 0},
		} {
			plans, total, err := db.ListPlans(ctx, tc.status, tc.limit, tc.offset)
			var got []int64
			for _, p := range plans {
				got = append(got, p.ID)
			}
			if err != nil || total != tc.total || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ListPlans(%q,%d,%d) = %v, %d, %v; want %v, %d", tc.status, tc.limit, tc.offset, got, total, err, tc.want, tc.total)
			}
		}
	})
}

// fixture is a plan with three users and a way to build projections of it.
type fixture struct {
	db                     *models.DB
	plan                   models.ActionPlan
	coord, approver, contr models.User
	t0                     time.Time
}

func newFixture(t *testing.T, db *models.DB) fixture {
	f := fixture{db: db, t0: time.Date(2025, 3, 1, 9, 30, 0, 123456789, time.FixedZone("CET", 3600))}
	f.coord, f.approver, f.contr = mustUser(t, db, "coord"), mustUser(t, db, "approver"), mustUser(t, db, "contr")
	f.plan = mustPlan(t, db, f.coord, "fixture")
	return f
}

func (f fixture) event(seq int64, kind string) models.AuditEvent {
	return models.AuditEvent{
		EventKey: fmt.Sprintf("%s/%d", f.plan.WorkflowID, seq), Seq: seq, Kind: kind,
		ActorID: &f.coord.ID, Payload: fmt.Sprintf(`{"seq":%d}`, seq), OccurredAt: f.t0.Add(time.Duration(seq) * time.Minute),
	}
}

// projection: step 1 has the given status, the others not started.
func (f fixture) projection(version int64, step1 string, members []models.Membership, events ...models.AuditEvent) models.Projection {
	p := models.Projection{
		PlanID: f.plan.ID, Version: version, Status: models.PlanStatusCoCreation, CurrentStep: 1,
		ReminderIntervalDays: 3, Members: members, Events: events,
	}
	for n := 1; n <= models.StepCount; n++ {
		s := models.Step{Number: n, Key: fmt.Sprintf("step-%d", n), Status: models.StepStatusNotStarted}
		if n == 1 {
			s.Status = step1
			s.StartedAt = ptr(f.t0)
			s.DueOn = ptr("2025-04-01")
			s.Round = 1
			if step1 == models.StepStatusApproved {
				s.SubmittedAt, s.SubmittedBy, s.ApprovedAt = ptr(f.t0.Add(time.Hour)), &f.coord.ID, ptr(f.t0.Add(2*time.Hour))
				s.Summary = "done"
				p.CurrentStep = 2
				p.Decisions = []models.Decision{{
					StepNumber: 1, Round: 1, ApproverID: f.approver.ID, Decision: models.DecisionApprove,
					Comment: "ok", DecidedAt: f.t0.Add(2 * time.Hour),
				}}
			}
		}
		p.Steps = append(p.Steps, s)
	}
	return p
}

func (f fixture) roster(withContributor bool) []models.Membership {
	m := []models.Membership{
		{UserID: f.coord.ID, Roles: "coordinator,contributor", Sector: models.SectorGovernment},
		{UserID: f.approver.ID, Roles: models.RoleApprover, Sector: models.SectorCivilSociety},
	}
	if withContributor {
		m = append(m, models.Membership{UserID: f.contr.ID, Roles: models.RoleContributor, Sector: models.SectorOther})
	}
	return m
}

// snapshot is everything ApplyProjection writes for a plan.
type snapshot struct {
	Plan      models.ActionPlan
	Steps     []models.Step
	Members   []models.MemberRow
	Decisions []models.Decision
	Events    []models.AuditEvent
}

func (f fixture) snapshot(t *testing.T) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.Plan, err = f.db.GetPlan(ctx, f.plan.ID); err != nil {
		t.Fatal(err)
	}
	if s.Steps, err = f.db.PlanSteps(ctx, f.plan.ID); err != nil {
		t.Fatal(err)
	}
	if s.Members, err = f.db.ListMembers(ctx, f.plan.ID); err != nil {
		t.Fatal(err)
	}
	if s.Decisions, err = f.db.PlanDecisions(ctx, f.plan.ID); err != nil {
		t.Fatal(err)
	}
	if s.Events, _, err = f.db.ListEvents(ctx, f.plan.ID, 0, 0); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestApplyProjection(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)

		v1 := f.projection(1, models.StepStatusInProgress, f.roster(true), f.event(1, "created"), f.event(2, "step_started"))
		if err := db.ApplyProjection(ctx, v1); err != nil {
			t.Fatal(err)
		}
		s1 := f.snapshot(t)
		if s1.Plan.StateVersion != 1 || s1.Plan.ReminderIntervalDays != 3 || len(s1.Steps) != models.StepCount ||
			len(s1.Members) != 3 || len(s1.Events) != 2 || len(s1.Decisions) != 0 {
			t.Fatalf("after v1: %+v", s1)
		}
		st := s1.Steps[0]
		if st.Status != models.StepStatusInProgress || *st.DueOn != "2025-04-01" || st.Round != 1 ||
			!st.StartedAt.Equal(f.t0.Truncate(time.Microsecond)) {
			t.Errorf("step 1 = %+v", st)
		}
		assertUTC(t, "step started_at", *st.StartedAt)
		assertUTC(t, "step updated_at", st.UpdatedAt)
		assertUTC(t, "event occurred_at", s1.Events[0].OccurredAt)
		if m := s1.Members[0]; m.UserID != f.coord.ID || m.Roles != "contributor,coordinator" ||
			m.Name != "coord" || m.Email != "coord@example.org" || !m.HasRole(models.RoleCoordinator) {
			t.Errorf("member 0 = %+v", m)
		}
		assertUTC(t, "member created_at", s1.Members[0].CreatedAt)

		// Same projection again (an activity retry): nothing changes, not
		// even updated_at.
		if err := db.ApplyProjection(ctx, v1); err != nil {
			t.Fatal(err)
		}
		if again := f.snapshot(t); !reflect.DeepEqual(again, s1) {
			t.Errorf("re-applying v1 changed rows:\nbefore %+v\nafter  %+v", s1, again)
		}

		// v3: step 1 approved with a decision, contributor removed.
		time.Sleep(2 * time.Millisecond) // so a bumped updated_at is visible
		v3 := f.projection(3, models.StepStatusApproved, f.roster(false), f.event(1, "created"), f.event(2, "step_started"), f.event(3, "approved"))
		v3.Status, v3.ReminderIntervalDays = models.PlanStatusCoCreation, 5
		if err := db.ApplyProjection(ctx, v3); err != nil {
			t.Fatal(err)
		}
		s3 := f.snapshot(t)
		if s3.Plan.StateVersion != 3 || s3.Plan.CurrentStep != 2 || s3.Plan.ReminderIntervalDays != 5 ||
			len(s3.Members) != 2 || len(s3.Events) != 3 || len(s3.Decisions) != 1 {
			t.Fatalf("after v3: %+v", s3)
		}
		if s3.Steps[0].Status != models.StepStatusApproved || !s3.Steps[0].UpdatedAt.After(s1.Steps[0].UpdatedAt) {
			t.Errorf("step 1 after v3 = %+v", s3.Steps[0])
		}
		if !s3.Steps[1].UpdatedAt.Equal(s1.Steps[1].UpdatedAt) {
			t.Errorf("unchanged step 2 got a new updated_at: %v -> %v", s1.Steps[1].UpdatedAt, s3.Steps[1].UpdatedAt)
		}
		if !s3.Members[0].UpdatedAt.Equal(s1.Members[0].UpdatedAt) {
			t.Error("unchanged membership got a new updated_at")
		}
		for _, m := range s3.Members {
			if m.UserID == f.contr.ID {
				t.Error("contributor still on the roster after replace")
			}
		}
		d := s3.Decisions[0]
		if d.ApproverID != f.approver.ID || d.Decision != models.DecisionApprove || !d.DecidedAt.Equal(f.t0.Add(2*time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("decision = %+v", d)
		}

		// v2 arrives late (out-of-order activity): it must not roll back the
		// plan, steps or roster, but its event 4 is history and is added.
		v2 := f.projection(2, models.StepStatusAwaitingApproval, f.roster(true), f.event(2, "step_started"), f.event(4, "late"))
		v2.Decisions = []models.Decision{
			{StepNumber: 1, Round: 1, ApproverID: f.approver.ID, Decision: models.DecisionRequestChanges, DecidedAt: f.t0},
		}
		if err := db.ApplyProjection(ctx, v2); err != nil {
			t.Fatal(err)
		}
		s2 := f.snapshot(t)
		if !reflect.DeepEqual(s2.Plan, s3.Plan) || !reflect.DeepEqual(s2.Steps, s3.Steps) ||
			!reflect.DeepEqual(s2.Members, s3.Members) || !reflect.DeepEqual(s2.Decisions, s3.Decisions) {
			t.Errorf("older projection rolled state back:\nv3 %+v\nv2 %+v", s3, s2)
		}
		var keys []string
		for _, e := range s2.Events {
			keys = append(keys, e.EventKey[strings.LastIndex(e.EventKey, "/")+1:])
		}
		if strings.Join(keys, ",") != "1,2,3,4" {
			t.Errorf("events after late v2 = %v", keys)
		}

		// An empty roster in a newer version empties the plan.
		v4 := f.projection(4, models.StepStatusApproved, nil)
		if err := db.ApplyProjection(ctx, v4); err != nil {
			t.Fatal(err)
		}
		if m, _ := db.ListMembers(ctx, f.plan.ID); len(m) != 0 {
			t.Errorf("members after empty roster = %+v", m)
		}
	})
}

func TestApplyProjectionErrors(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		good := func() models.Projection {
			return f.projection(1, models.StepStatusInProgress, f.roster(true), f.event(1, "created"))
		}
		for _, tc := range []struct {
			name string
			mod  func(*models.Projection)
			want error
		}{
			{"unknown plan", func(p *models.Projection) { p.PlanID = 999 }, models.ErrNotFound},
			{"unknown plan, old version", func(p *models.Projection) { p.PlanID, p.Version = 999, 0 }, models.ErrNotFound},
			{"row of another plan", func(p *models.Projection) { p.Steps[0].PlanID = 999 }, models.ErrInvalid},
			{"duplicate step", func(p *models.Projection) { p.Steps[1].Number = 1 }, models.ErrInvalid},
			{"duplicate member", func(p *models.Projection) { p.Members[1].UserID = p.Members[0].UserID }, models.ErrInvalid},
			{"event without key", func(p *models.Projection) { p.Events[0].EventKey = "" }, models.ErrInvalid},
			{"bad step status", func(p *models.Projection) { p.Steps[3].Status = "lost" }, models.ErrInvalid},
			{"unknown member user", func(p *models.Projection) { p.Members[0].UserID = 999 }, models.ErrInvalid},
		} {
			p := good()
			tc.mod(&p)
			if err := db.ApplyProjection(ctx, p); !errors.Is(err, tc.want) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
		}
		// Failed applications left nothing behind.
		s := f.snapshot(t)
		if s.Plan.StateVersion != 0 || len(s.Steps) != 0 || len(s.Events) != 0 || len(s.Members) != 0 {
			t.Errorf("failed projections wrote: %+v", s)
		}
	})
}

func TestDeletePlan(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		other := mustPlan(t, db, f.coord, "other")
		if err := db.ApplyProjection(ctx, f.projection(1, models.StepStatusApproved, f.roster(true), f.event(1, "x"))); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateNotifications(ctx, []models.Notification{
			{UserID: f.coord.ID, PlanID: &f.plan.ID, Kind: "k", DedupKey: "a"},
			{UserID: f.coord.ID, PlanID: &other.ID, Kind: "k", DedupKey: "b"},
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeletePlan(ctx, f.plan.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetPlan(ctx, f.plan.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("GetPlan after delete: %v", err)
		}
		for _, table := range []string{"steps", "plan_memberships", "decisions", "audit_events", "notifications"} {
			var n int64
			db.Gorm.Table(table).Where("plan_id = ?", f.plan.ID).Count(&n)
			if n != 0 {
				t.Errorf("%d %s rows left", n, table)
			}
		}
		if _, total, _ := db.ListNotifications(ctx, f.coord.ID, false, 0, 0); total != 1 {
			t.Errorf("other plan's notification gone too: total %d", total)
		}
		if err := db.DeletePlan(ctx, f.plan.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("second DeletePlan: %v", err)
		}
	})
}

func TestNotifications(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		ann, ben := mustUser(t, db, "ann"), mustUser(t, db, "ben")
		base := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
		batch := []models.Notification{
			{UserID: ann.ID, Kind: "reminder", Subject: "s1", DedupKey: "r1", CreatedAt: base},
			{UserID: ann.ID, Kind: "reminder", Subject: "s2", DedupKey: "r2", CreatedAt: base.Add(time.Minute), StepNumber: ptr(2)},
			{UserID: ann.ID, Kind: "reminder", Subject: "dup", DedupKey: "r1"},
			{UserID: ben.ID, Kind: "reminder", Subject: "s1", DedupKey: "r1"},
		}
		for _, tc := range []struct {
			name string
			in   []models.Notification
			want int
		}{
			{"first", batch, 3},
			{"retry", batch, 0},
			{"empty", nil, 0},
		} {
			if n, err := db.CreateNotifications(ctx, tc.in); err != nil || n != tc.want {
				t.Errorf("%s: inserted %d, %v; want %d", tc.name, n, err, tc.want)
			}
		}
		if batch[0].ID != 0 {
			t.Error("CreateNotifications modified its argument")
		}
		if _, err := db.CreateNotifications(ctx, []models.Notification{{UserID: ann.ID, Kind: "x"}}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("no dedup key: err = %v", err)
		}

		list, total, err := db.ListNotifications(ctx, ann.ID, false, 10, 0)
		if err != nil || total != 2 || len(list) != 2 || list[0].Subject != "s2" || list[1].Subject != "s1" {
			t.Fatalf("ListNotifications = %+v, %d, %v", list, total, err)
		}
		if *list[0].StepNumber != 2 || list[0].PlanID != nil {
			t.Errorf("nullable columns: %+v", list[0])
		}
		assertUTC(t, "created_at", list[0].CreatedAt)

		if _, err := db.MarkNotificationRead(ctx, ben.ID, list[0].ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("foreign MarkNotificationRead err = %v", err)
		}
		if _, err := db.MarkNotificationRead(ctx, ann.ID, 9999); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("missing MarkNotificationRead err = %v", err)
		}
		read, err := db.MarkNotificationRead(ctx, ann.ID, list[0].ID)
		if err != nil || read.ReadAt == nil {
			t.Fatalf("MarkNotificationRead = %+v, %v", read, err)
		}
		assertUTC(t, "read_at", *read.ReadAt)
		time.Sleep(2 * time.Millisecond)
		again, err := db.MarkNotificationRead(ctx, ann.ID, list[0].ID)
		if err != nil || !again.ReadAt.Equal(*read.ReadAt) {
			t.Errorf("second MarkNotificationRead = %v, %v; want read_at kept %v", again.ReadAt, err, read.ReadAt)
		}

		unread, total, err := db.ListNotifications(ctx, ann.ID, true, 10, 0)
		if err != nil || total != 1 || len(unread) != 1 || unread[0].Subject != "s1" {
			t.Errorf("unread = %+v, %d, %v", unread, total, err)
		}
		if _, total, _ := db.ListNotifications(ctx, ben.ID, true, 10, 0); total != 1 {
			t.Errorf("ben unread total = %d", total)
		}
	})
}

func TestListEventsPaging(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		// Events arrive in reverse order across two projections.
		var late, early []models.AuditEvent
		for seq := int64(25); seq >= 1; seq-- {
			if seq > 12 {
				late = append(late, f.event(seq, "e"))
			} else {
				early = append(early, f.event(seq, "e"))
			}
		}
		if err := db.ApplyProjection(ctx, models.Projection{PlanID: f.plan.ID, Version: 2, Status: models.PlanStatusCoCreation, CurrentStep: 1, Events: late}); err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyProjection(ctx, models.Projection{PlanID: f.plan.ID, Version: 1, Status: models.PlanStatusCoCreation, CurrentStep: 1, Events: append(early, late...)}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			limit, offset int
			first, n      int64
		}{
			{10, 0, 1, 10},
			{10, 10, 11, 10},
			{10, 20, 21, 5},
			{10, 30, 0, 0},
			{0, 0, 1, 25},
		} {
			events, total, err := db.ListEvents(ctx, f.plan.ID, tc.limit, tc.offset)
			if err != nil || total != 25 || int64(len(events)) != tc.n {
				t.Errorf("ListEvents(%d,%d) = %d events, total %d, %v", tc.limit, tc.offset, len(events), total, err)
				continue
			}
			for i, e := range events {
				if e.Seq != tc.first+int64(i) {
					t.Errorf("ListEvents(%d,%d)[%d].Seq = %d", tc.limit, tc.offset, i, e.Seq)
				}
			}
		}
		if events, _, _ := db.ListEvents(ctx, f.plan.ID, 1, 0); events[0].Payload != `{"seq":1}` || *events[0].ActorID != f.coord.ID {
			t.Errorf("event = %+v", events[0])
		}
	})
}

func TestJoinRoles(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"approver", "coordinator"}, "approver,coordinator"},
		{[]string{"coordinator, approver", "approver", " "}, "approver,coordinator"},
	} {
		if got := models.JoinRoles(tc.in...); got != tc.want {
			t.Errorf("JoinRoles(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	m := models.Membership{Roles: "approver,coordinator"}
	if !m.HasRole(models.RoleApprover) || m.HasRole(models.RoleContributor) || len(m.RoleList()) != 2 {
		t.Errorf("role helpers on %+v", m)
	}
}

// The race-safety claims only bite on PostgreSQL (SQLite serialises on its
// single connection), but running both keeps the code paths identical.
func TestConcurrentRetries(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		const n = 8

		type adminResult struct {
			created bool
			err     error
		}
		admins := make(chan adminResult, n)
		for i := 0; i < n; i++ {
			go func() {
				created, _, err := db.EnsureAdmin(ctx, "")
				admins <- adminResult{created, err}
			}()
		}
		createdCount := 0
		for i := 0; i < n; i++ {
			r := <-admins
			if r.err != nil {
				t.Errorf("concurrent EnsureAdmin: %v", r.err)
			}
			if r.created {
				createdCount++
			}
		}
		if createdCount != 1 {
			t.Errorf("%d EnsureAdmin calls created an admin, want 1", createdCount)
		}

		f := newFixture(t, db)
		ids := make(chan int64, n)
		for i := 0; i < n; i++ {
			go func() {
				p := models.ActionPlan{Title: "t", Member: "m", StartsOn: "2025-01-01", EndsOn: "2025-01-02",
					CoordinatorID: f.coord.ID, CreatedBy: f.coord.ID, IdempotencyKey: "same-request"}
				if _, err := db.CreatePlan(ctx, &p); err != nil {
					t.Errorf("concurrent CreatePlan: %v", err)
				}
				ids <- p.ID
			}()
		}
		first := <-ids
		for i := 1; i < n; i++ {
			if id := <-ids; id != first || id == 0 {
				t.Errorf("concurrent CreatePlan ids %d and %d", first, id)
			}
		}

		// Versions applied concurrently in scrambled order end at the newest.
		errs := make(chan error, 10)
		for _, v := range []int64{3, 9, 1, 10, 5, 2, 8, 4, 7, 6} {
			go func() {
				step1 := models.StepStatusInProgress
				if v == 10 {
					step1 = models.StepStatusApproved
				}
				p := f.projection(v, step1, f.roster(v%2 == 0), f.event(v, "e"))
				p.CurrentStep = int(v)
				errs <- db.ApplyProjection(ctx, p)
			}()
		}
		for i := 0; i < 10; i++ {
			if err := <-errs; err != nil {
				t.Errorf("concurrent ApplyProjection: %v", err)
			}
		}
		s := f.snapshot(t)
		if s.Plan.StateVersion != 10 || s.Plan.CurrentStep != 10 || s.Steps[0].Status != models.StepStatusApproved ||
			len(s.Members) != 3 || len(s.Events) != 10 || len(s.Decisions) != 1 {
			t.Errorf("after concurrent projections: plan %+v, step 1 %+v, %d members, %d events, %d decisions",
				s.Plan, s.Steps[0], len(s.Members), len(s.Events), len(s.Decisions))
		}
	})
}
