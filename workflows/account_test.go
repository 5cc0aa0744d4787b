package workflows

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// accountOutbox stands in for the notification activities and records
// what the account link workflow asked of them.
type accountOutbox struct {
	mu            sync.Mutex
	pending       []int64
	failDelivery  bool
	notified      []ogp.Notification
	delivered     map[int64]int
	undeliverable map[int64]string
}

func (f *accountOutbox) Notify(_ context.Context, in NotifyInput) (NotifyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notified = append(f.notified, in.Notifications...)
	return NotifyResult{Delivered: len(in.Notifications), Pending: f.pending}, nil
}

func (f *accountOutbox) Deliver(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delivered[id]++
	if f.failDelivery {
		return temporal.NewNonRetryableApplicationError("user 3 has no e-mail address", "undeliverable", nil)
	}
	return nil
}

func (f *accountOutbox) MarkUndeliverable(_ context.Context, id int64, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.undeliverable[id] = reason
	return nil
}

var accountLinkExpiry = time.Date(2026, 3, 9, 9, 30, 0, 0, time.UTC)

func accountLinkInput(purpose string) AccountLinkInput {
	return AccountLinkInput{LinkID: 12, UserID: 3, Purpose: purpose,
		URL: "https://ogp.example.org/account/password?token=ogpl_abc", ExpiresAt: accountLinkExpiry}
}

func runAccountLink(t *testing.T, f *accountOutbox, in AccountLinkInput) error {
	t.Helper()
	f.delivered, f.undeliverable = map[int64]int{}, map[int64]string{}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(AccountLinkWorkflow, workflow.RegisterOptions{Name: WorkflowAccountLink})
	env.RegisterActivityWithOptions(f.Notify, activity.RegisterOptions{Name: ActivityNotify})
	env.RegisterActivityWithOptions(f.Deliver, activity.RegisterOptions{Name: ActivityDeliver})
	env.RegisterActivityWithOptions(f.MarkUndeliverable, activity.RegisterOptions{Name: ActivityMarkUndeliverable})
	env.ExecuteWorkflow(WorkflowAccountLink, in)
	if !env.IsWorkflowCompleted() {
		t.Fatal("the account link workflow did not complete")
	}
	return env.GetWorkflowError()
}

func TestAccountLinkNotification(t *testing.T) {
	for _, c := range []struct {
		purpose string
		subject string
		says    []string
	}{
		{AccountLinkInvitation, "Your invitation to OGP Local action plans", []string{
			"invited you", "Choose your password", "https://ogp.example.org/account/password?token=ogpl_abc",
			"works once", "expires on Monday 9 March 2026 at 09:30 UTC", "you can ignore this message"}},
		{AccountLinkPasswordReset, "Reset your OGP Local password", []string{
			"reset the password", "Choose a new password", "https://ogp.example.org/account/password?token=ogpl_abc",
			"works once", "expires on Monday 9 March 2026 at 09:30 UTC", "signs you out", "you can ignore this message",
			"your password stays as it is"}},
	} {
		t.Run(c.purpose, func(t *testing.T) {
			n, err := AccountLinkNotification(accountLinkInput(c.purpose))
			if err != nil {
				t.Fatal(err)
			}
			if n.UserID != 3 || n.PlanID != 0 || n.Step != 0 || n.Kind != NotificationAccountLink || n.DedupKey != "account-link/12" {
				t.Errorf("notification %+v", n)
			}
			if n.Subject != c.subject {
				t.Errorf("subject %q, want %q", n.Subject, c.subject)
			}
			for _, s := range c.says {
				if !strings.Contains(n.Body, s) {
					t.Errorf("the body does not say %q:\n%s", s, n.Body)
				}
			}
			// The link stands alone in its paragraph, so the e-mail's
			// HTML part and mail clients show it whole.
			if !strings.Contains(n.Body, "\n\nhttps://ogp.example.org/account/password?token=ogpl_abc\n\n") {
				t.Errorf("the link is not a paragraph of its own:\n%s", n.Body)
			}
		})
	}
	for _, in := range []AccountLinkInput{
		{LinkID: 12, UserID: 3, Purpose: "magic_link", URL: "https://x"},
		{LinkID: 0, UserID: 3, Purpose: AccountLinkInvitation, URL: "https://x"},
		{LinkID: 12, UserID: 0, Purpose: AccountLinkInvitation, URL: "https://x"},
		{LinkID: 12, UserID: 3, Purpose: AccountLinkInvitation},
	} {
		if _, err := AccountLinkNotification(in); err == nil {
			t.Errorf("AccountLinkNotification(%+v) accepted it", in)
		}
	}
}

// The link is recorded once and its e-mail delivered once.
func TestAccountLinkWorkflowSends(t *testing.T) {
	f := &accountOutbox{pending: []int64{41}}
	if err := runAccountLink(t, f, accountLinkInput(AccountLinkPasswordReset)); err != nil {
		t.Fatal(err)
	}
	want, _ := AccountLinkNotification(accountLinkInput(AccountLinkPasswordReset))
	if len(f.notified) != 1 || f.notified[0] != want {
		t.Errorf("notified %+v, want exactly %+v", f.notified, want)
	}
	if len(f.delivered) != 1 || f.delivered[41] != 1 || len(f.undeliverable) != 0 {
		t.Errorf("delivered %v, undeliverable %v", f.delivered, f.undeliverable)
	}
}

// Without SMTP nothing waits for an external delivery: the inbox only.
func TestAccountLinkWorkflowInAppOnly(t *testing.T) {
	f := &accountOutbox{}
	if err := runAccountLink(t, f, accountLinkInput(AccountLinkInvitation)); err != nil {
		t.Fatal(err)
	}
	if len(f.notified) != 1 || len(f.delivered) != 0 {
		t.Errorf("notified %d, delivered %v", len(f.notified), f.delivered)
	}
}

// An e-mail that cannot go out is marked undeliverable, as for every
// notification, and the workflow still ends well.
func TestAccountLinkWorkflowUndeliverable(t *testing.T) {
	f := &accountOutbox{pending: []int64{41}, failDelivery: true}
	if err := runAccountLink(t, f, accountLinkInput(AccountLinkInvitation)); err != nil {
		t.Fatal(err)
	}
	if f.delivered[41] != 1 || f.undeliverable[41] != "user 3 has no e-mail address" {
		t.Errorf("delivered %v, undeliverable %v", f.delivered, f.undeliverable)
	}
}

// A malformed input fails for good, without notifying anyone.
func TestAccountLinkWorkflowRefusesBadInput(t *testing.T) {
	f := &accountOutbox{pending: []int64{41}}
	in := accountLinkInput("magic_link")
	err := runAccountLink(t, f, in)
	if err == nil || !strings.Contains(err.Error(), "unknown purpose") {
		t.Fatalf("workflow error %v, want unknown purpose", err)
	}
	if len(f.notified) != 0 {
		t.Errorf("notified %+v", f.notified)
	}
}

func TestAccountLinkWorkflowID(t *testing.T) {
	if got := AccountLinkWorkflowID(12); got != "account-link-12" {
		t.Errorf("AccountLinkWorkflowID(12) = %q", got)
	}
}
