// mesh-compose configuration for the Hive Gateway contender of bench/run.sh (run at install time: it writes
// bench/.cache/hive/supergraph.graphql). One subgraph, the simulator's REST endpoints of openapi.yaml through
// GraphQL Mesh's OpenAPI source, renamed so that the bench's GraphQL documents mean the same as for roomgraph:
//   rooms(first: n)            GET /rooms?page[number]=1&page[size]=n
//   Room.sessions(first: n)    GET /rooms/{id}/sessions?include_participants=true&page[number]=1&page[size]=n
//   room(id:)                  no call (gateway.config.ts: a resolver that echoes the id)
// Fields: snake_case to camelCase, `data` to `nodes`, the Telnyx `id` to `telnyxId` (roomgraph's `id` is a
// Relay global id, which the shapes do not select).
import {
  createNamingConventionTransform,
  createRenameTransform,
  defineConfig,
} from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const size = 'page_LEFT_SQUARE_BRACE_size_RIGHT_SQUARE_BRACE_';

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Telnyx', {
        source: './openapi.yaml',
        endpoint: '{env.TELNYX_BASE_URL}',
      }),
      transforms: [
        createNamingConventionTransform({ fieldNames: 'camelCase' }),
        createRenameTransform({
          renames: [
            { from: { type: 'Query', field: 'rooms', argument: size }, to: { type: 'Query', field: 'rooms', argument: 'first' } },
            { from: { type: 'Query', field: 'roomSessions', argument: size }, to: { type: 'Query', field: 'roomSessions', argument: 'first' } },
            { from: { type: 'RoomConnection', field: 'data' }, to: { type: 'RoomConnection', field: 'nodes' } },
            { from: { type: 'RoomSessionConnection', field: 'data' }, to: { type: 'RoomSessionConnection', field: 'nodes' } },
            { from: { type: 'Room', field: 'id' }, to: { type: 'Room', field: 'telnyxId' } },
            { from: { type: 'RoomSession', field: 'id' }, to: { type: 'RoomSession', field: 'telnyxId' } },
            { from: { type: 'RoomParticipant', field: 'id' }, to: { type: 'RoomParticipant', field: 'telnyxId' } },
          ],
        }),
      ],
    },
  ],
  additionalTypeDefs: /* GraphQL */ `
    extend type Room {
      sessions(first: Int!): RoomSessionConnection
        @resolveTo(
          sourceName: "Telnyx"
          sourceTypeName: "Query"
          sourceFieldName: "roomSessions"
          requiredSelectionSet: "{ telnyxId }"
          sourceArgs: { room_id: "{root.telnyxId}", first: "{args.first}" }
        )
    }
  `,
});
