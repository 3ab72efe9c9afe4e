#!/usr/bin/env node
// The westward command line: one program, a subcommand per capability.
import { Command } from 'commander';
import { exitOnInputError, printOneLine } from './errors.ts';
import { registerForecastCommand } from './forecast-command.ts';
import { westwardVersion } from '../version.ts';
import { registerSimulateCommand } from './simulate-command.ts';

const program = new Command('westward')
  .description('Place industrial AI inference in the computing hubs with the most renewable energy')
  .version(westwardVersion())
  // Subcommands inherit this: commander's own errors, suggestion included, stay one line.
  .configureOutput({ outputError: printOneLine });
registerForecastCommand(program);
registerSimulateCommand(program);
await program.parseAsync(process.argv).catch(exitOnInputError);
