package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/workflows"
)

// Accounts: the caller's own API tokens, invitations sent by
// administrators, and password resets. Invitation and reset links are
// single use, stored hashed, and sent through the notification service (a
// small workflow per link), like every other message.

// Lifetimes of account links.
const (
	// InvitationTTL leaves a week to accept an invitation.
	InvitationTTL = 7 * 24 * time.Hour
	// PasswordResetTTL is short: a reset link is a key to the account.
	PasswordResetTTL = time.Hour
)

// Password reset requests are limited per client address, so nobody can
// flood mailboxes or the outbox through the public route, and the e-mails
// to one address are limited whoever asks.
const (
	PasswordResetBurst  = 5
	PasswordResetWindow = time.Hour
	// passwordResetsPerEmail is how many reset e-mails one address
	// receives per PasswordResetWindow at most; requests beyond it are
	// dropped silently (the answer never depends on the address).
	passwordResetsPerEmail = 3
	// passwordResetClients bounds each limiter's memory.
	passwordResetClients = 10000
)

// maxTokensPerUser bounds the API tokens a user holds at once.
const maxTokensPerUser = 50

// AccountLinkPath is the web page an account link opens, with the token
// in its query: <public URL>/account/password?token=<token>.
const AccountLinkPath = "/account/password"

// accountBackgroundTimeout bounds the work a password reset does after
// its answer.
const accountBackgroundTimeout = 30 * time.Second

// accountStore is what the account routes need from the database.
type accountStore interface {
	UserByEmail(ctx context.Context, email string) (models.User, error)
	CreateAccountLink(ctx context.Context, userID int64, purpose string, ttl time.Duration) (string, error)
	AccountLinkUser(ctx context.Context, plain string) (models.User, models.AccountLink, error)
	UseAccountLink(ctx context.Context, plain, newPassword string) (models.User, error)
	ListTokens(ctx context.Context, userID int64) ([]models.APIToken, error)
	CreateToken(ctx context.Context, userID int64, name string) (string, models.APIToken, error)
	RevokeToken(ctx context.Context, userID, tokenID int64) error
}

// AccountOptions configure the account links the server sends.
type AccountOptions struct {
	// PublicURL is the base of the links (OGP_PUBLIC_URL). When empty,
	// links take the request's scheme and host, but only for a loopback
	// host (a developer's machine): any other Host header could be forged
	// to send a victim a reset link to someone else's site.
	PublicURL string
	// EmailConfigured says an SMTP server is configured (OGP_SMTP_HOST).
	// When false the link cannot leave by e-mail (it reaches the in-app
	// inbox only), so the server logs it at WARN for the developer or
	// operator to pass on. Until SetAccountOptions is called the server
	// does not know, and logs links at DEBUG only.
	EmailConfigured bool
}

// accountState is the server's account part: its options, its rate
// limits and the password resets still being sent.
type accountState struct {
	mu      sync.Mutex
	opts    AccountOptions
	optsSet bool

	limitsOnce sync.Once
	byClient   *rateLimiter
	byEmail    *rateLimiter

	background sync.WaitGroup
}

// SetAccountOptions configures the account links (call it before serving).
func (s *Server) SetAccountOptions(o AccountOptions) {
	s.account.mu.Lock()
	defer s.account.mu.Unlock()
	s.account.opts, s.account.optsSet = o, true
}

func (s *Server) accountOptions() (AccountOptions, bool) {
	s.account.mu.Lock()
	defer s.account.mu.Unlock()
	return s.account.opts, s.account.optsSet
}

func (s *Server) resetLimiters() (byClient, byEmail *rateLimiter) {
	s.account.limitsOnce.Do(func() {
		s.account.byClient = newRateLimiter(PasswordResetBurst, PasswordResetWindow, passwordResetClients)
		s.account.byEmail = newRateLimiter(passwordResetsPerEmail, PasswordResetWindow, passwordResetClients)
	})
	return s.account.byClient, s.account.byEmail
}

// registerAccountRoutes adds the caller's tokens, invitations and
// password resets.
func (s *Server) registerAccountRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/me/tokens", s.listTokens, auth)
	// Not behind idempotent: the answer holds the new token in clear,
	// and the idempotency record would keep it in the database.
	api.POST("/me/tokens", s.createToken, auth)
	api.DELETE("/me/tokens/:token_id", s.revokeToken, auth)
	api.POST("/users/:user_id/invitation", s.inviteUser, func(next echo.HandlerFunc) echo.HandlerFunc { return auth(s.idempotent(next)) })
	api.POST("/password-reset", s.requestPasswordReset)
	api.POST("/account/password", s.setPasswordWithLink)
}

// --- API tokens

