//go:build !linux

package crawltest

import (
	"net"
	"time"
)

// newArrivalListener returns ln: receive timestamps are read on Linux
// only; elsewhere a request's start is when its handler runs.
func newArrivalListener(ln net.Listener) net.Listener { return ln }

type arrivalConn struct{ net.Conn }

func (c *arrivalConn) take() (time.Time, bool) { return time.Time{}, false }
