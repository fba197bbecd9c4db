package guard

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Transport returns the *http.Transport for connections to somebody else's
// URLs: every connection passes p's Control, and there is no proxy, through
// which p would see only the proxy's address. Hosts are read as CheckURL
// reads them, so a numeric spelling of an IPv4 address ("2130706433") is
// dialled at that address and localhost names at loopback, never sent to
// DNS as names. connectTimeout bounds connecting and the TLS handshake;
// maxIdlePerHost is how many idle connections are kept for each host.
func (p Policy) Transport(connectTimeout time.Duration, maxIdlePerHost int) *http.Transport {
	d := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second, Control: p.Control}
	return &http.Transport{
		Proxy:               nil,
		DialContext:         dialer{d}.dial,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: connectTimeout,
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: maxIdlePerHost,
		IdleConnTimeout:     90 * time.Second,
	}
}

// dialer dials "host:port" with the host read by readHost.
type dialer struct{ d *net.Dialer }

func (d dialer) dial(ctx context.Context, network, address string) (net.Conn, error) {
	hostname, port, err := net.SplitHostPort(address)
	if err != nil {
		return d.d.DialContext(ctx, network, address)
	}
	h, err := readHost(hostname)
	switch {
	case err != nil:
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	case h.addr.IsValid():
		return d.d.DialContext(ctx, network, net.JoinHostPort(h.addr.String(), port))
	case h.localhost:
		var first error
		for _, a := range loopback {
			c, err := d.d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return c, nil
			}
			if first == nil {
				first = err
			}
		}
		return nil, first
	}
	return d.d.DialContext(ctx, network, address)
}