// TokenResponse is one of the caller's API tokens; the token itself is
// never shown again after its creation.
type TokenResponse struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

// TokenList is the caller's tokens, newest first.
type TokenList struct {
	Items []TokenResponse `json:"items"`
}

// CreatedTokenResponse is a new token with its value, shown this once.
type CreatedTokenResponse struct {
	TokenResponse
	Token string `json:"token"`
}

type createTokenRequest struct {
	Name string `json:"name"`
}

func tokenResponse(t models.APIToken) TokenResponse {
	return TokenResponse{ID: t.ID, Name: t.Name, CreatedAt: rfc3339(t.CreatedAt), LastUsedAt: rfc3339Ptr(t.LastUsedAt)}
}

func (s *Server) listTokens(c echo.Context) error {
	tokens, err := s.store.ListTokens(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	out := TokenList{Items: make([]TokenResponse, 0, len(tokens))}
	for _, t := range tokens {
		out.Items = append(out.Items, tokenResponse(t))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createToken(c echo.Context) error {
	var req createTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || utf8.RuneCountInString(name) > models.MaxTokenNameLength {
		return ogp.Errorf(ogp.EUnprocessable, "invalid_token_name",
			"a token needs a name (at most %d characters) that says where it is used, e.g. \"CI pipeline\"", models.MaxTokenNameLength)
	}
	ctx := c.Request().Context()
	u := currentUser(c)
	held, err := s.store.ListTokens(ctx, u.ID)
	if err != nil {
		return err
	}
	if len(held) >= maxTokensPerUser {
		return ogp.Errorf(ogp.EUnprocessable, "too_many_tokens", "you hold %d tokens, the most allowed: revoke one first", len(held))
	}
	plain, t, err := s.store.CreateToken(ctx, u.ID, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, CreatedTokenResponse{TokenResponse: tokenResponse(t), Token: plain})
}

// revokeToken revokes one of the caller's tokens, also the one the
// request came with: the answer still goes out, later requests with it
// are refused.
func (s *Server) revokeToken(c echo.Context) error {
	id, err := parseID(c, "token_id", "token")
	if err != nil {
		return err
	}
	err = s.store.RevokeToken(c.Request().Context(), currentUser(c).ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "unknown_token", "you have no token %d", id)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- invitations and password resets

// InvitationResponse says an invitation is on its way.
type InvitationResponse struct {
	UserID    int64  `json:"user_id"`
	Email     string `json:"email"`
	ExpiresAt string `json:"expires_at"`
}

// PasswordResetResponse is the one answer to a password reset request,
// whether or not the address has an account.
type PasswordResetResponse struct {
	Detail string `json:"detail"`
}

type passwordResetRequest struct {
	Email string `json:"email"`
}

type setPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) inviteUser(c echo.Context) error {
	if !currentUser(c).IsAdmin {
		return ogp.Errorf(ogp.EForbidden, "admin_only", "only an administrator may invite users")
	}
	id, err := parseID(c, "user_id", "user")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.store.UserByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "unknown_user", "there is no user %d", id)
	}
	if err != nil {
		return err
	}
	base, err := s.linkBase(c)
	if err != nil {
		return err
	}
	plain, err := s.store.CreateAccountLink(ctx, u.ID, models.LinkInvitation, InvitationTTL)
	if err != nil {
		return err
	}
	link, err := s.sendAccountLink(ctx, u, plain, base)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, InvitationResponse{UserID: u.ID, Email: u.Email, ExpiresAt: rfc3339(link.ExpiresAt)})
}

// passwordResetDetail is the answer to every accepted reset request.
var passwordResetDetail = fmt.Sprintf("If an account uses this e-mail address, a link to choose a new password is on its way. "+
	"It works once, for %d minutes.", int(PasswordResetTTL.Minutes()))

// requestPasswordReset answers 202 whatever the address, and does the
// work (finding the user, creating the link, starting its workflow) after
// answering, so neither the answer nor its timing tells whether the
// address has an account.
func (s *Server) requestPasswordReset(c echo.Context) error {
	var req passwordResetRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 320 {
		return ogp.Errorf(ogp.EUnprocessable, "invalid_email", "%q is not a valid e-mail address", req.Email)
	}
	byClient, byEmail := s.resetLimiters()
	if ok, wait := byClient.allow(clientAddress(s.echo, c), s.now()); !ok {
		return tooManyResets(c, wait)
	}
	base, baseErr := s.linkBase(c)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), accountBackgroundTimeout)
	s.account.background.Add(1)
	go func() {
		defer s.account.background.Done()
		defer cancel()
		if ok, _ := byEmail.allow(email, s.now()); !ok {
			s.log.Info("password reset dropped: this address had its share of reset e-mails this hour")
			return
		}
		u, err := s.store.UserByEmail(ctx, email)
		if errors.Is(err, models.ErrNotFound) {
			s.log.Debug("password reset for an address without an account")
			return
		}
		if err == nil {
			err = baseErr
		}
		var plain string
		if err == nil {
			plain, err = s.store.CreateAccountLink(ctx, u.ID, models.LinkPasswordReset, PasswordResetTTL)
		}
		if err == nil {
			_, err = s.sendAccountLink(ctx, u, plain, base)
		}
		if err != nil {
			s.log.Error("password reset not sent", "user_id", u.ID, "error", err)
		}
	}()
	return c.JSON(http.StatusAccepted, PasswordResetResponse{Detail: passwordResetDetail})
}

