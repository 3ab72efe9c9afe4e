import type { Command } from 'commander';

// Placeholder until the simulate subcommand lands.
export function registerSimulateCommand(_program: Command): void {
  return;
}
