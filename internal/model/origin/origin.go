// Package origin is the one table of where each field of the graph comes from: which upstream record (the
// room, the session, the participant, a list's page, a write's result) must be at hand to answer it, and
// how the value is made from it (read from the record, a reference to another object, a list call, …).
//
// The resolvers read it to decide what to fetch (a room by id is fetched only when a field needs its
// record), the fast path to decide what it writes and what may wait for a loader, and the limits to
// predict upstream calls. A field it does not list is unknown: the fast path leaves it to gqlgen, and the
// schema tests (here and the fast path's coverage test) fail with the field's name until it is listed.
//
// It is data only: it imports nothing of ours and must not (resolvers, the fast path and the limits import
// it). Nothing writes to it after package initialisation.
package origin

// Record is what must be at hand to answer a field.
type Record uint8

const (
	// NoRecord: nothing is fetched — the object's id (every reference to an object carries it),
	// __typename, a root field's arguments.
	NoRecord Record = iota
	// RoomRecord is the room: GET /rooms/{id}, once per operation, unless the room came with it (from a
	// list or a write).
	RoomRecord
	// SessionRecord is the session: GET /room_sessions/{id} (with its participants embedded when they are
	// selected), or from a list of sessions.
	SessionRecord
	// ParticipantRecord is the participant: GET /room_participants/{id}, or from a list of participants.
	ParticipantRecord
	// Page is one list call's page: its items, the list's total and the window (cursors).
	Page
	// Payload is what a write returned.
	Payload
	// Event is a webhook event a subscription delivers: the ids it names and what it says of itself.
	Event
)

var recordNames = [...]string{NoRecord: "no record", RoomRecord: "the room record", SessionRecord: "the session record",
	ParticipantRecord: "the participant record", Page: "a list page", Payload: "a write's payload", Event: "a webhook event"}

func (r Record) String() string { return recordNames[r] }

// Kind is how a field's value is made from what it needs.
type Kind uint8

const (
	// Meta is __typename: the object's type name.
	Meta Kind = iota + 1
	// Key is the object's id, known without its record.
	Key
	// Value is read from the record at hand (Needs), objects carried in it included (a page's nodes, the
	// room a write returned).
	Value
	// Embedded is a list carried in the record when asked for (RoomSession.participants: the session is
	// fetched with include_participants=true). It costs no call of its own.
	Embedded
	// Reference is an object of type Of known by an id read from Needs (or from an argument): a stub with
	// that id when its selection needs nothing but keys, else its record is fetched by id (one call per
	// object and operation, batched with the others of its type).
	Reference
	// Fetch is an object fetched by id whatever is selected: an unknown id is null with NOT_FOUND.
	Fetch
	// Connection is a Relay connection over a list call: one call per window, keyed by the parent's id.
	Connection
	// Write is a mutation: one upstream call, never retried.
	Write
	// Introspection is answered from the schema itself (__schema, __type), by gqlgen.
	Introspection
	// Node is Query.node and Query.nodes (Relay's Node interface): objects named by global ids, each a
	// stub when only keys are selected, else fetched by id like a reference (one call per object). gqlgen's
	// executor answers them: the fast path hands the operation over.
	Node
	// Federation is answered by gqlgen's federation runtime (_service, _entities): present only in the
	// federated schema.
	Federation
	// Subscribe is a subscription: one read of its room when it begins (the credential must be able to
	// read it), then, per event, what its selection needs. Always answered by gqlgen.
	Subscribe
)

var kindNames = [...]string{Meta: "meta", Key: "key", Value: "value", Embedded: "embedded", Reference: "reference",
	Fetch: "fetch", Connection: "connection", Write: "write", Introspection: "introspection", Node: "node", Federation: "federation",
	Subscribe: "subscribe"}

func (k Kind) String() string { return kindNames[k] }

// Type is an object type of the schema.
type Type uint8

