// Package clustertest runs the production shape of OGP Local for real: a
// Temporal cluster on PostgreSQL, `ogp migrate`, one `ogp server` and two
// `ogp worker`s as separate processes, a scenario driven through the HTTP
// API, and faults injected while it runs (a worker killed with -9, the
// Temporal server stopped and restarted, PostgreSQL restarted, both workers
// stopped past a reminder's due time), each with its expected outcome
// checked: nothing lost, nothing twice, 503 problem+json while a dependency
// is down, and recovery afterwards.
//
// Its test, TestCluster, is behind the build tag "cluster" and needs what
// scripts/cluster-test prepares (the Temporal binaries, bin/ogp, fresh
// databases with Temporal's schema); run it with `make test-cluster`.
// Without the tag the package is empty, so `go test ./...` and
// `go vet ./...` are unaffected.
package clustertest
