package web

import (
	"net"
	"net/http"
	"strings"
)

// hostGuard tells the Host headers of requests meant for this reader from
// others: a page on another site can make a browser send requests to the
// reader through a name it controls that resolves to the reader's address
// (DNS rebinding), and the Host header is what gives the name away. It
// accepts, on the served port: the address the reader listens on; any
// loopback address and localhost (and names under .localhost, which
// browsers resolve to loopback themselves); any IP address when it listens
// on all interfaces; and the names the user gave.
type hostGuard struct {
	ip       net.IP // the listening address; unspecified = all interfaces
	port     string
	names    map[string]bool // lower case, without the port
	disabled bool
}

func newHostGuard(addr string, names []string) (*hostGuard, error) {
	if addr == "" {
		return &hostGuard{disabled: true}, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	g := &hostGuard{ip: net.ParseIP(host), port: port, names: map[string]bool{}}
	if g.ip == nil {
		// A name: accept it as it is (and what it stands for is the
		// user's to know).
		g.names[strings.ToLower(host)] = true
	}
	for _, n := range names {
		g.names[strings.TrimSuffix(strings.ToLower(n), ".")] = true
	}
	return g, nil
}

// allowed reports whether a request with Host header hostHeader is meant
// for this reader.
func (g *hostGuard) allowed(hostHeader string) bool {
	if g.disabled {
		return true
	}
	host, port, err := net.SplitHostPort(hostHeader)
	if err != nil {
		// No port: the scheme's default, 80.
		host, port = hostHeader, "80"
	}
	if port != g.port {
		return false
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || g.names[host] {
		return true
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return false
	case ip.IsLoopback():
		return true
	case g.ip == nil:
		return false
	case g.ip.IsUnspecified():
		return true
	}
	return ip.Equal(g.ip)
}

// guard answers 421 Misdirected Request to a request whose Host is not
// this reader's.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	if s.hosts.allowed(r.Host) {
		return true
	}
	s.log.Warn("web: request for another host refused (DNS rebinding?)", "host", clip(r.Host), "remote", r.RemoteAddr)
	http.Error(w, "421 misdirected request: this reader is not served under that host name", http.StatusMisdirectedRequest)
	return false
}
