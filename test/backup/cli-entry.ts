// The backup commands alone, wired as src/cli/main.ts wires them, so the CLI tests do not
// depend on every other command's modules.
import { Command } from 'commander';
import { registerBackupCommands } from '../../src/cli/commands/backup.js';
import { fail } from '../../src/cli/output.js';

const program = new Command('queuekeeper');
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
registerBackupCommands(program, (json, fn) => fn().catch((e: unknown) => fail(e, json)));
await program.parseAsync(process.argv);
