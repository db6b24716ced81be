#!/usr/bin/env node
import { ignoreClosedOutput } from './commands/common.js';
import { buildProgram } from './program.js';

ignoreClosedOutput();
await buildProgram().parseAsync(process.argv);
