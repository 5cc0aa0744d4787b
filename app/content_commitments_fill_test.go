package app_test

import "testing"

// Placeholder: the commitments area's filler replaces this.
func (p people) fillSolutions(*testing.T, int64) {}