// The object types. The order is the schema's, for readable tables; nothing depends on it.
const (
	NoType Type = iota
	Query
	Mutation
	Room
	RoomConnection
	RoomEdge
	RoomSession
	RoomSessionConnection
	RoomSessionEdge
	RoomParticipant
	RoomParticipantConnection
	RoomParticipantEdge
	PageInfo
	RoomPayload
	DeleteRoomPayload
	RoomSessionPayload
	JoinClientTokenPayload
	RefreshClientTokenPayload
	Subscription
	RoomEvent // an interface: its fields are those of every event type
	RoomSessionStarted
	RoomSessionEnded
	RoomParticipantJoined
	RoomParticipantLeft
	RoomRecordingStarted
	RoomRecordingCompleted
	AnyNode // the Node interface (Relay): Room, RoomSession or RoomParticipant by global id
	numTypes
)

// types holds each type's schema name and the record an object of it carries.
var types = [numTypes]struct {
	name   string
	record Record
}{
	NoType:                    {"", NoRecord},
	Query:                     {"Query", NoRecord},
	Mutation:                  {"Mutation", NoRecord},
	Room:                      {"Room", RoomRecord}, // may come without it: fetched on the first field that needs it
	RoomConnection:            {"RoomConnection", Page},
	RoomEdge:                  {"RoomEdge", Page},
	RoomSession:               {"RoomSession", SessionRecord},
	RoomSessionConnection:     {"RoomSessionConnection", Page},
	RoomSessionEdge:           {"RoomSessionEdge", Page},
	RoomParticipant:           {"RoomParticipant", ParticipantRecord},
	RoomParticipantConnection: {"RoomParticipantConnection", Page},
	RoomParticipantEdge:       {"RoomParticipantEdge", Page},
	PageInfo:                  {"PageInfo", Page},
	RoomPayload:               {"RoomPayload", Payload},
	DeleteRoomPayload:         {"DeleteRoomPayload", Payload},
	RoomSessionPayload:        {"RoomSessionPayload", Payload},
	JoinClientTokenPayload:    {"JoinClientTokenPayload", Payload},
	RefreshClientTokenPayload: {"RefreshClientTokenPayload", Payload},
	Subscription:              {"Subscription", NoRecord},
	RoomEvent:                 {"RoomEvent", Event},
	RoomSessionStarted:        {"RoomSessionStarted", Event},
	RoomSessionEnded:          {"RoomSessionEnded", Event},
	RoomParticipantJoined:     {"RoomParticipantJoined", Event},
	RoomParticipantLeft:       {"RoomParticipantLeft", Event},
	RoomRecordingStarted:      {"RoomRecordingStarted", Event},
	RoomRecordingCompleted:    {"RoomRecordingCompleted", Event},
	AnyNode:                   {"Node", NoRecord},
}

// String is the type's schema name.
func (t Type) String() string { return types[t].name }

// Record is the record an object of t carries (a Room's may still have to be fetched).
func (t Type) Record() Record { return types[t].record }

// TypeNamed returns the type with the schema name name; NoType when the table has none.
func TypeNamed(name string) Type {
	return typesByName[name]
}

// Field names one field of one type (Typename stands for __typename on every type). The zero value,
// Unknown, is a field the table does not list.
type Field uint8

