// A Relay component's fragment on Room: refetchable by its id through node(id:), with its sessions paged
// by usePaginationFragment (@connection). relay.mjs compiles this folder with relay-compiler; the file is
// never run.
graphql`
  fragment RelayRoom_room on Room
  @refetchable(queryName: "RelayRoomRefetchQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 3 }, cursor: { type: "String" }) {
    id
    telnyxId
    uniqueName
    sessions(first: $count, after: $cursor) @connection(key: "RelayRoom_sessions") {
      edges {
        node {
          id
          telnyxId
          active
        }
      }
    }
  }
`;
