package models

import (
	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// Placeholder for the step2 content; replaced by its implementation.
func loadRoadmap(*gorm.DB, int64, *ogp.Content) error { return nil }