// Fields are named Type+Field after the schema.
const (
	Unknown Field = iota
	Typename

	QueryRoom
	QueryRooms
	QueryRoomSessions
	QueryRoomSession
	QueryRoomParticipants
	QueryRoomParticipant
	QueryNode
	QueryNodes
	QuerySchema
	QueryType
	QueryService
	QueryEntities

	RoomID
	RoomTelnyxID
	RoomUniqueName
	RoomMaxParticipants
	RoomEnableRecording
	RoomWebhookEventURL
	RoomWebhookEventFailoverURL
	RoomWebhookTimeoutSecs
	RoomActiveSessionID
	RoomActiveSession
	RoomCreatedAt
	RoomUpdatedAt
	RoomSessions

	RoomConnectionEdges
	RoomConnectionNodes
	RoomConnectionPageInfo
	RoomConnectionTotalCount
	RoomEdgeCursor
	RoomEdgeNode

	RoomSessionID
	RoomSessionTelnyxID
	RoomSessionRoomID
	RoomSessionRoom
	RoomSessionActive
	RoomSessionCreatedAt
	RoomSessionUpdatedAt
	RoomSessionEndedAt
	RoomSessionParticipants
	RoomSessionParticipantCount
	RoomSessionParticipantsConnection

	RoomSessionConnectionEdges
	RoomSessionConnectionNodes
	RoomSessionConnectionPageInfo
	RoomSessionConnectionTotalCount
	RoomSessionEdgeCursor
	RoomSessionEdgeNode

	RoomParticipantID
	RoomParticipantTelnyxID
	RoomParticipantSessionID
	RoomParticipantSession
	RoomParticipantContext
	RoomParticipantJoinedAt
	RoomParticipantUpdatedAt
	RoomParticipantLeftAt

	RoomParticipantConnectionEdges
	RoomParticipantConnectionNodes
	RoomParticipantConnectionPageInfo
	RoomParticipantConnectionTotalCount
	RoomParticipantEdgeCursor
	RoomParticipantEdgeNode

	PageInfoHasNextPage
	PageInfoHasPreviousPage
	PageInfoStartCursor
	PageInfoEndCursor

	MutationCreateRoom
	MutationUpdateRoom
	MutationDeleteRoom
	MutationEndRoomSession
	MutationKickParticipants
	MutationMuteParticipants
	MutationUnmuteParticipants
	MutationGenerateJoinClientToken
	MutationRefreshClientToken
	RoomPayloadRoom
	DeleteRoomPayloadDeletedRoomID
	RoomSessionPayloadSessionID
	RoomSessionPayloadSession
	RoomSessionPayloadRoom
	JoinClientTokenPayloadRoomID
	JoinClientTokenPayloadToken
	JoinClientTokenPayloadTokenExpiresAt
	JoinClientTokenPayloadRefreshToken
	JoinClientTokenPayloadRefreshTokenExpiresAt
	RefreshClientTokenPayloadRoomID
	RefreshClientTokenPayloadToken
	RefreshClientTokenPayloadTokenExpiresAt

	SubscriptionRoomEvents
	SubscriptionRoomUpdated
	RoomEventID
	RoomEventOccurredAt
	RoomEventRoom
	RoomEventSession
	RoomSessionStartedID
	RoomSessionStartedOccurredAt
	RoomSessionStartedRoom
	RoomSessionStartedSession
	RoomSessionEndedID
	RoomSessionEndedOccurredAt
	RoomSessionEndedRoom
	RoomSessionEndedSession
	RoomSessionEndedDurationSecs
	RoomSessionEndedReason
	RoomParticipantJoinedID
	RoomParticipantJoinedOccurredAt
	RoomParticipantJoinedRoom
	RoomParticipantJoinedSession
	RoomParticipantJoinedParticipant
	RoomParticipantLeftID
	RoomParticipantLeftOccurredAt
	RoomParticipantLeftRoom
	RoomParticipantLeftSession
	RoomParticipantLeftParticipant
	RoomParticipantLeftDurationSecs
	RoomParticipantLeftReason
	RoomRecordingStartedID
	RoomRecordingStartedOccurredAt
	RoomRecordingStartedRoom
	RoomRecordingStartedSession
	RoomRecordingStartedParticipant
	RoomRecordingStartedRecordingID
	RoomRecordingStartedTrackType
	RoomRecordingCompletedID
	RoomRecordingCompletedOccurredAt
	RoomRecordingCompletedRoom
	RoomRecordingCompletedSession
	RoomRecordingCompletedParticipant
	RoomRecordingCompletedRecordingID
	RoomRecordingCompletedTrackType
	RoomRecordingCompletedCodec
	RoomRecordingCompletedDownloadURL
	RoomRecordingCompletedDurationSecs
	RoomRecordingCompletedSizeMB
	NodeID

	numFields
)

// spec is one row of the table.
type spec struct {
	typ   Type
	name  string
	needs Record
	kind  Kind
	of    Type // the object type the field leads to; NoType for scalars and for gqlgen's own types
}

