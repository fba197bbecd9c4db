package aggregate

import (
	"context"
	"sync"
)

// A Limiter bounds how many fetches run at once: at most total overall and
// at most perHost against any one host, so that one slow agency cannot take
// every slot while the others wait. It knows nothing of scheduling; a
// poller calls Acquire before each fetch and the returned release after.
type Limiter struct {
	all     chan struct{}
	perHost int

	mu    sync.Mutex
	hosts map[string]*hostSlots
}

type hostSlots struct {
	ch   chan struct{}
	refs int // goroutines holding or waiting for a slot
}

// NewLimiter returns a Limiter allowing total fetches overall and perHost
// per host. Values below 1 are taken as 1.
func NewLimiter(total, perHost int) *Limiter {
	return &Limiter{
		all:     make(chan struct{}, max(total, 1)),
		perHost: max(perHost, 1),
		hosts:   make(map[string]*hostSlots),
	}
}

// Acquire waits for a slot for host (the URL's host name, compared as
// given) and returns the function that gives it back; release may be called
// more than once. It returns ctx.Err() if ctx ends first.
func (l *Limiter) Acquire(ctx context.Context, host string) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		// select picks at random among ready cases; a done ctx must win.
		return nil, err
	}
	l.mu.Lock()
	h := l.hosts[host]
	if h == nil {
		h = &hostSlots{ch: make(chan struct{}, l.perHost)}
		l.hosts[host] = h
	}
	h.refs++
	l.mu.Unlock()

	// The host slot comes first: a fetch waiting for its host must not hold
	// one of the overall slots, or a busy host would starve the rest.
	select {
	case h.ch <- struct{}{}:
	case <-ctx.Done():
		l.unref(host, h)
		return nil, ctx.Err()
	}
	select {
	case l.all <- struct{}{}:
	case <-ctx.Done():
		<-h.ch
		l.unref(host, h)
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-l.all
			<-h.ch
			l.unref(host, h)
		})
	}, nil
}

// unref drops the host's entry once nobody holds or wants a slot, so the
// map does not grow with every host ever polled.
func (l *Limiter) unref(host string, h *hostSlots) {
	l.mu.Lock()
	h.refs--
	if h.refs == 0 {
		delete(l.hosts, host)
	}
	l.mu.Unlock()
}
