// Servers that tests start bind 127.0.0.1 on a free port (port 0) and close with their open
// connections, so parallel test files never collide and no socket outlives its test.
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

export interface Listening {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Drops open connections (keep-alive, requests left hanging) and stops listening. */
  close: () => Promise<void>;
}

export const listenOnFreePort = async (server: Server): Promise<Listening> => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};
