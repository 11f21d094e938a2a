// Entry point of the operator CLI: builds and runs the program on the real process streams.
import { run } from '../cli/program';

process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
