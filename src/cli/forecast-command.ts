import type { Command } from 'commander';

// Placeholder until the forecast subcommand lands.
export function registerForecastCommand(_program: Command): void {
  return;
}
