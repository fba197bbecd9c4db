//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package main

import (
	"errors"
	"os"
)

// flock locks nothing here: lockDB then does without.
func flock(f *os.File, exclusive bool) error { return errors.ErrUnsupported }
