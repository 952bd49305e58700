// hive-gateway configuration for the Hive Gateway contender of bench/run.sh (supergraph: mesh.config.ts).
// Env: PORT (loopback port), BENCH_AUTH (key | forward), TELNYX_API_KEY (key mode), TELNYX_BASE_URL (read by
// the supergraph's transport). Key mode sends the server key upstream; forward mode propagates each caller's
// own Authorization header to the subgraph (Hive's header propagation), like roomgraph's ROOMGRAPH_AUTH=forward.
import { defineConfig } from '@graphql-hive/gateway';

const forward = process.env.BENCH_AUTH === 'forward';
const serverKey = `Bearer ${process.env.TELNYX_API_KEY ?? ''}`;

export const gatewayConfig = defineConfig({
  supergraph: './supergraph.graphql',
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 4813),
  logging: 'warn',
  // Like roomgraph's room(id:) when only sessions are selected: no upstream call for the room itself.
  additionalTypeDefs: /* GraphQL */ `
    extend type Query {
      room(id: ID!): Room
    }
  `,
  additionalResolvers: {
    Query: {
      room: (_root: unknown, args: { id: string }) => ({ telnyxId: args.id }),
    },
  },
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      if (forward) {
        const auth = request.headers.get('authorization');
        return auth ? { authorization: auth } : {};
      }
      return { authorization: serverKey };
    },
  },
});
