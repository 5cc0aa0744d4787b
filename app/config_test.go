package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ogp-worker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestClientOptionsMTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)

	plain := Config{TemporalNamespace: "ogp"}
	plain.Defaults()
	opts, err := plain.clientOptions("temporal:7233")
	if err != nil || opts.ConnectionOptions.TLS != nil || opts.HostPort != "temporal:7233" || opts.Namespace != "ogp" {
		t.Fatalf("without certificates: %+v, %v", opts, err)
	}

	mtls := Config{TLSCert: cert, TLSKey: key, TLSCA: cert, TLSServerName: "temporal.internal"}
	mtls.Defaults()
	opts, err = mtls.clientOptions("temporal:7233")
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg := opts.ConnectionOptions.TLS
	if tlsCfg == nil || len(tlsCfg.Certificates) != 1 || tlsCfg.RootCAs == nil || tlsCfg.ServerName != "temporal.internal" {
		t.Fatalf("mTLS options: %+v", tlsCfg)
	}

	for name, bad := range map[string]Config{
		"missing key":  {TLSCert: cert},
		"wrong key":    {TLSCert: cert, TLSKey: cert},
		"missing CA":   {TLSCA: filepath.Join(dir, "nope.pem")},
		"CA not a PEM": {TLSCA: writeFile(t, dir, "junk.pem", "not a certificate")},
	} {
		bad.Defaults()
		if _, err := bad.clientOptions("temporal:7233"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
