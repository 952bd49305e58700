package telnyx

// IsEntity does nothing. gqlgen's Apollo Federation build binds the GraphQL types RoomSession and
// RoomParticipant straight to these wire types (so pages reach the response without copies), and its
// _Entity union requires this marker method of every member; it is the only trace of GraphQL here.
func (RoomSession) IsEntity() {}

// IsEntity: see RoomSession.IsEntity.
func (RoomParticipant) IsEntity() {}
