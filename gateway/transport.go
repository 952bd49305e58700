package gateway

import (
	"context"
	"io"
	"net/http"
	"time"
)

// callTimeout bounds each upstream request with its own deadline (inside the operation's), through the
// request context rather than http.Client.Timeout, so that the bound is per call and nothing lingers
// after a call ends.
type callTimeout struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (t callTimeout) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(r.Context(), t.timeout)
	resp, err := t.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the call's deadline once its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
