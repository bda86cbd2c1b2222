//go:build !unix

package mailer

import "time"

// cpuMeasured is false: the benchmark reports no CPU figure here.
const cpuMeasured = false

// processCPU has no source of process CPU time here.
func processCPU() time.Duration { return 0 }
