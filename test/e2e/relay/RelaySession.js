// A Relay component's fragment on RoomSession: refetchable through node(id:), who is present, and its
// participants paged by usePaginationFragment (@connection). Compiled by relay.mjs, never run.
graphql`
  fragment RelaySession_session on RoomSession
  @refetchable(queryName: "RelaySessionRefetchQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 2 }, cursor: { type: "String" }) {
    id
    telnyxId
    roomId
    active
    participantCount(present: true)
    participantsConnection(first: $count, after: $cursor) @connection(key: "RelaySession_participantsConnection") {
      edges {
        node {
          id
          telnyxId
          context
        }
      }
    }
  }
`;
