// Types for dynalite (it ships none): the local DynamoDB of the local stack and the tests.
declare module 'dynalite' {
  import { type Server } from 'node:http';

  namespace dynalite {
    interface Options {
      /** LevelDB directory; in memory when omitted. */
      path?: string;
      /** How long tables stay CREATING / DELETING / UPDATING (default 500 ms each). */
      createTableMs?: number;
      deleteTableMs?: number;
      updateTableMs?: number;
      maxItemSizeKb?: number;
      ssl?: boolean;
      verbose?: boolean;
      debug?: boolean;
    }
  }

  /** An HTTP server speaking the DynamoDB API; call `listen` to start it. */
  function dynalite(options?: dynalite.Options): Server;
  export = dynalite;
}
