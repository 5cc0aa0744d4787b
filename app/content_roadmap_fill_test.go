package app_test

import "testing"

// Placeholder: the roadmap area's filler replaces this.
func (p people) fillRoadmap(*testing.T, int64) {}