// table is the table: one row per field of the schema, in the schema's order. TestTableMatchesSchema
// holds it to schema/*.graphqls.
var table = [numFields]spec{
	Typename: {NoType, "__typename", NoRecord, Meta, NoType},

	QueryRoom:             {Query, "room", NoRecord, Reference, Room},
	QueryRooms:            {Query, "rooms", NoRecord, Connection, RoomConnection},
	QueryRoomSessions:     {Query, "roomSessions", NoRecord, Connection, RoomSessionConnection},
	QueryRoomSession:      {Query, "roomSession", NoRecord, Fetch, RoomSession},
	QueryRoomParticipants: {Query, "roomParticipants", NoRecord, Connection, RoomParticipantConnection},
	QueryRoomParticipant:  {Query, "roomParticipant", NoRecord, Fetch, RoomParticipant},
	QueryNode:             {Query, "node", NoRecord, Node, AnyNode},
	QueryNodes:            {Query, "nodes", NoRecord, Node, AnyNode},
	QuerySchema:           {Query, "__schema", NoRecord, Introspection, NoType},
	QueryType:             {Query, "__type", NoRecord, Introspection, NoType},
	QueryService:          {Query, "_service", NoRecord, Federation, NoType},
	QueryEntities:         {Query, "_entities", NoRecord, Federation, NoType},

	RoomID:                      {Room, "id", NoRecord, Key, NoType},
	RoomTelnyxID:                {Room, "telnyxId", NoRecord, Key, NoType},
	RoomUniqueName:              {Room, "uniqueName", RoomRecord, Value, NoType},
	RoomMaxParticipants:         {Room, "maxParticipants", RoomRecord, Value, NoType},
	RoomEnableRecording:         {Room, "enableRecording", RoomRecord, Value, NoType},
	RoomWebhookEventURL:         {Room, "webhookEventUrl", RoomRecord, Value, NoType},
	RoomWebhookEventFailoverURL: {Room, "webhookEventFailoverUrl", RoomRecord, Value, NoType},
	RoomWebhookTimeoutSecs:      {Room, "webhookTimeoutSecs", RoomRecord, Value, NoType},
	RoomActiveSessionID:         {Room, "activeSessionId", RoomRecord, Value, NoType},
	RoomActiveSession:           {Room, "activeSession", RoomRecord, Reference, RoomSession},
	RoomCreatedAt:               {Room, "createdAt", RoomRecord, Value, NoType},
	RoomUpdatedAt:               {Room, "updatedAt", RoomRecord, Value, NoType},
	// Listed by the room's id: a room's sessions never need the room's record.
	RoomSessions: {Room, "sessions", NoRecord, Connection, RoomSessionConnection},

	RoomConnectionEdges:      {RoomConnection, "edges", Page, Value, RoomEdge},
	RoomConnectionNodes:      {RoomConnection, "nodes", Page, Value, Room},
	RoomConnectionPageInfo:   {RoomConnection, "pageInfo", Page, Value, PageInfo},
	RoomConnectionTotalCount: {RoomConnection, "totalCount", Page, Value, NoType},
	RoomEdgeCursor:           {RoomEdge, "cursor", Page, Value, NoType},
	RoomEdgeNode:             {RoomEdge, "node", Page, Value, Room},

	RoomSessionID:           {RoomSession, "id", NoRecord, Key, NoType},
	RoomSessionTelnyxID:     {RoomSession, "telnyxId", NoRecord, Key, NoType},
	RoomSessionRoomID:       {RoomSession, "roomId", SessionRecord, Value, NoType},
	RoomSessionRoom:         {RoomSession, "room", SessionRecord, Reference, Room},
	RoomSessionActive:       {RoomSession, "active", SessionRecord, Value, NoType},
	RoomSessionCreatedAt:    {RoomSession, "createdAt", SessionRecord, Value, NoType},
	RoomSessionUpdatedAt:    {RoomSession, "updatedAt", SessionRecord, Value, NoType},
	RoomSessionEndedAt:      {RoomSession, "endedAt", SessionRecord, Value, NoType},
	RoomSessionParticipants: {RoomSession, "participants", SessionRecord, Embedded, RoomParticipant},
	// Counted from the embedded participants: it needs them embedded as participants does (EmbedsOf).
	RoomSessionParticipantCount: {RoomSession, "participantCount", SessionRecord, Value, NoType},
	// Listed by the session's id alone, but a session object is its record (telnyx.RoomSession): a session
	// reference is a stub only when nothing but its id is selected, so the session is fetched for this
	// field too.
	RoomSessionParticipantsConnection: {RoomSession, "participantsConnection", SessionRecord, Connection, RoomParticipantConnection},

	RoomSessionConnectionEdges:      {RoomSessionConnection, "edges", Page, Value, RoomSessionEdge},
	RoomSessionConnectionNodes:      {RoomSessionConnection, "nodes", Page, Value, RoomSession},
	RoomSessionConnectionPageInfo:   {RoomSessionConnection, "pageInfo", Page, Value, PageInfo},
	RoomSessionConnectionTotalCount: {RoomSessionConnection, "totalCount", Page, Value, NoType},
	RoomSessionEdgeCursor:           {RoomSessionEdge, "cursor", Page, Value, NoType},
	RoomSessionEdgeNode:             {RoomSessionEdge, "node", Page, Value, RoomSession},

	RoomParticipantID:        {RoomParticipant, "id", NoRecord, Key, NoType},
	RoomParticipantTelnyxID:  {RoomParticipant, "telnyxId", NoRecord, Key, NoType},
	RoomParticipantSessionID: {RoomParticipant, "sessionId", ParticipantRecord, Value, NoType},
	RoomParticipantSession:   {RoomParticipant, "session", ParticipantRecord, Reference, RoomSession},
	RoomParticipantContext:   {RoomParticipant, "context", ParticipantRecord, Value, NoType},
	RoomParticipantJoinedAt:  {RoomParticipant, "joinedAt", ParticipantRecord, Value, NoType},
	RoomParticipantUpdatedAt: {RoomParticipant, "updatedAt", ParticipantRecord, Value, NoType},
	RoomParticipantLeftAt:    {RoomParticipant, "leftAt", ParticipantRecord, Value, NoType},

	RoomParticipantConnectionEdges:      {RoomParticipantConnection, "edges", Page, Value, RoomParticipantEdge},
	RoomParticipantConnectionNodes:      {RoomParticipantConnection, "nodes", Page, Value, RoomParticipant},
	RoomParticipantConnectionPageInfo:   {RoomParticipantConnection, "pageInfo", Page, Value, PageInfo},
	RoomParticipantConnectionTotalCount: {RoomParticipantConnection, "totalCount", Page, Value, NoType},
	RoomParticipantEdgeCursor:           {RoomParticipantEdge, "cursor", Page, Value, NoType},
	RoomParticipantEdgeNode:             {RoomParticipantEdge, "node", Page, Value, RoomParticipant},

	PageInfoHasNextPage:     {PageInfo, "hasNextPage", Page, Value, NoType},
	PageInfoHasPreviousPage: {PageInfo, "hasPreviousPage", Page, Value, NoType},
	PageInfoStartCursor:     {PageInfo, "startCursor", Page, Value, NoType},
	PageInfoEndCursor:       {PageInfo, "endCursor", Page, Value, NoType},

	MutationCreateRoom:         {Mutation, "createRoom", NoRecord, Write, RoomPayload},
	MutationUpdateRoom:         {Mutation, "updateRoom", NoRecord, Write, RoomPayload},
	MutationDeleteRoom:         {Mutation, "deleteRoom", NoRecord, Write, DeleteRoomPayload},
	MutationEndRoomSession:     {Mutation, "endRoomSession", NoRecord, Write, RoomSessionPayload},
	MutationKickParticipants:   {Mutation, "kickParticipants", NoRecord, Write, RoomSessionPayload},
	MutationMuteParticipants:   {Mutation, "muteParticipants", NoRecord, Write, RoomSessionPayload},
	MutationUnmuteParticipants: {Mutation, "unmuteParticipants", NoRecord, Write, RoomSessionPayload},
	// The token writes: POST …/generate_join_client_token and …/refresh_client_token.
	MutationGenerateJoinClientToken: {Mutation, "generateJoinClientToken", NoRecord, Write, JoinClientTokenPayload},
	MutationRefreshClientToken:      {Mutation, "refreshClientToken", NoRecord, Write, RefreshClientTokenPayload},
	// The room as the write returned it, record included.
	RoomPayloadRoom:                {RoomPayload, "room", Payload, Value, Room},
	DeleteRoomPayloadDeletedRoomID: {DeleteRoomPayload, "deletedRoomId", Payload, Value, NoType},
	RoomSessionPayloadSessionID:    {RoomSessionPayload, "sessionId", Payload, Value, NoType},
	RoomSessionPayloadSession:      {RoomSessionPayload, "session", Payload, Reference, RoomSession},
	// The payload knows only the session: the session's record is fetched to find its room.
	RoomSessionPayloadRoom: {RoomSessionPayload, "room", SessionRecord, Reference, Room},
	// The token payloads are what the write returned (the room's id is the argument): no follow-up read.
	JoinClientTokenPayloadRoomID:                {JoinClientTokenPayload, "roomId", Payload, Value, NoType},
	JoinClientTokenPayloadToken:                 {JoinClientTokenPayload, "token", Payload, Value, NoType},
	JoinClientTokenPayloadTokenExpiresAt:        {JoinClientTokenPayload, "tokenExpiresAt", Payload, Value, NoType},
	JoinClientTokenPayloadRefreshToken:          {JoinClientTokenPayload, "refreshToken", Payload, Value, NoType},
	JoinClientTokenPayloadRefreshTokenExpiresAt: {JoinClientTokenPayload, "refreshTokenExpiresAt", Payload, Value, NoType},
	RefreshClientTokenPayloadRoomID:             {RefreshClientTokenPayload, "roomId", Payload, Value, NoType},
	RefreshClientTokenPayloadToken:              {RefreshClientTokenPayload, "token", Payload, Value, NoType},
	RefreshClientTokenPayloadTokenExpiresAt:     {RefreshClientTokenPayload, "tokenExpiresAt", Payload, Value, NoType},

	// Subscriptions (docs/subscriptions.md): each reads its room once when it begins; roomUpdated's room
	// comes with its record (read again per change), roomEvents' events carry what they say.
	SubscriptionRoomEvents:  {Subscription, "roomEvents", NoRecord, Subscribe, RoomEvent},
	SubscriptionRoomUpdated: {Subscription, "roomUpdated", NoRecord, Subscribe, Room},
	// An event's links are references by the ids the event names: stubs unless more than the id is
	// selected, then fetched (per event, with the event's loaders).
	RoomEventID:                      {RoomEvent, "id", NoRecord, Key, NoType},
	RoomEventOccurredAt:              {RoomEvent, "occurredAt", Event, Value, NoType},
	RoomEventRoom:                    {RoomEvent, "room", Event, Reference, Room},
	RoomEventSession:                 {RoomEvent, "session", Event, Reference, RoomSession},
	RoomSessionStartedID:             {RoomSessionStarted, "id", NoRecord, Key, NoType},
	RoomSessionStartedOccurredAt:     {RoomSessionStarted, "occurredAt", Event, Value, NoType},
	RoomSessionStartedRoom:           {RoomSessionStarted, "room", Event, Reference, Room},
	RoomSessionStartedSession:        {RoomSessionStarted, "session", Event, Reference, RoomSession},
	RoomSessionEndedID:               {RoomSessionEnded, "id", NoRecord, Key, NoType},
	RoomSessionEndedOccurredAt:       {RoomSessionEnded, "occurredAt", Event, Value, NoType},
	RoomSessionEndedRoom:             {RoomSessionEnded, "room", Event, Reference, Room},
	RoomSessionEndedSession:          {RoomSessionEnded, "session", Event, Reference, RoomSession},
	RoomSessionEndedDurationSecs:     {RoomSessionEnded, "durationSecs", Event, Value, NoType},
	RoomSessionEndedReason:           {RoomSessionEnded, "reason", Event, Value, NoType},
	RoomParticipantJoinedID:          {RoomParticipantJoined, "id", NoRecord, Key, NoType},
	RoomParticipantJoinedOccurredAt:  {RoomParticipantJoined, "occurredAt", Event, Value, NoType},
	RoomParticipantJoinedRoom:        {RoomParticipantJoined, "room", Event, Reference, Room},
	RoomParticipantJoinedSession:     {RoomParticipantJoined, "session", Event, Reference, RoomSession},
	RoomParticipantJoinedParticipant: {RoomParticipantJoined, "participant", Event, Reference, RoomParticipant},
	RoomParticipantLeftID:            {RoomParticipantLeft, "id", NoRecord, Key, NoType},
	RoomParticipantLeftOccurredAt:    {RoomParticipantLeft, "occurredAt", Event, Value, NoType},
	RoomParticipantLeftRoom:          {RoomParticipantLeft, "room", Event, Reference, Room},
	RoomParticipantLeftSession:       {RoomParticipantLeft, "session", Event, Reference, RoomSession},
	RoomParticipantLeftParticipant:   {RoomParticipantLeft, "participant", Event, Reference, RoomParticipant},
	NodeID:                           {AnyNode, "id", NoRecord, Key, NoType},
	RoomParticipantLeftDurationSecs:  {RoomParticipantLeft, "durationSecs", Event, Value, NoType},
	RoomParticipantLeftReason:        {RoomParticipantLeft, "reason", Event, Value, NoType},
	// A recording's id is the event's own fact (a Telnyx UUID, no object of the graph): a value, not a key.
	RoomRecordingStartedID:             {RoomRecordingStarted, "id", NoRecord, Key, NoType},
	RoomRecordingStartedOccurredAt:     {RoomRecordingStarted, "occurredAt", Event, Value, NoType},
	RoomRecordingStartedRoom:           {RoomRecordingStarted, "room", Event, Reference, Room},
	RoomRecordingStartedSession:        {RoomRecordingStarted, "session", Event, Reference, RoomSession},
	RoomRecordingStartedParticipant:    {RoomRecordingStarted, "participant", Event, Reference, RoomParticipant},
	RoomRecordingStartedRecordingID:    {RoomRecordingStarted, "recordingId", Event, Value, NoType},
	RoomRecordingStartedTrackType:      {RoomRecordingStarted, "trackType", Event, Value, NoType},
	RoomRecordingCompletedID:           {RoomRecordingCompleted, "id", NoRecord, Key, NoType},
	RoomRecordingCompletedOccurredAt:   {RoomRecordingCompleted, "occurredAt", Event, Value, NoType},
	RoomRecordingCompletedRoom:         {RoomRecordingCompleted, "room", Event, Reference, Room},
	RoomRecordingCompletedSession:      {RoomRecordingCompleted, "session", Event, Reference, RoomSession},
	RoomRecordingCompletedParticipant:  {RoomRecordingCompleted, "participant", Event, Reference, RoomParticipant},
	RoomRecordingCompletedRecordingID:  {RoomRecordingCompleted, "recordingId", Event, Value, NoType},
	RoomRecordingCompletedTrackType:    {RoomRecordingCompleted, "trackType", Event, Value, NoType},
	RoomRecordingCompletedCodec:        {RoomRecordingCompleted, "codec", Event, Value, NoType},
	RoomRecordingCompletedDownloadURL:  {RoomRecordingCompleted, "downloadUrl", Event, Value, NoType},
	RoomRecordingCompletedDurationSecs: {RoomRecordingCompleted, "durationSecs", Event, Value, NoType},
	RoomRecordingCompletedSizeMB:       {RoomRecordingCompleted, "sizeMb", Event, Value, NoType},
}

