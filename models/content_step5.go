package models

import (
	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// Placeholder for the step5 content; replaced by its implementation.
func loadCommitments(*gorm.DB, int64, *ogp.Content) error { return nil }
