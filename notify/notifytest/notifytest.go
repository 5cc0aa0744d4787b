// Package notifytest runs an in-process SMTP server that keeps what it
// receives, for tests of e-mail delivery. Only tests import it.
package notifytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message received.
type Mail struct {
	From string
	To   []string
	Data string
	// TLS tells whether the message came over an encrypted connection
	// (STARTTLS or implicit TLS).
	TLS bool
	// Username is who authenticated (AUTH PLAIN), empty without AUTH.
	Username string
}

// SMTPServer accepts every message on a free loopback port; by default
// without TLS or authentication (see the options of StartSMTP). Set Fail
// to make it refuse messages (a 451, which a sender retries).
type SMTPServer struct {
	Host string
	Port int
	// RootCAs trusts the server's certificate; nil without TLS.
	RootCAs *x509.CertPool

	mu    sync.Mutex
	mails []Mail
	fail  bool

	user, pass string // AUTH PLAIN is required when user is set
}

// Option configures the server StartSMTP runs.
type Option func(*options)

type options struct {
	startTLS, implicitTLS bool
	user, pass            string
}

// WithSTARTTLS makes the server offer STARTTLS with a self-signed
// certificate for 127.0.0.1 and localhost (trusted by SMTPServer.RootCAs).
func WithSTARTTLS() Option { return func(o *options) { o.startTLS = true } }

// WithImplicitTLS makes the server speak TLS from the first byte (as on
// port 465), with the same kind of certificate as WithSTARTTLS.
func WithImplicitTLS() Option { return func(o *options) { o.implicitTLS = true } }

// WithAuth makes the server require AUTH PLAIN with these credentials
// before MAIL FROM. Like real servers, it only offers AUTH over TLS.
func WithAuth(username, password string) Option {
	return func(o *options) { o.user, o.pass = username, password }
}

// StartSMTP starts a server, stopped at the end of the test.
func StartSMTP(t testing.TB, opts ...Option) *SMTPServer {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPServer{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, user: o.user, pass: o.pass}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	// Failed handshakes are what some tests want; keep them out of the output.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if o.startTLS || o.implicitTLS {
		cfg, roots := selfSigned(t)
		s.RootCAs = roots
		// With TLSConfig set and a plain connection, go-smtp offers STARTTLS.
		srv.TLSConfig = cfg
		if o.implicitTLS {
			ln = tls.NewListener(ln, cfg)
		}
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1 and
// localhost, its own CA, and returns a server configuration with it and
// a pool that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "notifytest SMTP"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, roots
}

// SetFail makes the server refuse (true) or accept (false) messages.
func (s *SMTPServer) SetFail(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = fail
}

// Mails returns what was received so far.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

type backend struct{ s *SMTPServer }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *SMTPServer
	conn *smtp.Conn
	user string // authenticated user
	mail Mail
}

func (ss *session) Reset()        { ss.mail = Mail{} }
func (ss *session) Logout() error { return nil }

// AuthMechanisms offers PLAIN only when the server requires it, so a
// server without WithAuth advertises no AUTH at all. (go-smtp itself
// withholds AUTH on a plain connection.)
func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.s.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if (identity != "" && identity != username) || username != ss.s.user || password != ss.s.pass {
			return smtp.ErrAuthFailed // 535 5.7.8
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && ss.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.mail.From = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.mail.To = append(ss.mail.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m := ss.mail
	m.Data = string(b)
	_, m.TLS = ss.conn.TLSConnectionState()
	m.Username = ss.user
	ss.s.mails = append(ss.s.mails, m)
	return nil
}
