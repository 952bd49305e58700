// Command floor is the Go HTTP server's share of a gateway's cost: net/http answering every request with
// one fixed body (read from a file: the answer a gateway gives to the query measured), after reading the
// request body, as a gateway would. Driven by the same wrk script as the gateway, its CPU per request is the
// floor no net/http-based gateway can go under for that answer. With -cork it serves as the roomgraph binary
// does, each response write in one system call (package cork). Usage: bench/README.md, "The net/http floor".
//
// It is a measuring stick, not a server to run: it must not import the gateway or parse the request (that
// would put the gateway's own work into the floor), and nothing in roomgraph imports it.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/roomgraph/roomgraph/cork"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4813", "listen address (loopback)")
	file := flag.String("body", "", "file holding the response body to send (required)")
	corked := flag.Bool("cork", false, "send each response write in one system call, as the roomgraph binary does")
	flag.Parse()
	if *file == "" {
		flag.Usage()
		os.Exit(2)
	}
	body, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	length := strconv.Itoa(len(body))
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, "could not read the request body", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	if *corked {
		ln = cork.Listener{Listener: ln}
		srv.Handler, srv.ConnContext = cork.Handler(h), cork.ConnContext
	}
	log.Fatal(srv.Serve(ln))
}
