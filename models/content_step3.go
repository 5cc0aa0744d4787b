package models

import (
	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// Placeholder for the step3 content; replaced by its implementation.
func loadAwareness(*gorm.DB, int64, *ogp.Content) error { return nil }
