package models

import (
	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// Placeholder for the step7 content; replaced by its implementation.
func loadVision(*gorm.DB, int64, *ogp.Content) error { return nil }
