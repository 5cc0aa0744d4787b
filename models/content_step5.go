package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// commitmentRow is a commitment as stored (step 5). Its values,
// milestones and support network are rows of their own.
type commitmentRow struct {
	ID               int64     `gorm:"column:id;primaryKey"`
	PlanID           int64     `gorm:"column:plan_id"`
	Number           int       `gorm:"column:number"`
	ProblemID        int64     `gorm:"column:problem_id"`
	Title            string    `gorm:"column:title"`
	StartsOn         string    `gorm:"column:starts_on"`
	EndsOn           string    `gorm:"column:ends_on"`
	LeadAgency       string    `gorm:"column:lead_agency"`
	ProblemStatement string    `gorm:"column:problem_statement"`
	StatusQuo        string    `gorm:"column:status_quo"`
	Objective        string    `gorm:"column:objective"`
	HowItSolves      string    `gorm:"column:how_it_solves"`
	AdditionalInfo   string    `gorm:"column:additional_info"`
	LeadUserID       *int64    `gorm:"column:lead_user_id"`
	CreatedAt        time.Time `gorm:"column:created_at"`
	UpdatedAt        time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (commitmentRow) TableName() string { return "commitments" }

type commitmentValueRow struct {
	PlanID        int64  `gorm:"column:plan_id"`
	CommitmentID  int64  `gorm:"column:commitment_id;primaryKey;autoIncrement:false"`
	Value         string `gorm:"column:value;primaryKey"`
	Position      int    `gorm:"column:position"`
	Justification string `gorm:"column:justification"`
}

// TableName implements gorm's Tabler.
func (commitmentValueRow) TableName() string { return "commitment_values" }

type milestoneRow struct {
	ID           int64  `gorm:"column:id;primaryKey"`
	PlanID       int64  `gorm:"column:plan_id"`
	CommitmentID int64  `gorm:"column:commitment_id"`
	Title        string `gorm:"column:title"`
	Deliverable  string `gorm:"column:deliverable"`
	Indicator    string `gorm:"column:indicator"`
	Target       string `gorm:"column:target"`
	StartsOn     string `gorm:"column:starts_on"`
	DueOn        string `gorm:"column:due_on"`
	Responsible  string `gorm:"column:responsible"`
	// ResponsibleUserID is NULL when the responsible person is no user.
	ResponsibleUserID *int64    `gorm:"column:responsible_user_id"`
	CreatedAt         time.Time `gorm:"column:created_at"`
	UpdatedAt         time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (milestoneRow) TableName() string { return "milestones" }

type supportActorRow struct {
	ID           int64     `gorm:"column:id;primaryKey"`
	PlanID       int64     `gorm:"column:plan_id"`
	CommitmentID int64     `gorm:"column:commitment_id"`
	Name         string    `gorm:"column:name"`
	Organisation string    `gorm:"column:organisation"`
	Sector       string    `gorm:"column:sector"`
	Role         string    `gorm:"column:role"`
	Contact      string    `gorm:"column:contact"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (supportActorRow) TableName() string { return "support_actors" }

// loadCommitments fills the plan's commitments by number, each with
// its values (in the order given), milestones (by dates) and support
// network (by id). Contacts are loaded too: the content type keeps them
// out of every JSON it is encoded to.
func loadCommitments(tx *gorm.DB, planID int64, c *ogp.Content) error {
	var rows []commitmentRow
	if err := tx.Where("plan_id = ?", planID).Order("number, id").Find(&rows).Error; err != nil {
		return err
	}
	var values []commitmentValueRow
	if err := tx.Where("plan_id = ?", planID).Order("commitment_id, position").Find(&values).Error; err != nil {
		return err
	}
	var milestones []milestoneRow
	if err := tx.Where("plan_id = ?", planID).Order("starts_on, due_on, id").Find(&milestones).Error; err != nil {
		return err
	}
	var actors []supportActorRow
	if err := tx.Where("plan_id = ?", planID).Order("id").Find(&actors).Error; err != nil {
		return err
	}
	out := make([]ogp.Commitment, 0, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		at[r.ID] = i
		out = append(out, ogp.Commitment{
			ID: r.ID, Number: r.Number, Title: r.Title, ProblemID: r.ProblemID,
			StartsOn: ogp.Date(r.StartsOn), EndsOn: ogp.Date(r.EndsOn), LeadAgency: r.LeadAgency,
			ProblemStatement: r.ProblemStatement, StatusQuo: r.StatusQuo, Objective: r.Objective,
			HowItSolves: r.HowItSolves, AdditionalInfo: r.AdditionalInfo, LeadUserID: userIDOf(r.LeadUserID),
			Values: []ogp.CommitmentValue{}, Milestones: []ogp.Milestone{}, Network: []ogp.SupportActor{},
		})
	}
	for _, v := range values {
		if i, ok := at[v.CommitmentID]; ok {
			out[i].Values = append(out[i].Values, ogp.CommitmentValue{Value: ogp.Value(v.Value), Justification: v.Justification})
		}
	}
	for _, m := range milestones {
		if i, ok := at[m.CommitmentID]; ok {
			out[i].Milestones = append(out[i].Milestones, milestoneOf(m))
		}
	}
	for _, a := range actors {
		if i, ok := at[a.CommitmentID]; ok {
			out[i].Network = append(out[i].Network, supportActorOf(a))
		}
	}
	c.Commitments = out
	return nil
}

func milestoneOf(m milestoneRow) ogp.Milestone {
	return ogp.Milestone{ID: m.ID, Title: m.Title, Deliverable: m.Deliverable, Indicator: m.Indicator, Target: m.Target,
		StartsOn: ogp.Date(m.StartsOn), DueOn: ogp.Date(m.DueOn), Responsible: m.Responsible,
		ResponsibleUserID: userIDOf(m.ResponsibleUserID)}
}

// userIDOf reads a nullable user reference; 0 means none.
func userIDOf(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// userRef stores a user reference, 0 (none) as NULL.
func userRef(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// checkPlanMember refuses a user reference (a commitment's lead, a
// milestone's responsible person) to anyone but a member of the plan: only
// members act on the plan, and only they receive its reminders. 0 is none.
func checkPlanMember(tx *gorm.DB, planID, userID int64, field string) error {
	if userID == 0 {
		return nil
	}
	var n int64
	if err := tx.Table("plan_memberships").Where("plan_id = ? AND user_id = ?", planID, userID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ogp.Errorf(ogp.EUnprocessable, "unknown_member", "%s %d is not a member of this plan: add them to the plan first", field, userID)
	}
	return nil
}

func supportActorOf(a supportActorRow) ogp.SupportActor {
	return ogp.SupportActor{ID: a.ID, Name: a.Name, Organisation: a.Organisation, Sector: ogp.ActorSector(a.Sector),
		Role: ogp.ActorRole(a.Role), Contact: a.Contact}
}

// ListCommitments reads the plan's commitments with their values,
// milestones and support networks (contacts included: callers decide who
// may see them).
func (db *DB) ListCommitments(ctx context.Context, planID int64) ([]ogp.Commitment, error) {
	var c ogp.Content
	err := loadCommitments(db.Gorm.WithContext(ctx), planID, &c)
	return c.Commitments, dbErr(fmt.Sprintf("list commitments of plan %d", planID), err)
}

// GetCommitment reads one commitment of the plan; a commitment of another
// plan is unknown here.
func (db *DB) GetCommitment(ctx context.Context, planID, id int64) (ogp.Commitment, error) {
	out, err := loadOneCommitment(db.Gorm.WithContext(ctx), planID, id)
	return out, dbErr(fmt.Sprintf("get commitment %d of plan %d", id, planID), err)
}

func loadOneCommitment(tx *gorm.DB, planID, id int64) (ogp.Commitment, error) {
	var c ogp.Content
	if err := loadCommitments(tx, planID, &c); err != nil {
		return ogp.Commitment{}, err
	}
	for _, cm := range c.Commitments {
		if cm.ID == id {
			return cm, nil
		}
	}
	return ogp.Commitment{}, unknownCommitment(id)
}

func unknownCommitment(id int64) error {
	return ogp.Errorf(ogp.ENotFound, "unknown_commitment", "there is no commitment %d in this plan", id)
}

// findCommitment finds a commitment of the plan. It locks nothing: inside
// EditContent the step's content lock, which every writer of commitments
// takes, is held already.
func findCommitment(tx *gorm.DB, planID, id int64) (commitmentRow, error) {
	var row commitmentRow
	err := tx.Where("plan_id = ? AND id = ?", planID, id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, unknownCommitment(id)
	}
	return row, err
}

// checkCommitmentProblem makes sure problemID is a problem of the plan
// selected in step 4 that no other commitment (than exceptID) addresses.
func checkCommitmentProblem(tx *gorm.DB, planID, problemID, exceptID int64) error {
	var c ogp.Content
	if err := loadProblems(tx, planID, &c); err != nil {
		return err
	}
	found := false
	for _, p := range c.Problems {
		if p.ID != problemID {
			continue
		}
		found = true
		if !p.Selected {
			return ogp.Errorf(ogp.EUnprocessable, "problem_not_selected",
				"problem %d (%q) was not selected in step 4: a commitment addresses one of the selected problems", p.ID, p.Title)
		}
	}
	if !found {
		return ogp.Errorf(ogp.EUnprocessable, "unknown_problem", "problem_id %d is not a problem of this plan", problemID)
	}
	var other commitmentRow
	err := tx.Where("plan_id = ? AND problem_id = ? AND id <> ?", planID, problemID, exceptID).Take(&other).Error
	switch {
	case err == nil:
		return ogp.Errorf(ogp.EConflict, "problem_has_commitment",
			"commitment %d (%q) already addresses problem %d: one commitment per problem", other.Number, other.Title, problemID)
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return err
	}
	return nil
}

func commitmentColumns(in ogp.Commitment) map[string]any {
	return map[string]any{
		"problem_id": in.ProblemID, "title": in.Title, "starts_on": string(in.StartsOn), "ends_on": string(in.EndsOn),
		"lead_agency": in.LeadAgency, "problem_statement": in.ProblemStatement, "status_quo": in.StatusQuo,
		"objective": in.Objective, "how_it_solves": in.HowItSolves, "additional_info": in.AdditionalInfo,
		"lead_user_id": userRef(in.LeadUserID),
	}
}

func replaceCommitmentValues(tx *gorm.DB, planID, commitmentID int64, values []ogp.CommitmentValue) error {
	if err := tx.Where("commitment_id = ?", commitmentID).Delete(&commitmentValueRow{}).Error; err != nil {
		return err
	}
	if len(values) == 0 {
		return nil
	}
	rows := make([]commitmentValueRow, 0, len(values))
	for i, v := range values {
		rows = append(rows, commitmentValueRow{PlanID: planID, CommitmentID: commitmentID, Value: string(v.Value), Position: i + 1, Justification: v.Justification})
	}
	return tx.Create(&rows).Error
}

// editExisting runs fn through EditContent, after find has looked up the
// item the request addresses, so an unknown item is answered as such
// (404) rather than as locked content. find runs again inside, under the
// step's lock, where the answer counts.
func (db *DB) editExisting(ctx context.Context, planID int64, homeStep int, find, fn func(tx *gorm.DB) error) error {
	if find == nil {
		find = func(*gorm.DB) error { return nil }
	}
	if err := find(db.Gorm.WithContext(ctx)); err != nil {
		return dbErr(fmt.Sprintf("find an item of plan %d", planID), err)
	}
	return db.EditContent(ctx, planID, homeStep, func(tx *gorm.DB) error {
		if err := find(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// CreateCommitment records a commitment of the plan (while step 5 is
// being worked on), numbered after the others. The problem must be one
// selected in step 4 and not addressed yet; a sixth commitment is refused,
// whatever its problem, since OGP Local caps a plan at five. (A retried
// creation is answered by the API's Idempotency-Key layer.)
func (db *DB) CreateCommitment(ctx context.Context, planID int64, in ogp.Commitment) (ogp.Commitment, error) {
	var out ogp.Commitment
	err := db.EditContent(ctx, planID, ogp.HomeCommitments, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&commitmentRow{}).Where("plan_id = ?", planID).Count(&n).Error; err != nil {
			return err
		}
		if n >= ogp.MaxCommitments {
			return ogp.Errorf(ogp.EUnprocessable, "too_many_commitments",
				"the plan has %d commitments already: OGP Local allows at most %d", n, ogp.MaxCommitments)
		}
		if err := checkCommitmentProblem(tx, planID, in.ProblemID, 0); err != nil {
			return err
		}
		if err := checkPlanMember(tx, planID, in.LeadUserID, "lead_user_id"); err != nil {
			return err
		}
		now := db.now()
		row := commitmentRow{PlanID: planID, Number: int(n) + 1, ProblemID: in.ProblemID, Title: in.Title,
			StartsOn: string(in.StartsOn), EndsOn: string(in.EndsOn), LeadAgency: in.LeadAgency,
			ProblemStatement: in.ProblemStatement, StatusQuo: in.StatusQuo, Objective: in.Objective,
			HowItSolves: in.HowItSolves, AdditionalInfo: in.AdditionalInfo, LeadUserID: userRef(in.LeadUserID),
			CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := replaceCommitmentValues(tx, planID, row.ID, in.Values); err != nil {
			return err
		}
		var err error
		out, err = loadOneCommitment(tx, planID, row.ID)
		return err
	})
	return out, err
}

// UpdateCommitment replaces the template fields and values of a
// commitment (while step 5 is being worked on); its number, milestones
// and network stay.
func (db *DB) UpdateCommitment(ctx context.Context, planID, id int64, in ogp.Commitment) (ogp.Commitment, error) {
	var out ogp.Commitment
	var row commitmentRow
	find := func(tx *gorm.DB) (err error) { row, err = findCommitment(tx, planID, id); return err }
	err := db.editExisting(ctx, planID, ogp.HomeCommitments, find, func(tx *gorm.DB) error {
		if in.ProblemID != row.ProblemID {
			if err := checkCommitmentProblem(tx, planID, in.ProblemID, id); err != nil {
				return err
			}
		}
		if err := checkPlanMember(tx, planID, in.LeadUserID, "lead_user_id"); err != nil {
			return err
		}
		cols := commitmentColumns(in)
		cols["updated_at"] = db.now()
		if err := tx.Model(&commitmentRow{}).Where("id = ?", id).Updates(cols).Error; err != nil {
			return err
		}
		if err := replaceCommitmentValues(tx, planID, id, in.Values); err != nil {
			return err
		}
		var err error
		out, err = loadOneCommitment(tx, planID, id)
		return err
	})
	return out, err
}

// DeleteCommitment removes a commitment with its values, milestones and
// network (while step 5 is being worked on), and renumbers the ones after
// it so the plan's commitments stay numbered 1..n.
func (db *DB) DeleteCommitment(ctx context.Context, planID, id int64) error {
	var row commitmentRow
	find := func(tx *gorm.DB) (err error) { row, err = findCommitment(tx, planID, id); return err }
	return db.editExisting(ctx, planID, ogp.HomeCommitments, find, func(tx *gorm.DB) error {
		if err := tx.Delete(&commitmentRow{}, id).Error; err != nil {
			return err
		}
		var after []commitmentRow
		if err := tx.Where("plan_id = ? AND number > ?", planID, row.Number).Order("number").Find(&after).Error; err != nil {
			return err
		}
		// One row at a time, in ascending order: each moves into the
		// number just freed, so the unique (plan_id, number) key holds
		// after every statement on both databases.
		now := db.now()
		for _, r := range after {
			if err := tx.Model(&commitmentRow{}).Where("id = ?", r.ID).
				Updates(map[string]any{"number": r.Number - 1, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

func milestoneColumns(m ogp.Milestone) map[string]any {
	return map[string]any{
		"title": m.Title, "deliverable": m.Deliverable, "indicator": m.Indicator, "target": m.Target,
		"starts_on": string(m.StartsOn), "due_on": string(m.DueOn), "responsible": m.Responsible,
		"responsible_user_id": userRef(m.ResponsibleUserID),
	}
}

// findMilestone finds a milestone of the commitment, itself of the plan.
func findMilestone(tx *gorm.DB, planID, commitmentID, id int64) (milestoneRow, error) {
	var row milestoneRow
	if _, err := findCommitment(tx, planID, commitmentID); err != nil {
		return row, err
	}
	err := tx.Where("plan_id = ? AND commitment_id = ? AND id = ?", planID, commitmentID, id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, ogp.Errorf(ogp.ENotFound, "unknown_milestone", "commitment %d has no milestone %d", commitmentID, id)
	}
	return row, err
}

// CreateMilestone adds a milestone to a commitment (while step 5 is
// being worked on).
func (db *DB) CreateMilestone(ctx context.Context, planID, commitmentID int64, m ogp.Milestone) (ogp.Milestone, error) {
	var row milestoneRow
	find := func(tx *gorm.DB) error { _, err := findCommitment(tx, planID, commitmentID); return err }
	err := db.editExisting(ctx, planID, ogp.HomeCommitments, find, func(tx *gorm.DB) error {
		if err := checkPlanMember(tx, planID, m.ResponsibleUserID, "responsible_user_id"); err != nil {
			return err
		}
		now := db.now()
		row = milestoneRow{PlanID: planID, CommitmentID: commitmentID, Title: m.Title, Deliverable: m.Deliverable,
			Indicator: m.Indicator, Target: m.Target, StartsOn: string(m.StartsOn), DueOn: string(m.DueOn),
			Responsible: m.Responsible, ResponsibleUserID: userRef(m.ResponsibleUserID), CreatedAt: now, UpdatedAt: now}
		return tx.Create(&row).Error
	})
	return milestoneOf(row), err
}

// UpdateMilestone replaces a milestone's fields (while step 5 is being
// worked on).
func (db *DB) UpdateMilestone(ctx context.Context, planID, commitmentID, id int64, m ogp.Milestone) (ogp.Milestone, error) {
	var out ogp.Milestone
	find := func(tx *gorm.DB) error { _, err := findMilestone(tx, planID, commitmentID, id); return err }
	err := db.editExisting(ctx, planID, ogp.HomeCommitments, find, func(tx *gorm.DB) error {
		if err := checkPlanMember(tx, planID, m.ResponsibleUserID, "responsible_user_id"); err != nil {
			return err
		}
		cols := milestoneColumns(m)
		cols["updated_at"] = db.now()
		if err := tx.Model(&milestoneRow{}).Where("id = ?", id).Updates(cols).Error; err != nil {
			return err
		}
		row, err := findMilestone(tx, planID, commitmentID, id)
		out = milestoneOf(row)
		return err
	})
	return out, err
}

// DeleteMilestone removes a milestone (while step 5 is being worked on).
func (db *DB) DeleteMilestone(ctx context.Context, planID, commitmentID, id int64) error {
	find := func(tx *gorm.DB) error { _, err := findMilestone(tx, planID, commitmentID, id); return err }
	return db.editExisting(ctx, planID, ogp.HomeCommitments, find, func(tx *gorm.DB) error {
		return tx.Delete(&milestoneRow{}, id).Error
	})
}

func supportActorColumns(a ogp.SupportActor) map[string]any {
	return map[string]any{"name": a.Name, "organisation": a.Organisation, "sector": string(a.Sector), "role": string(a.Role), "contact": a.Contact}
}

// findSupportActor finds an actor of the commitment, itself of the plan.
func findSupportActor(tx *gorm.DB, planID, commitmentID, id int64) (supportActorRow, error) {
	var row supportActorRow
	if _, err := findCommitment(tx, planID, commitmentID); err != nil {
		return row, err
	}
	err := tx.Where("plan_id = ? AND commitment_id = ? AND id = ?", planID, commitmentID, id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, ogp.Errorf(ogp.ENotFound, "unknown_support_actor", "commitment %d has no support actor %d", commitmentID, id)
	}
	return row, err
}

// CreateSupportActor adds an actor to a commitment's support network
// (while step 6 is being worked on; the commitment itself is final by
// then).
func (db *DB) CreateSupportActor(ctx context.Context, planID, commitmentID int64, a ogp.SupportActor) (ogp.SupportActor, error) {
	var row supportActorRow
	find := func(tx *gorm.DB) error { _, err := findCommitment(tx, planID, commitmentID); return err }
	err := db.editExisting(ctx, planID, ogp.HomeNetwork, find, func(tx *gorm.DB) error {
		now := db.now()
		row = supportActorRow{PlanID: planID, CommitmentID: commitmentID, Name: a.Name, Organisation: a.Organisation,
			Sector: string(a.Sector), Role: string(a.Role), Contact: a.Contact, CreatedAt: now, UpdatedAt: now}
		return tx.Create(&row).Error
	})
	return supportActorOf(row), err
}

// UpdateSupportActor replaces an actor's fields (while step 6 is being
// worked on).
func (db *DB) UpdateSupportActor(ctx context.Context, planID, commitmentID, id int64, a ogp.SupportActor) (ogp.SupportActor, error) {
	var out ogp.SupportActor
	find := func(tx *gorm.DB) error { _, err := findSupportActor(tx, planID, commitmentID, id); return err }
	err := db.editExisting(ctx, planID, ogp.HomeNetwork, find, func(tx *gorm.DB) error {
		cols := supportActorColumns(a)
		cols["updated_at"] = db.now()
		if err := tx.Model(&supportActorRow{}).Where("id = ?", id).Updates(cols).Error; err != nil {
			return err
		}
		row, err := findSupportActor(tx, planID, commitmentID, id)
		out = supportActorOf(row)
		return err
	})
	return out, err
}

// DeleteSupportActor removes an actor from a commitment's network (while
// step 6 is being worked on).
func (db *DB) DeleteSupportActor(ctx context.Context, planID, commitmentID, id int64) error {
	find := func(tx *gorm.DB) error { _, err := findSupportActor(tx, planID, commitmentID, id); return err }
	return db.editExisting(ctx, planID, ogp.HomeNetwork, find, func(tx *gorm.DB) error {
		return tx.Delete(&supportActorRow{}, id).Error
	})
}
