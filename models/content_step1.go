package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ogplocal/ogp"
)

// Refusals of step 1's content that only the database can tell.
var (
	// ErrNoForum means forum members or meetings were written before the
	// plan's forum was recorded.
	ErrNoForum = errors.New("the plan has no forum")
	// ErrPlanClosed means the plan is completed: its forum's record is
	// final.
	ErrPlanClosed = errors.New("the plan is completed")
)

// TeamProfile is a plan member's place on the team: role title and
// organisation. The member is on the roster (plan_memberships); the
// profile is removed with the membership.
type TeamProfile struct {
	PlanID       int64     `gorm:"column:plan_id;primaryKey"`
	UserID       int64     `gorm:"column:user_id;primaryKey;autoIncrement:false"`
	Title        string    `gorm:"column:title"`
	Organisation string    `gorm:"column:organisation"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (TeamProfile) TableName() string { return "team_profiles" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (p *TeamProfile) BeforeSave(*gorm.DB) error {
	normTime(&p.CreatedAt)
	normTime(&p.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (p *TeamProfile) AfterFind(tx *gorm.DB) error { return p.BeforeSave(tx) }

// TeamMemberRow is a team profile with the member's name, roles and
// sector from the roster: what the public team page shows.
type TeamMemberRow struct {
	UserID       int64  `gorm:"column:user_id"`
	Name         string `gorm:"column:name"`
	Title        string `gorm:"column:title"`
	Organisation string `gorm:"column:organisation"`
	// Roles is the roster's sorted, comma-separated role set.
	Roles  string `gorm:"column:roles"`
	Sector string `gorm:"column:sector"`
}

// RoleList returns the roles as a slice (nil when there are none).
func (r TeamMemberRow) RoleList() []string { return Membership{Roles: r.Roles}.RoleList() }

// ForumRecord is a plan's forum (one per plan).
type ForumRecord struct {
	PlanID         int64     `gorm:"column:plan_id;primaryKey;autoIncrement:false"`
	Name           string    `gorm:"column:name"`
	IsNew          bool      `gorm:"column:is_new"`
	Purpose        string    `gorm:"column:purpose"`
	MeetingCadence string    `gorm:"column:meeting_cadence"`
	CreatedAt      time.Time `gorm:"column:created_at"`
	UpdatedAt      time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (ForumRecord) TableName() string { return "forums" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (f *ForumRecord) BeforeSave(*gorm.DB) error {
	normTime(&f.CreatedAt)
	normTime(&f.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (f *ForumRecord) AfterFind(tx *gorm.DB) error { return f.BeforeSave(tx) }

// ForumMemberRecord is one participant of a plan's forum.
type ForumMemberRecord struct {
	ID           int64     `gorm:"column:id;primaryKey"`
	PlanID       int64     `gorm:"column:plan_id"`
	Name         string    `gorm:"column:name"`
	Organisation string    `gorm:"column:organisation"`
	Sector       string    `gorm:"column:sector"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (ForumMemberRecord) TableName() string { return "forum_members" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (m *ForumMemberRecord) BeforeSave(*gorm.DB) error {
	normTime(&m.CreatedAt)
	normTime(&m.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (m *ForumMemberRecord) AfterFind(tx *gorm.DB) error { return m.BeforeSave(tx) }

func (m ForumMemberRecord) domain() ogp.ForumMember {
	return ogp.ForumMember{ID: m.ID, Name: m.Name, Organisation: m.Organisation, Sector: ogp.ForumSector(m.Sector)}
}

// ForumMeetingRecord is one meeting of a plan's forum with its minutes.
type ForumMeetingRecord struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	PlanID     int64     `gorm:"column:plan_id"`
	HeldOn     string    `gorm:"column:held_on"`
	Agenda     string    `gorm:"column:agenda"`
	Minutes    string    `gorm:"column:minutes"`
	MinutesURL string    `gorm:"column:minutes_url"`
	Attendees  int       `gorm:"column:attendees"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	UpdatedAt  time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (ForumMeetingRecord) TableName() string { return "forum_meetings" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (m *ForumMeetingRecord) BeforeSave(*gorm.DB) error {
	normTime(&m.CreatedAt)
	normTime(&m.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (m *ForumMeetingRecord) AfterFind(tx *gorm.DB) error { return m.BeforeSave(tx) }

func (m ForumMeetingRecord) domain() ogp.ForumMeeting {
	return ogp.ForumMeeting{ID: m.ID, HeldOn: ogp.Date(m.HeldOn), Agenda: m.Agenda, Minutes: m.Minutes,
		MinutesURL: m.MinutesURL, Attendees: m.Attendees}
}

// MonitoringBodyRecord is a plan's monitoring body (one per plan).
type MonitoringBodyRecord struct {
	PlanID                int64     `gorm:"column:plan_id;primaryKey;autoIncrement:false"`
	Name                  string    `gorm:"column:name"`
	Kind                  string    `gorm:"column:kind"`
	IndependenceStatement string    `gorm:"column:independence_statement"`
	CreatedAt             time.Time `gorm:"column:created_at"`
	UpdatedAt             time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (MonitoringBodyRecord) TableName() string { return "monitoring_bodies" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (b *MonitoringBodyRecord) BeforeSave(*gorm.DB) error {
	normTime(&b.CreatedAt)
	normTime(&b.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (b *MonitoringBodyRecord) AfterFind(tx *gorm.DB) error { return b.BeforeSave(tx) }

// --- the team

// ListTeam returns the plan's team with names, roles and sectors, by user
// id.
func (db *DB) ListTeam(ctx context.Context, planID int64) ([]TeamMemberRow, error) {
	rows, err := listTeam(db.Gorm.WithContext(ctx), planID, 0)
	return rows, dbErr(fmt.Sprintf("team of plan %d", planID), err)
}

func listTeam(tx *gorm.DB, planID, userID int64) ([]TeamMemberRow, error) {
	q := tx.Table("team_profiles AS t").
		Select("t.user_id, u.name, t.title, t.organisation, m.roles, m.sector").
		Joins("JOIN plan_memberships m ON m.plan_id = t.plan_id AND m.user_id = t.user_id").
		Joins("JOIN users u ON u.id = t.user_id").
		Where("t.plan_id = ?", planID)
	if userID != 0 {
		q = q.Where("t.user_id = ?", userID)
	}
	rows := []TeamMemberRow{}
	err := q.Order("t.user_id").Find(&rows).Error
	return rows, err
}

// PutTeamProfile gives a plan member a place on the team, or changes it,
// while step 1 is being worked on (else a *NotEditableError). ErrNotFound
// when the user is not a member of the plan. The caller validates the
// values.
func (db *DB) PutTeamProfile(ctx context.Context, planID int64, m ogp.TeamMember) (TeamMemberRow, error) {
	var out TeamMemberRow
	err := db.EditContent(ctx, planID, ogp.HomeTeam, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Membership{}).Where("plan_id = ? AND user_id = ?", planID, m.UserID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: user %d is not a member of the plan", ErrNotFound, m.UserID)
		}
		now := db.now()
		row := TeamProfile{PlanID: planID, UserID: m.UserID, Title: m.Title, Organisation: m.Organisation, CreatedAt: now, UpdatedAt: now}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "plan_id"}, {Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"title", "organisation", "updated_at"}),
		}).Create(&row).Error; err != nil {
			return err
		}
		rows, err := listTeam(tx, planID, m.UserID)
		if err != nil {
			return err
		}
		if len(rows) != 1 {
			return fmt.Errorf("team profile of user %d not found after writing it", m.UserID)
		}
		out = rows[0]
		return nil
	})
	return out, err
}

// DeleteTeamProfile takes a member off the team (they stay on the
// roster), while step 1 is being worked on. ErrNotFound when they are not
// on the team.
func (db *DB) DeleteTeamProfile(ctx context.Context, planID, userID int64) error {
	return db.EditContent(ctx, planID, ogp.HomeTeam, func(tx *gorm.DB) error {
		return deleteOne(tx.Where("plan_id = ? AND user_id = ?", planID, userID), &TeamProfile{}, "team member", userID)
	})
}

// deleteOne deletes the row q selects, ErrNotFound when there is none.
func deleteOne(q *gorm.DB, model any, what string, id int64) error {
	res := q.Delete(model)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%w: no %s %d in the plan", ErrNotFound, what, id)
	}
	return nil
}

// --- the forum

// Forum returns the plan's forum with its members and meetings; nil when
// none is recorded.
func (db *DB) Forum(ctx context.Context, planID int64) (*ogp.Forum, error) {
	f, err := loadForum(db.Gorm.WithContext(ctx), planID)
	return f, dbErr(fmt.Sprintf("forum of plan %d", planID), err)
}

func loadForum(tx *gorm.DB, planID int64) (*ogp.Forum, error) {
	var rec ForumRecord
	err := tx.Where("plan_id = ?", planID).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f := &ogp.Forum{Name: rec.Name, IsNew: rec.IsNew, Purpose: rec.Purpose, MeetingCadence: rec.MeetingCadence,
		Members: []ogp.ForumMember{}, Meetings: []ogp.ForumMeeting{}}
	var members []ForumMemberRecord
	if err := tx.Where("plan_id = ?", planID).Order("id").Find(&members).Error; err != nil {
		return nil, err
	}
	for _, m := range members {
		f.Members = append(f.Members, m.domain())
	}
	var meetings []ForumMeetingRecord
	if err := tx.Where("plan_id = ?", planID).Order("held_on, id").Find(&meetings).Error; err != nil {
		return nil, err
	}
	for _, m := range meetings {
		f.Meetings = append(f.Meetings, m.domain())
	}
	return f, nil
}

// PutForum records the plan's forum, or changes its description (its
// members and meetings stay), while step 1 is being worked on. It returns
// the forum as stored, with members and meetings.
func (db *DB) PutForum(ctx context.Context, planID int64, f ogp.Forum) (ogp.Forum, error) {
	var out ogp.Forum
	err := db.EditContent(ctx, planID, ogp.HomeTeam, func(tx *gorm.DB) error {
		now := db.now()
		rec := ForumRecord{PlanID: planID, Name: f.Name, IsNew: f.IsNew, Purpose: f.Purpose, MeetingCadence: f.MeetingCadence,
			CreatedAt: now, UpdatedAt: now}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "plan_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "is_new", "purpose", "meeting_cadence", "updated_at"}),
		}).Create(&rec).Error; err != nil {
			return err
		}
		stored, err := loadForum(tx, planID)
		if err != nil {
			return err
		}
		out = *stored
		return nil
	})
	return out, err
}

// requireForum returns ErrNoForum unless the plan has a forum.
func requireForum(tx *gorm.DB, planID int64) error {
	var n int64
	if err := tx.Model(&ForumRecord{}).Where("plan_id = ?", planID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNoForum
	}
	return nil
}

// AddForumMember adds a participant to the plan's forum while step 1 is
// being worked on; ErrNoForum before the forum is recorded.
func (db *DB) AddForumMember(ctx context.Context, planID int64, m ogp.ForumMember) (ogp.ForumMember, error) {
	var rec ForumMemberRecord
	err := db.EditContent(ctx, planID, ogp.HomeTeam, func(tx *gorm.DB) error {
		if err := requireForum(tx, planID); err != nil {
			return err
		}
		now := db.now()
		rec = ForumMemberRecord{PlanID: planID, Name: m.Name, Organisation: m.Organisation, Sector: string(m.Sector), CreatedAt: now, UpdatedAt: now}
		return tx.Create(&rec).Error
	})
	return rec.domain(), err
}

// UpdateForumMember changes forum member m.ID of the plan while step 1 is
// being worked on; ErrNotFound when the plan has no such member.
func (db *DB) UpdateForumMember(ctx context.Context, planID int64, m ogp.ForumMember) (ogp.ForumMember, error) {
	var rec ForumMemberRecord
	err := db.EditContent(ctx, planID, ogp.HomeTeam, func(tx *gorm.DB) error {
		res := tx.Model(&ForumMemberRecord{}).Where("plan_id = ? AND id = ?", planID, m.ID).Updates(map[string]any{
			"name": m.Name, "organisation": m.Organisation, "sector": string(m.Sector), "updated_at": db.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%w: no forum member %d in the plan", ErrNotFound, m.ID)
		}
		return tx.Where("plan_id = ? AND id = ?", planID, m.ID).Take(&rec).Error
	})
	return rec.domain(), err
}

// DeleteForumMember removes forum member id of the plan while step 1 is
// being worked on; ErrNotFound when the plan has no such member.
func (db *DB) DeleteForumMember(ctx context.Context, planID, id int64) error {
	return db.EditContent(ctx, planID, ogp.HomeTeam, func(tx *gorm.DB) error {
		return deleteOne(tx.Where("plan_id = ? AND id = ?", planID, id), &ForumMemberRecord{}, "forum member", id)
	})
}

// editMeetings runs fn, which changes the forum's meetings, in one
// transaction. Meetings are not step content: the forum keeps meeting and
// publishing minutes throughout the plan, so they may change whatever the
// step, until the plan is completed (ErrPlanClosed), and only once the
// forum is recorded (ErrNoForum).
func (db *DB) editMeetings(ctx context.Context, op string, planID int64, fn func(tx *gorm.DB) error) error {
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		var plan ActionPlan
		if err := tx.Select("id", "status").Where("id = ?", planID).Take(&plan).Error; err != nil {
			return err
		}
		if plan.Status == PlanStatusCompleted {
			return ErrPlanClosed
		}
		if err := requireForum(tx, planID); err != nil {
			return err
		}
		return fn(tx)
	})
	return dbErr(fmt.Sprintf("%s of plan %d", op, planID), err)
}

// AddForumMeeting records a meeting of the plan's forum. The caller
// validates the values (a meeting has taken place).
func (db *DB) AddForumMeeting(ctx context.Context, planID int64, m ogp.ForumMeeting) (ogp.ForumMeeting, error) {
	var rec ForumMeetingRecord
	err := db.editMeetings(ctx, "add forum meeting", planID, func(tx *gorm.DB) error {
		now := db.now()
		rec = ForumMeetingRecord{PlanID: planID, HeldOn: string(m.HeldOn), Agenda: m.Agenda, Minutes: m.Minutes,
			MinutesURL: m.MinutesURL, Attendees: m.Attendees, CreatedAt: now, UpdatedAt: now}
		return tx.Create(&rec).Error
	})
	return rec.domain(), err
}

// UpdateForumMeeting changes meeting m.ID of the plan's forum; ErrNotFound
// when the plan has no such meeting.
func (db *DB) UpdateForumMeeting(ctx context.Context, planID int64, m ogp.ForumMeeting) (ogp.ForumMeeting, error) {
	var rec ForumMeetingRecord
	err := db.editMeetings(ctx, fmt.Sprintf("update forum meeting %d", m.ID), planID, func(tx *gorm.DB) error {
		res := tx.Model(&ForumMeetingRecord{}).Where("plan_id = ? AND id = ?", planID, m.ID).Updates(map[string]any{
			"held_on": string(m.HeldOn), "agenda": m.Agenda, "minutes": m.Minutes, "minutes_url": m.MinutesURL,
			"attendees": m.Attendees, "updated_at": db.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%w: no forum meeting %d in the plan", ErrNotFound, m.ID)
		}
		return tx.Where("plan_id = ? AND id = ?", planID, m.ID).Take(&rec).Error
	})
	return rec.domain(), err
}

// DeleteForumMeeting removes meeting id of the plan's forum; ErrNotFound
// when the plan has no such meeting.
func (db *DB) DeleteForumMeeting(ctx context.Context, planID, id int64) error {
	return db.editMeetings(ctx, fmt.Sprintf("delete forum meeting %d", id), planID, func(tx *gorm.DB) error {
		return deleteOne(tx.Where("plan_id = ? AND id = ?", planID, id), &ForumMeetingRecord{}, "forum meeting", id)
	})
}

// --- the monitoring body

// MonitoringBody returns the plan's monitoring body; nil when none is
// recorded. Its members are the roster's monitoring_body role.
func (db *DB) MonitoringBody(ctx context.Context, planID int64) (*ogp.MonitoringBody, error) {
	b, err := loadMonitoringBody(db.Gorm.WithContext(ctx), planID)
	return b, dbErr(fmt.Sprintf("monitoring body of plan %d", planID), err)
}

func loadMonitoringBody(tx *gorm.DB, planID int64) (*ogp.MonitoringBody, error) {
	var rec MonitoringBodyRecord
	err := tx.Where("plan_id = ?", planID).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &ogp.MonitoringBody{Name: rec.Name, Kind: ogp.MonitoringBodyKind(rec.Kind), IndependenceStatement: rec.IndependenceStatement}, nil
}

// PutMonitoringBody records the plan's monitoring body, or changes it,
// while step 1 is being worked on.
func (db *DB) PutMonitoringBody(ctx context.Context, planID int64, b ogp.MonitoringBody) error {
	return db.EditContent(ctx, planID, ogp.HomeTeam, func(tx *gorm.DB) error {
		now := db.now()
		rec := MonitoringBodyRecord{PlanID: planID, Name: b.Name, Kind: string(b.Kind), IndependenceStatement: b.IndependenceStatement,
			CreatedAt: now, UpdatedAt: now}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "plan_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "kind", "independence_statement", "updated_at"}),
		}).Create(&rec).Error
	})
}

// loadTeamForumMonitoring fills step 1's content: the team (names from
// the users), the forum with members and meetings, the monitoring body.
func loadTeamForumMonitoring(tx *gorm.DB, planID int64, c *ogp.Content) error {
	rows, err := listTeam(tx, planID, 0)
	if err != nil {
		return err
	}
	c.Team = make([]ogp.TeamMember, 0, len(rows))
	for _, r := range rows {
		c.Team = append(c.Team, ogp.TeamMember{UserID: r.UserID, Name: r.Name, Title: r.Title, Organisation: r.Organisation})
	}
	if c.Forum, err = loadForum(tx, planID); err != nil {
		return err
	}
	c.MonitoringBody, err = loadMonitoringBody(tx, planID)
	return err
}
