import { Command } from 'commander';
import { configureProgram, run } from './output.js';
import { health } from './commands/health.js';
import { keysCreate, migrate } from './commands/keys.js';
import { maintenanceHistory, maintenanceRun, maintenanceSchedule, maintenanceShow } from './commands/maintenance.js';
import { serve } from './commands/serve.js';
import { registerBackupCommands } from './commands/backup.js';
import { drawVerify } from './commands/draw.js';

const program = configureProgram(
  new Command('queuekeeper').description('Virtual queues that maintain themselves').showHelpAfterError(),
  process.argv,
);

program
  .command('serve')
  .description('Serve the HTTP API, the dashboard and the scheduler')
  .action(() => run(false, serve));
program
  .command('migrate')
  .description('Apply database migrations')
  .option('--json', 'print one JSON document')
  .action((o: { json?: boolean }) => run(!!o.json, () => migrate(!!o.json)));
program
  .command('health')
  .description('Ask the running server whether it is ready')
  .option('--json', 'print one JSON document')
  .action((o: { json?: boolean }) => run(!!o.json, () => health(!!o.json)));

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .requiredOption('--role <role>', 'admin, operator or site')
  .requiredOption('--name <name>', 'a name to recognise the key by')
  .option('--queue <id>', 'the waiting room a site key belongs to (site keys only)')
  .option('--json', 'print one JSON document')
  .action((o: { role: string; name: string; queue?: string; json?: boolean }) =>
    run(!!o.json, () => keysCreate({ role: o.role, name: o.name, queueId: o.queue ?? null, json: !!o.json })),
  );

const m = program.command('maintenance').description('Maintenance plans and runs');
m.command('run <target>')
  .description('Run a plan or a single step now and wait for its result')
  .option('--json', 'print one JSON document')
  .option('--key <key>', 'admin key for the running server')
  .action((target: string, o: { json?: boolean; key?: string }) =>
    run(!!o.json, () => maintenanceRun(target, { json: !!o.json, ...(o.key ? { key: o.key } : {}) })),
  );
m.command('schedule')
  .option('--json', 'print one JSON document')
  .action((o: { json?: boolean }) => run(!!o.json, () => maintenanceSchedule(!!o.json)));
m.command('history')
  .option('--limit <n>', 'how many runs', '20')
  .option('--plan <plan>', 'only this plan')
  .option('--json', 'print one JSON document')
  .action((o: { limit: string; plan?: string; json?: boolean }) =>
    run(!!o.json, () => maintenanceHistory({ json: !!o.json, limit: o.limit, ...(o.plan ? { plan: o.plan } : {}) })),
  );
m.command('show <runId>')
  .option('--format <format>', 'json, md or html')
  .option('--json', 'same as --format json')
  .action((id: string, o: { format?: string; json?: boolean }) =>
    run(!!o.json, () => maintenanceShow(id, { json: !!o.json, ...(o.format ? { format: o.format } : {}) })),
  );

registerBackupCommands(program, run);

const draw = program.command('draw').description('Random draws of waiting rooms');
draw
  .command('verify <queue>')
  .description('Check from what the room publishes that its random draw was fair')
  .option('--url <url>', 'the queuekeeper server (default: this installation’s address)')
  .option('--commitment <hex>', 'the commitment you noted before the draw')
  .option('--ticket <id>', 'a ticket whose place to show (repeatable)', (v: string, all: string[]) => [...all, v], [])
  .option('--json', 'print one JSON document')
  .action((queue: string, o: { url?: string; commitment?: string; ticket: string[]; json?: boolean }) =>
    run(!!o.json, () =>
      drawVerify(queue, {
        json: !!o.json,
        tickets: o.ticket,
        ...(o.url ? { url: o.url } : {}),
        ...(o.commitment ? { commitment: o.commitment } : {}),
      }),
    ),
  );

await program.parseAsync(process.argv);
