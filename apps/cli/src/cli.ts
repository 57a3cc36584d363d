#!/usr/bin/env node
/** The `trainlab` executable. */
import { main } from './program';

// A closed pipe (`trainlab --json … | head -n 1`) ends the command quietly, as it does for every
// Unix tool: finished cells are already in the store (each is committed as it finishes).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

process.exitCode = await main(process.argv);
