// The Apollo Client type policies of README.md ("Apollo Client"), between the markers below exactly as the
// README shows them (TestApolloClientRecipes compares the two), for recipes.mjs to run.
import { relayStylePagination } from '@apollo/client/utilities';

// README: begin
// Every connection pages with relayStylePagination; keyArgs are the arguments that pick the list (not the
// window: first/after/last/before). Query.node reads an object already in the cache: a global id says
// its type (base64 of "Type:uuid").
const typeOfGlobalId = (id) => {
  try {
    return atob(id).split(':')[0];
  } catch {
    return undefined;
  }
};
export const typePolicies = {
  Query: {
    fields: {
      rooms: relayStylePagination(['filter']),
      roomSessions: relayStylePagination(['roomId', 'filter']),
      roomParticipants: relayStylePagination(['sessionId', 'filter']),
      node: {
        read: (existing, { args, toReference }) =>
          existing ?? (typeOfGlobalId(args.id) && toReference({ __typename: typeOfGlobalId(args.id), id: args.id })),
      },
    },
  },
  Room: { fields: { sessions: relayStylePagination(['filter']) } },
  RoomSession: { fields: { participantsConnection: relayStylePagination(['filter']) } },
};
// README: end
