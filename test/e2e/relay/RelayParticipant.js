// A Relay component's fragment on RoomParticipant, refetchable through node(id:). Compiled by relay.mjs,
// never run.
graphql`
  fragment RelayParticipant_participant on RoomParticipant
  @refetchable(queryName: "RelayParticipantRefetchQuery") {
    id
    telnyxId
    sessionId
    context
    joinedAt
    leftAt
  }
`;
