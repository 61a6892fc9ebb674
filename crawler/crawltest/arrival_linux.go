package crawltest

import (
	"net"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// arrivalListener wraps a TCP listener so that each connection knows when
// the bytes it reads reached the kernel: the socket asks for receive
// timestamps (SO_TIMESTAMPNS) and reads with recvmsg, so the time of a
// request's first byte is the kernel's, taken when the segment came off
// the loopback device, not when a goroutine of the server got round to
// reading it. A stall of the server's process (the scheduler, a GC pause)
// then no longer moves a request's recorded start.
type arrivalListener struct {
	net.Listener
}

// newArrivalListener wraps ln. The listening socket asks for timestamps
// too: its connections inherit the option, so the bytes that arrive
// before a connection is accepted are stamped as well (and asking turns
// the kernel's stamping on before the first request comes).
func newArrivalListener(ln net.Listener) net.Listener {
	if tl, ok := ln.(*net.TCPListener); ok {
		if rc, err := tl.SyscallConn(); err == nil {
			_ = rc.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
			})
		}
	}
	return arrivalListener{ln}
}

// Accept implements net.Listener.
func (l arrivalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	accepted := time.Now()
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c, nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c, nil
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return c, nil
	}
	return &arrivalConn{TCPConn: tc, rc: rc, accepted: accepted}, nil
}

// arrivalConn is a connection that notes when the first bytes of each
// request reached the kernel (see take).
type arrivalConn struct {
	*net.TCPConn
	rc       syscall.RawConn
	accepted time.Time

	mu      sync.Mutex
	pending time.Time // arrival of the oldest bytes read and not yet taken
	kernel  bool      // pending is the kernel's timestamp
}

// Read implements net.Conn. It first peeks at the bytes waiting with
// recvmsg, whose control message carries the kernel's receive time of the
// oldest of them, then reads them as usual (through the net package, so
// the race detector still sees the I/O).
func (c *arrivalConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var peekN, oobn int
	var perr error
	oob := make([]byte, 64)
	var one [1]byte
	err := c.rc.Read(func(fd uintptr) bool {
		peekN, oobn, _, _, perr = syscall.Recvmsg(int(fd), one[:], oob, syscall.MSG_PEEK)
		return perr != syscall.EAGAIN
	})
	if err == nil && perr == nil && peekN > 0 {
		at, kernel := time.Now(), false
		if t, ok := rxTimestamp(oob[:oobn]); ok {
			at, kernel = t, true
		}
		c.mu.Lock()
		if c.pending.IsZero() {
			c.pending, c.kernel = at, kernel
		}
		c.mu.Unlock()
	}
	// A deadline, the end of the stream or an error: the read says so.
	return c.TCPConn.Read(p)
}

// take returns when the oldest bytes read since the last take reached the
// kernel (or, without a kernel timestamp, were read) and forgets them. A
// server calls it as a request is handled: on HTTP/1.1 a client sends a
// connection's next request only after this one's answer, so those bytes
// are the request's first.
func (c *arrivalConn) take() (at time.Time, kernel bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, kernel = c.pending, c.kernel
	c.pending, c.kernel = time.Time{}, false
	return at, kernel
}

// rxTimestamp finds the SCM_TIMESTAMPNS control message in oob.
func rxTimestamp(oob []byte) (time.Time, bool) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		var ts syscall.Timespec
		size := int(unsafe.Sizeof(ts))
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS && len(m.Data) >= size {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&ts)), size), m.Data)
			return time.Unix(ts.Unix()), true
		}
	}
	return time.Time{}, false
}
