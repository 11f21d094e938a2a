// A stand-in for the X-Ray daemon Lambda runs beside every function: a UDP socket on 127.0.0.1
// that takes whatever trace segments the X-Ray SDK sends and keeps them, so nothing is sent
// anywhere else and a test may look at what was traced.
import { createSocket } from 'node:dgram';

export interface XrayDaemonFake {
  /** `127.0.0.1:<port>`, the form of AWS_XRAY_DAEMON_ADDRESS. */
  address: string;
  segments: string[];
  close(): Promise<void>;
}

export const startXrayDaemonFake = async (): Promise<XrayDaemonFake> => {
  const socket = createSocket('udp4');
  const segments: string[] = [];
  socket.on('message', (message) => segments.push(message.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    address: `127.0.0.1:${socket.address().port}`,
    segments,
    close: () => (closed ??= new Promise<void>((resolve) => socket.close(() => resolve()))),
  };
};
