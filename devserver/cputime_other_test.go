//go:build !unix

package devserver_test

import "time"

// cpuTime is not measured on this platform; the herd table shows 0.
func cpuTime() time.Duration { return 0 }