// entities says how _entities (Apollo Federation) resolves a representation of each entity type, the
// types schema/federation/ keys by id (resolvers/entity.resolvers.go): a Reference is a stub with the
// representation's id until a field beyond the type's keys is selected, then its record is fetched by id
// like any reference's; a Fetch is fetched by id whatever is selected. Types that are no entity hold 0.
var entities = [numTypes]Kind{Room: Reference, RoomSession: Fetch, RoomParticipant: Fetch}

// Entity is how _entities resolves a representation of t: Reference or Fetch, 0 when t is no entity.
func (t Type) Entity() Kind {
	if t >= numTypes {
		return 0
	}
	return entities[t]
}

// Entities returns the entity types (those a router may send _entities representations of), in the
// schema's order.
func Entities() []Type {
	var out []Type
	for t := Type(1); t < numTypes; t++ {
		if entities[t] != 0 {
			out = append(out, t)
		}
	}
	return out
}

// Indexes over the table, built once when the package is initialised.
var (
	typesByName = func() map[string]Type {
		m := make(map[string]Type, numTypes)
		for t := Type(1); t < numTypes; t++ {
			m[t.String()] = t
		}
		return m
	}()
	// byType holds each type's fields (__typename included) by the length of their names, ofType in the
	// table's order.
	byType, ofType = index()
)

