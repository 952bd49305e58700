package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// A BFF mounts roomgraph's GraphQL endpoint on its own mux, beside its own routes.
func Example_mount() {
	// The upstream: here the simulator; in production leave BaseURL empty for api.telnyx.com.
	sim := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{"KEY_example"}}))
	defer sim.Close()

	gw, err := gateway.New(gateway.Config{BaseURL: sim.URL + "/v2", APIKey: "KEY_example"})
	if err != nil {
		panic(err)
	}
	defer gw.Close(context.Background())
	mux := http.NewServeMux()
	mux.Handle("/api/graphql", gw.GraphQL())
	mux.HandleFunc("/api/hello", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello") })
	bff := httptest.NewServer(mux)
	defer bff.Close()

	resp, err := http.Post(bff.URL+"/api/graphql", "application/json",
		strings.NewReader(`{"query":"{ room(id: \"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0\") { id telnyxId } }"}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 {"data":{"room":{"id":"Um9vbTowY2NjN2I1NC00ZGYzLTRiY2EtYTY1YS0zZGExZWNjNzc3ZjA=","telnyxId":"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"}}}
}
