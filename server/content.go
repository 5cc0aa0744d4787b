package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// ContentStore is what the co-creation content routes need: the common
// guard and loaders, and one interface per area of content.
type ContentStore interface {
	// EditContent runs fn, which changes content of homeStep, only while
	// that step is being worked on (else a *models.NotEditableError).
	EditContent(ctx context.Context, planID int64, homeStep int, fn func(tx *gorm.DB) error) error
	LoadContent(ctx context.Context, planID int64) (ogp.Content, error)
	StepSnapshots(ctx context.Context, planID int64, step int) ([]models.StepSnapshot, error)
	idempotencyStore
	teamStore
	roadmapStore
	awarenessStore
	problemStore
	commitmentStore
	implementationStore
	visionStore
	notificationStore
	calendarStore
	learningStore
}

// registerContentRoutes adds the co-creation content routes, area by area.
func (s *Server) registerContentRoutes(api *echo.Group, authOnly echo.MiddlewareFunc) {
	// Every authenticated content change honours Idempotency-Key.
	auth := func(next echo.HandlerFunc) echo.HandlerFunc { return authOnly(s.idempotent(next)) }
	api.GET("/action-plans/:id/steps/:n/submissions", s.listSubmissions)
	s.registerTeamRoutes(api, auth)
	s.registerRoadmapRoutes(api, auth)
	s.registerAwarenessRoutes(api, auth)
	s.registerProblemRoutes(api, auth)
	s.registerCommitmentRoutes(api, auth)
	s.registerVisionRoutes(api, auth)
	s.registerImplementationRoutes(api, auth)
	s.registerCalendarRoutes(api, auth)
	s.registerOpenDataRoutes(api)
	s.registerNotificationRoutes(api, auth)
	s.registerLearningRoutes(api, auth)
}

// requireCoordinator refuses a change by anyone but the plan's
// coordinators (or an administrator), reading the roster projection.
func (s *Server) requireCoordinator(c echo.Context, planID int64) error {
	u := currentUser(c)
	if u.IsAdmin {
		return nil
	}
	rows, err := s.store.ListMembers(c.Request().Context(), planID)
	if err != nil {
		return err
	}
	for _, m := range rows {
		if m.UserID == u.ID && m.HasRole(string(ogp.RoleCoordinator)) {
			return nil
		}
	}
	return ogp.Errorf(ogp.EForbidden, "not_coordinator", "only the plan's coordinator may change its content")
}

// Change is one difference between two submissions of a step.
type Change struct {
	// Item is where: a path such as "forum.members[3]" (items with an id
	// are named by it, so reordering is not a change).
	Item string `json:"item"`
	// Change is added, removed or changed.
	Change string `json:"change"`
}

// SubmissionResponse is one round's submitted content, with what changed
// since the round before, so approvers see exactly what is new.
type SubmissionResponse struct {
	Round     int             `json:"round"`
	Version   int64           `json:"version"`
	Digest    string          `json:"digest"`
	CreatedAt string          `json:"created_at"`
	Content   json.RawMessage `json:"content"`
	Changes   []Change        `json:"changes"`
}

func (s *Server) listSubmissions(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	n, err := parseStep(c)
	if err != nil {
		return err
	}
	snaps, err := s.store.StepSnapshots(c.Request().Context(), p.ID, n)
	if err != nil {
		return err
	}
	out := make([]SubmissionResponse, 0, len(snaps))
	var prev map[string]string
	for _, sn := range snaps {
		var v any
		if err := json.Unmarshal([]byte(sn.Content), &v); err != nil {
			return fmt.Errorf("snapshot of step %d round %d: %w", n, sn.Round, err)
		}
		cur := map[string]string{}
		flattenJSON("", v, cur)
		changes := []Change{}
		if prev != nil {
			changes = diffItems(prev, cur)
		}
		out = append(out, SubmissionResponse{Round: sn.Round, Version: sn.Version, Digest: sn.Digest,
			CreatedAt: rfc3339(sn.CreatedAt), Content: json.RawMessage(sn.Content), Changes: changes})
		prev = cur
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// flatten maps a JSON value to item paths and their JSON text. Arrays of
// objects with an "id" are keyed by it; other values are leaves.
func flattenJSON(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flattenJSON(p, val, out)
		}
	case []any:
		for i, el := range x {
			key := fmt.Sprintf("%s[%d]", path, i)
			if obj, ok := el.(map[string]any); ok {
				if id, ok := obj["id"]; ok {
					key = fmt.Sprintf("%s[%v]", path, id)
				}
			}
			flattenJSON(key, el, out)
		}
		if len(x) == 0 {
			out[path] = "[]"
		}
	default:
		b, _ := json.Marshal(x)
		out[path] = string(b)
	}
}

// diffItems reports changes at the level of identified items: a changed
// field of commitments[3] is reported as commitments[3] changed.
func diffItems(prev, cur map[string]string) []Change {
	byItem := map[string]string{}
	mark := func(leaf, change string) {
		item := itemOf(leaf)
		if old, ok := byItem[item]; ok && old != change {
			change = "changed"
		}
		byItem[item] = change
	}
	for k, v := range cur {
		old, ok := prev[k]
		switch {
		case !ok:
			mark(k, "added")
		case old != v:
			mark(k, "changed")
		}
	}
	for k := range prev {
		if _, ok := cur[k]; !ok {
			mark(k, "removed")
		}
	}
	out := make([]Change, 0, len(byItem))
	for item, change := range byItem {
		out = append(out, Change{Item: item, Change: change})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Item < out[j].Item })
	return out
}

// itemOf cuts a leaf path after its last array index: the item it is in.
func itemOf(leaf string) string {
	for i := len(leaf) - 1; i >= 0; i-- {
		if leaf[i] == ']' {
			return leaf[:i+1]
		}
	}
	return leaf
}
