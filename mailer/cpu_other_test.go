//go:build !unix

package mailer

import "time"

// processCPU is not measured here; the benchmark then prints 0.
func processCPU() time.Duration { return 0 }
