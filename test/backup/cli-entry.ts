// The backup commands alone, wired as src/cli/main.ts wires them, so the CLI tests do not
// depend on every other command's modules.
import { Command } from 'commander';
import { registerBackupCommands } from '../../src/cli/commands/backup.js';
import { configureProgram, run } from '../../src/cli/output.js';

const program = configureProgram(new Command('queuekeeper'), process.argv);
registerBackupCommands(program, run);
await program.parseAsync(process.argv);
