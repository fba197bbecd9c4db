//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package main

import (
	"errors"
	"os"
	"syscall"
)

// flock takes an advisory lock on f (see lockDB), shared or exclusive,
// without waiting: errLocked when another open file holds one that
// conflicts. flock(2) locks belong to the open file, not the process, so
// that two opens in one process (a test running serve and restore) conflict
// as two processes do.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}
