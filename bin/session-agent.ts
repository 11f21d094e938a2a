// Entry point of the session agent (agent/main.ts); the single-file bundle (agent/bundle.ts) starts here too.
import { main } from '../agent/main';

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`session-agent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