// maxNameLen bounds the names Type.Field looks up (the longest is 23 bytes).
const maxNameLen = 31

// index builds the lookups. Type.Field runs for every field the fast path writes, several times per list
// item on its general path: comparing a name with the type's names of its length costs less than hashing it
// for a map.
func index() (byLen [numTypes][maxNameLen + 1][]Field, ordered [numTypes][]Field) {
	for t := Type(1); t < numTypes; t++ {
		byLen[t][len("__typename")] = []Field{Typename}
	}
	for f := Typename + 1; f < numFields; f++ {
		s := &table[f]
		byLen[s.typ][len(s.name)] = append(byLen[s.typ][len(s.name)], f)
		ordered[s.typ] = append(ordered[s.typ], f)
	}
	return byLen, ordered
}

// Field returns t's field called name: Typename for __typename, Unknown when the table does not list it.
func (t Type) Field(name string) Field {
	if t >= numTypes || len(name) > maxNameLen {
		return Unknown
	}
	for _, f := range byType[t][len(name)] {
		if table[f].name == name {
			return f
		}
	}
	return Unknown
}

// Fields returns t's fields (without __typename) in the schema's order. The slice is shared: read-only.
func (t Type) Fields() []Field {
	if t >= numTypes {
		return nil
	}
	return ofType[t]
}

