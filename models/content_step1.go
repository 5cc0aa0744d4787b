package models

import (
	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// Placeholder for the step1 content; replaced by its implementation.
func loadTeamForumMonitoring(*gorm.DB, int64, *ogp.Content) error { return nil }
