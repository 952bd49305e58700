package cork_test

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkResponse serves S1's answer size (30 KB) over loopback to 32 keep-alive connections at once, with
// and without cork. cpu-µs/op is the whole process's (clients and server); the clients' share is the same
// in both, so the difference is the server's. writes/op counts the server's writes to its connections.
func BenchmarkResponse(b *testing.B) {
	want := body(30 << 10)
	for _, bc := range []struct {
		name   string
		corked bool
	}{{"net-http", false}, {"corked", true}} {
		b.Run(bc.name, func(b *testing.B) {
			url, cl := serve(b, sized(want), bc.corked, nil)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.Cleanup(client.CloseIdleConnections)
			fetch := func() {
				resp, err := client.Get(url)
				require.NoError(b, err)
				n, err := io.Copy(io.Discard, resp.Body)
				require.NoError(b, err)
				require.EqualValues(b, len(want), n)
				_ = resp.Body.Close()
			}
			fetch() // a connection, outside the measurement
			writes, start := len(cl.sizes()), processCPU()
			b.ReportAllocs()
			b.SetParallelism(16) // × GOMAXPROCS goroutines, each on a connection of its own
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					fetch()
				}
			})
			b.ReportMetric(float64((processCPU()-start).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
			b.ReportMetric(float64(len(cl.sizes())-writes)/float64(b.N), "writes/op")
		})
	}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
