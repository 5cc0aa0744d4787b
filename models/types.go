package models

import (
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Plan statuses (action_plans.status), in process order.
const (
	PlanStatusCoCreation     = "co_creation"
	PlanStatusImplementation = "implementation"
	PlanStatusLearning       = "learning"
	PlanStatusCompleted      = "completed"
)

// Step statuses (steps.status).
const (
	StepStatusNotStarted       = "not_started"
	StepStatusInProgress       = "in_progress"
	StepStatusAwaitingApproval = "awaiting_approval"
	StepStatusChangesRequested = "changes_requested"
	StepStatusApproved         = "approved"
)

// Membership role keys (plan_memberships.roles holds a sorted,
// comma-separated subset).
const (
	RoleCoordinator    = "coordinator"
	RoleApprover       = "approver"
	RoleMonitoringBody = "monitoring_body"
	RoleContributor    = "contributor"
)

// Membership sectors (plan_memberships.sector).
const (
	SectorGovernment   = "government"
	SectorCivilSociety = "civil_society"
	SectorOther        = "other"
)

// Decision outcomes (decisions.decision).
const (
	DecisionApprove        = "approve"
	DecisionRequestChanges = "request_changes"
)

// StepCount is the number of steps of every action plan (steps.number is
// 1..StepCount).
const StepCount = 10

// The JSON tags below are part of the contract: Projection and its rows
// travel through Temporal payloads and workflow histories, so renaming a
// tag breaks replay of running workflows.

// User is a person who can sign in with an API token.
type User struct {
	ID int64 `gorm:"column:id;primaryKey" json:"id"`
	// Name is the display name.
	Name string `gorm:"column:name" json:"name"`
	// Email is unique and stored lower-cased.
	Email     string    `gorm:"column:email" json:"email"`
	IsAdmin   bool      `gorm:"column:is_admin" json:"is_admin"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
}

// TableName implements gorm's Tabler.
func (User) TableName() string { return "users" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (u *User) BeforeSave(*gorm.DB) error { normTime(&u.CreatedAt); return nil }

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (u *User) AfterFind(*gorm.DB) error { normTime(&u.CreatedAt); return nil }

// APIToken is a bearer token of a user. Only the hash is stored, so a leaked
// database does not leak usable tokens.
type APIToken struct {
	ID     int64  `gorm:"column:id;primaryKey" json:"id"`
	UserID int64  `gorm:"column:user_id" json:"user_id"`
	Name   string `gorm:"column:name" json:"name"`
	// TokenHash is HashToken of the plain token.
	TokenHash  string     `gorm:"column:token_hash" json:"-"`
	CreatedAt  time.Time  `gorm:"column:created_at" json:"created_at"`
	LastUsedAt *time.Time `gorm:"column:last_used_at" json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `gorm:"column:revoked_at" json:"revoked_at,omitempty"`
}

// TableName implements gorm's Tabler.
func (APIToken) TableName() string { return "api_tokens" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (t *APIToken) BeforeSave(*gorm.DB) error {
	normTime(&t.CreatedAt)
	normTimePtr(&t.LastUsedAt)
	normTimePtr(&t.RevokedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (t *APIToken) AfterFind(tx *gorm.DB) error { return t.BeforeSave(tx) }

// ActionPlan is an OGP Local action plan, the projection of its workflow.
type ActionPlan struct {
	ID    int64  `gorm:"column:id;primaryKey" json:"id"`
	Title string `gorm:"column:title" json:"title"`
	// Member is the OGP Local member (city or local government).
	Member string `gorm:"column:member" json:"member"`
	// StartsOn and EndsOn are 'YYYY-MM-DD'.
	StartsOn string `gorm:"column:starts_on" json:"starts_on"`
	EndsOn   string `gorm:"column:ends_on" json:"ends_on"`
	// Status is one of the PlanStatus constants.
	Status      string `gorm:"column:status" json:"status"`
	CurrentStep int    `gorm:"column:current_step" json:"current_step"`
	// WorkflowID is the Temporal workflow id; CreatePlan derives it with
	// PlanWorkflowID when empty. default:null makes an empty value insert
	// NULL rather than '' so the unique index never sees two blanks.
	WorkflowID    string `gorm:"column:workflow_id;default:null" json:"workflow_id"`
	CoordinatorID int64  `gorm:"column:coordinator_id" json:"coordinator_id"`
	CreatedBy     int64  `gorm:"column:created_by" json:"created_by"`
	// IdempotencyKey makes CreatePlan retry-safe per creator; empty means
	// none and is stored as NULL (see WorkflowID).
	IdempotencyKey       string `gorm:"column:idempotency_key;default:null" json:"idempotency_key,omitempty"`
	ReminderIntervalDays int    `gorm:"column:reminder_interval_days" json:"reminder_interval_days"`
	// ReminderPolicy is the plan's milestone reminder policy (ogp.ReminderPolicy
	// as JSON); nil means the default.
	ReminderPolicy *string `gorm:"column:reminder_policy" json:"reminder_policy,omitempty"`
	// StateVersion is the version of the last projection applied.
	StateVersion int64     `gorm:"column:state_version" json:"state_version"`
	CreatedAt    time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TableName implements gorm's Tabler.
func (ActionPlan) TableName() string { return "action_plans" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (p *ActionPlan) BeforeSave(*gorm.DB) error {
	normTime(&p.CreatedAt)
	normTime(&p.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (p *ActionPlan) AfterFind(tx *gorm.DB) error { return p.BeforeSave(tx) }

// Membership is a user's place on a plan's roster.
type Membership struct {
	PlanID int64 `gorm:"column:plan_id;primaryKey" json:"plan_id"`
	UserID int64 `gorm:"column:user_id;primaryKey" json:"user_id"`
	// Roles is a sorted, comma-separated set of Role constants; build it
	// with JoinRoles so equal sets compare equal.
	Roles string `gorm:"column:roles" json:"roles"`
	// Sector is one of the Sector constants.
	Sector    string    `gorm:"column:sector" json:"sector"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TableName implements gorm's Tabler.
func (Membership) TableName() string { return "plan_memberships" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (m *Membership) BeforeSave(*gorm.DB) error {
	normTime(&m.CreatedAt)
	normTime(&m.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (m *Membership) AfterFind(tx *gorm.DB) error { return m.BeforeSave(tx) }

// RoleList returns the roles as a slice (nil when there are none).
func (m Membership) RoleList() []string {
	if m.Roles == "" {
		return nil
	}
	return strings.Split(m.Roles, ",")
}

// HasRole reports whether the member holds role.
func (m Membership) HasRole(role string) bool {
	for _, r := range m.RoleList() {
		if r == role {
			return true
		}
	}
	return false
}

// JoinRoles returns the canonical roles column value: trimmed, de-duplicated,
// sorted and comma-separated. Arguments may themselves be comma-separated.
// Canonical text lets ApplyProjection detect an unchanged roster row by plain
// equality.
func JoinRoles(roles ...string) string {
	set := make(map[string]struct{}, len(roles))
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		for _, part := range strings.Split(r, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if _, dup := set[part]; dup {
				continue
			}
			set[part] = struct{}{}
			out = append(out, part)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// MemberRow is a membership joined with the member's user name and email.
type MemberRow struct {
	Membership `gorm:"embedded"`
	Name       string `gorm:"column:name" json:"name"`
	Email      string `gorm:"column:email" json:"email"`
}

// Step is the projected state of one of a plan's ten steps.
type Step struct {
	PlanID int64 `gorm:"column:plan_id;primaryKey" json:"plan_id"`
	// Number is 1..StepCount.
	Number int    `gorm:"column:number;primaryKey;autoIncrement:false" json:"number"`
	Key    string `gorm:"column:key" json:"key"`
	// Status is one of the StepStatus constants.
	Status string `gorm:"column:status" json:"status"`
	// DueOn is 'YYYY-MM-DD' or nil.
	DueOn       *string    `gorm:"column:due_on" json:"due_on,omitempty"`
	StartedAt   *time.Time `gorm:"column:started_at" json:"started_at,omitempty"`
	SubmittedAt *time.Time `gorm:"column:submitted_at" json:"submitted_at,omitempty"`
	SubmittedBy *int64     `gorm:"column:submitted_by" json:"submitted_by,omitempty"`
	Summary     string     `gorm:"column:summary" json:"summary"`
	// Round counts approval rounds; decisions are keyed by it.
	Round         int        `gorm:"column:round" json:"round"`
	ApprovedAt    *time.Time `gorm:"column:approved_at" json:"approved_at,omitempty"`
	RemindersSent int        `gorm:"column:reminders_sent" json:"reminders_sent"`
	// UpdatedAt is when the row last changed. ApplyProjection sets it
	// (ignoring the value passed in) and leaves it alone when a newer
	// projection carries identical step data.
	UpdatedAt time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TableName implements gorm's Tabler.
func (Step) TableName() string { return "steps" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (s *Step) BeforeSave(*gorm.DB) error {
	normTimePtr(&s.StartedAt)
	normTimePtr(&s.SubmittedAt)
	normTimePtr(&s.ApprovedAt)
	normTime(&s.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (s *Step) AfterFind(tx *gorm.DB) error { return s.BeforeSave(tx) }

// Decision is one approver's verdict on one approval round of a step.
type Decision struct {
	ID         int64 `gorm:"column:id;primaryKey" json:"id"`
	PlanID     int64 `gorm:"column:plan_id" json:"plan_id"`
	StepNumber int   `gorm:"column:step_number" json:"step_number"`
	Round      int   `gorm:"column:round" json:"round"`
	ApproverID int64 `gorm:"column:approver_id" json:"approver_id"`
	// Decision is DecisionApprove or DecisionRequestChanges.
	Decision string `gorm:"column:decision" json:"decision"`
	Comment  string `gorm:"column:comment" json:"comment"`
	// DecidedAt defaults to the insert time when zero.
	DecidedAt time.Time `gorm:"column:decided_at;autoCreateTime" json:"decided_at"`
}

// TableName implements gorm's Tabler.
func (Decision) TableName() string { return "decisions" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (d *Decision) BeforeSave(*gorm.DB) error { normTime(&d.DecidedAt); return nil }

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (d *Decision) AfterFind(*gorm.DB) error { normTime(&d.DecidedAt); return nil }

// Notification is an in-app message to one user.
type Notification struct {
	ID         int64  `gorm:"column:id;primaryKey" json:"id"`
	UserID     int64  `gorm:"column:user_id" json:"user_id"`
	PlanID     *int64 `gorm:"column:plan_id" json:"plan_id,omitempty"`
	StepNumber *int   `gorm:"column:step_number" json:"step_number,omitempty"`
	Kind       string `gorm:"column:kind" json:"kind"`
	Subject    string `gorm:"column:subject" json:"subject"`
	Body       string `gorm:"column:body" json:"body"`
	// DedupKey is required: together with UserID it makes re-sending the
	// same notification (activity retries, workflow replays) a no-op.
	DedupKey  string     `gorm:"column:dedup_key" json:"dedup_key"`
	CreatedAt time.Time  `gorm:"column:created_at" json:"created_at"`
	ReadAt    *time.Time `gorm:"column:read_at" json:"read_at,omitempty"`
}

// TableName implements gorm's Tabler.
func (Notification) TableName() string { return "notifications" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (n *Notification) BeforeSave(*gorm.DB) error {
	normTime(&n.CreatedAt)
	normTimePtr(&n.ReadAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (n *Notification) AfterFind(tx *gorm.DB) error { return n.BeforeSave(tx) }

// AuditEvent is one entry of a plan's append-only history, emitted by the
// workflow.
type AuditEvent struct {
	ID     int64 `gorm:"column:id;primaryKey" json:"id"`
	PlanID int64 `gorm:"column:plan_id" json:"plan_id"`
	// EventKey is globally unique, e.g. "action-plan-1/17"; re-projecting
	// an event with the same key is a no-op.
	EventKey string `gorm:"column:event_key" json:"event_key"`
	// Seq orders a plan's events.
	Seq        int64  `gorm:"column:seq" json:"seq"`
	Kind       string `gorm:"column:kind" json:"kind"`
	ActorID    *int64 `gorm:"column:actor_id" json:"actor_id,omitempty"`
	StepNumber *int   `gorm:"column:step_number" json:"step_number,omitempty"`
	// Payload is a JSON document; empty is stored as "{}".
	Payload string `gorm:"column:payload" json:"payload"`
	// OccurredAt defaults to the insert time when zero.
	OccurredAt time.Time `gorm:"column:occurred_at;autoCreateTime" json:"occurred_at"`
}

// TableName implements gorm's Tabler.
func (AuditEvent) TableName() string { return "audit_events" }

// BeforeSave keeps stored instants in UTC whatever the caller passed, and
// keeps payload valid JSON.
func (e *AuditEvent) BeforeSave(*gorm.DB) error {
	normTime(&e.OccurredAt)
	if e.Payload == "" {
		e.Payload = "{}"
	}
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (e *AuditEvent) AfterFind(*gorm.DB) error { normTime(&e.OccurredAt); return nil }

// normTime converts to UTC at the precision PostgreSQL keeps, so both
// dialects store and return the same instant and text-compared SQLite
// timestamps sort correctly.
func normTime(t *time.Time) {
	if !t.IsZero() {
		*t = t.UTC().Truncate(time.Microsecond)
	}
}

// normTimePtr replaces rather than mutates the pointee, because it is
// usually the caller's variable.
func normTimePtr(p **time.Time) {
	if *p != nil {
		t := **p
		normTime(&t)
		*p = &t
	}
}
