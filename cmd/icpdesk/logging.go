package main

import (
	"io"
	"log/slog"
)

// newLogger writes to w in log.format: json, else text. JSON logs give
// durations in seconds (see durationSeconds); text logs keep Go's "1.5s".
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		opts.ReplaceAttr = durationSeconds
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// durationSeconds is a slog ReplaceAttr that writes a time.Duration value as
// float seconds under the same key: slog's JSON handler would write
// nanoseconds, which log processors misread and humans cannot.
func durationSeconds(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key, a.Value.Duration().Seconds())
	}
	return a
}
