import type { Command } from 'commander';

/** Backup commands are registered here. */
export function registerBackupCommands(_program: Command, _run: (json: boolean, fn: () => Promise<void>) => Promise<void>): void {}
