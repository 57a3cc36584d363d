#!/usr/bin/env node
/** The `trainlab` executable. */
import { main } from './program';

process.exitCode = await main(process.argv);
