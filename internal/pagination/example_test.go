package pagination_test

import (
	"fmt"

	"github.com/roomgraph/roomgraph/internal/pagination"
)

// A connection field resolves its arguments, fetches the pages for the known window, and places the
// window against meta.total_results of the response.
func Example() {
	codec := pagination.NewCodec([]byte("server secret"))
	scope := pagination.Scope("rooms/sessions", "3f7c2a9e-0d1b-4c55-9e0a-5a1b2c3d4e5f", "active=true")
	limits := pagination.Limits{DefaultFirst: 20, MaxFirst: 100}

	after := codec.Encode(scope, 29) // the endCursor of an earlier page
	first := 20
	req, err := pagination.Resolve(pagination.Args{First: &first, After: &after}, limits, codec, scope)
	if err != nil {
		panic(err)
	}
	known, _ := req.Known()
	fmt.Println("fetch:", pagination.PlanPages(known))

	total := 42 // meta.total_results of the upstream response
	w := req.Window(total)
	fmt.Println("edges:", w.Start, "to", w.End-1)
	fmt.Printf("%+v\n", pagination.Info(w, total))

	_, err = codec.Decode(pagination.Scope("rooms/sessions", "another room", "active=true"), after)
	fmt.Println(err)
	// Output:
	// fetch: [{2 25}]
	// edges: 30 to 41
	// {HasPreviousPage:true HasNextPage:false}
	// the cursor is from another list (another room, session or filter): ask this list for its own cursors
}