// Lookup returns the field called name of the type called typ; Unknown when the table does not list it.
func Lookup(typ, name string) Field {
	t := TypeNamed(typ)
	if t == NoType {
		return Unknown
	}
	return t.Field(name)
}

// All returns every field of the table, Typename excluded, in the table's order.
func All() []Field {
	out := make([]Field, 0, numFields-Typename-1)
	for f := Typename + 1; f < numFields; f++ {
		out = append(out, f)
	}
	return out
}

func (f Field) row() *spec {
	if f >= numFields {
		return &table[Unknown]
	}
	return &table[f]
}

// Type is the type the field belongs to (NoType for Typename and Unknown).
func (f Field) Type() Type { return f.row().typ }

// Name is the field's schema name.
func (f Field) Name() string { return f.row().name }

// Needs is the record that must be at hand to answer the field.
func (f Field) Needs() Record { return f.row().needs }

// Kind is how the field's value is made; 0 for Unknown.
func (f Field) Kind() Kind { return f.row().kind }

// Of is the object type the field leads to; NoType for scalars and for types the table does not list.
func (f Field) Of() Type { return f.row().of }

// String is "Type.name".
func (f Field) String() string {
	switch f {
	case Unknown:
		return "unknown field"
	case Typename:
		return "__typename"
	}
	return f.Type().String() + "." + f.Name()
}

