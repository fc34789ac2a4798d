#!/usr/bin/env node
// The `newsflow` command. Every command runs the same pure code as the workers; only `start`
// and `demo` run queues. Exit codes: 0 ok, 1 failure, 2 usage or config error.
import { Command, Option } from 'commander';
import { ConfigError } from './shared/config.js';
import { UsageError } from './shared/errors.js';
import { registerRunCommands } from './cli/run.commands.js';
import { registerToolCommands } from './cli/tool.commands.js';
import { registerOpsCommands } from './cli/ops.commands.js';
import { VERSION } from './shared/version.js';

const program = new Command();
program
  .name('newsflow')
  .description('Event-driven news ingestion: feeds in, clean tagged articles out, through BullMQ queues on Redis.')
  .version(VERSION)
  .addOption(new Option('-c, --config <file>', 'YAML config file').env('NEWSFLOW_CONFIG'))
  .showHelpAfterError()
  .exitOverride((err) => {
    // commander's own help/version exits are fine; usage errors exit 2.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

registerRunCommands(program);
registerToolCommands(program);
registerOpsCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof UsageError) {
    process.stderr.write(`newsflow: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`newsflow: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