// setPasswordWithLink sets the password of a link's user.
func (s *Server) setPasswordWithLink(c echo.Context) error {
	var req setPasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	token := strings.TrimSpace(req.Token)
	if token == "" {
		return ogp.Errorf(ogp.EInvalid, "missing_field", "token is required: the token of the link you received")
	}
	_, err := s.store.UseAccountLink(c.Request().Context(), token, req.Password)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "invalid_link",
			"this link is unknown, already used, replaced by a newer one, or expired: ask for a new one")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// linkBase is the base URL of account links (see AccountOptions.PublicURL).
func (s *Server) linkBase(c echo.Context) (string, error) {
	if opts, _ := s.accountOptions(); opts.PublicURL != "" {
		return strings.TrimRight(opts.PublicURL, "/"), nil
	}
	host := c.Request().Host
	if isLoopbackHost(host) {
		return c.Scheme() + "://" + host, nil
	}
	return "", ogp.Errorf(ogp.EUnavailable, "public_url_unset",
		"the server does not know its public address (OGP_PUBLIC_URL), so it cannot build the link")
}

func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sendAccountLink starts the workflow that sends a link just created, and
// says what happens to it in the log. It returns the link.
func (s *Server) sendAccountLink(ctx context.Context, u models.User, plain, base string) (models.AccountLink, error) {
	_, link, err := s.store.AccountLinkUser(ctx, plain)
	if err != nil {
		// Replaced at once by a newer link (a concurrent request): that
		// one is sent instead.
		return models.AccountLink{}, err
	}
	linkURL := base + AccountLinkPath + "?token=" + url.QueryEscape(plain)
	err = s.engine.SendAccountLink(ctx, workflows.AccountLinkInput{LinkID: link.ID, UserID: u.ID, Purpose: link.Purpose,
		URL: linkURL, ExpiresAt: link.ExpiresAt})
	if err != nil {
		return models.AccountLink{}, err
	}
	attrs := []any{"user_id", u.ID, "purpose", link.Purpose, "link_id", link.ID, "expires_at", rfc3339(link.ExpiresAt)}
	opts, known := s.accountOptions()
	switch {
	case known && !opts.EmailConfigured:
		// Without SMTP the link would reach only the in-app inbox of a
		// user who cannot sign in yet: the developer passes it on.
		s.log.Warn("no SMTP configured; account link for "+u.Email+": "+linkURL, attrs...)
	case !known:
		s.log.Debug("account link for "+u.Email+": "+linkURL, attrs...)
	default:
		// Never the link itself: logs are read by more people than the
		// user's mailbox.
		s.log.Info("account link sent", attrs...)
	}
	return link, nil
}

// tooManyResets answers 429 with Retry-After in whole seconds.
func tooManyResets(c echo.Context, wait time.Duration) error {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	b, err := json.Marshal(Problem{
		Type: "https://ogp-local.dev/problems/rate_limited", Title: http.StatusText(http.StatusTooManyRequests),
		Status: http.StatusTooManyRequests, Code: "rate_limited", Instance: c.Request().URL.Path,
		Detail: fmt.Sprintf("at most %d password reset requests per %.0f minutes from one address: retry in %d seconds",
			PasswordResetBurst, PasswordResetWindow.Minutes(), secs),
	})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusTooManyRequests, "application/problem+json", b)
}

// SendAccountLink implements Engine: one AccountLinkWorkflow per link.
func (t *TemporalEngine) SendAccountLink(ctx context.Context, in workflows.AccountLinkInput) error {
	_, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.AccountLinkWorkflowID(in.LinkID),
		TaskQueue:                t.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.WorkflowAccountLink, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil, errors.As(err, &started):
		// Already sent (or being sent) for this link.
		return nil
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return ogp.Errorf(ogp.EUnavailable, "engine_timeout", "the workflow engine did not answer in time; retry")
	}
	return &engineFailure{fmt.Errorf("start the workflow sending account link %d: %w", in.LinkID, err)}
}