// NeedsRecord reports whether answering f needs the record of its own type's object: for a Room, whether
// the room must be fetched when it came by id; for a session or participant reference, whether a stub
// with the id is not enough.
func (f Field) NeedsRecord() bool {
	return f.Needs() != NoRecord && f.Needs() == f.Type().Record()
}

// Keys returns the names of t's fields that need no record (id, and fields listed by the id such as
// Room.sessions): a reference to a t that selects nothing else (and __typename) is answered without
// fetching the t.
func (t Type) Keys() []string {
	var out []string
	for _, f := range t.Fields() {
		if f.Needs() == NoRecord {
			out = append(out, f.Name())
		}
	}
	return out
}

// derived holds the fields read from an embedded list of their object's record (origin.Embedded) without
// being that list: selecting one asks for the list embedded in the record as selecting the list does.
var derived = [numFields]Field{RoomSessionParticipantCount: RoomSessionParticipants}

// Embeds returns the embedded list answering f: f itself when it is one (Embedded), the list it is counted
// from for a field derived from one (RoomSession.participantCount), Unknown for every other field.
func (f Field) Embeds() Field {
	if f.Kind() == Embedded {
		return f
	}
	if f >= numFields {
		return Unknown
	}
	return derived[f]
}

// EmbeddingFields returns the names of t's fields answered from its embedded list list (the list itself
// first): selecting any of them asks the upstream to embed the list.
func (t Type) EmbeddingFields(list Field) []string {
	var out []string
	for _, f := range t.Fields() {
		if f.Embeds() == list && list != Unknown {
			out = append(out, f.Name())
		}
	}
	return out
}
