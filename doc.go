// Package ogp holds the domain of OGP Local action plans: the ten steps of
// co-creation, roles, the rules that gate each step, and the message names
// shared by the HTTP API and the Temporal workflow. It imports no framework,
// so the same rules run in the workflow, in its update validators and in
// table tests.
package ogp
