// A fragment that needs only the participant's keys: its refetch must cost no upstream call. Compiled by
// relay.mjs, never run.
graphql`
  fragment RelayParticipantKey_participant on RoomParticipant
  @refetchable(queryName: "RelayParticipantKeyRefetchQuery") {
    id
    telnyxId
  }
`;
