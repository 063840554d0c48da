import type { Register } from '../context.js';

/**
 * Every command, with the names it registers and a loader for its module. Only the module of the command being
 * run is imported (all of them for `--help`), so keep heavy imports inside command modules, never here.
 * Add a command: one entry `{ names: ['x'], load: async () => (await import('./x.js')).registerX }`.
 */
export const COMMANDS: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['init'], load: async () => (await import('./init.js')).registerInitCommand },
  { names: ['order', 'start', 'cancel', 'report', 'doubt', 'answer'], load: async () => (await import('./write.js')).registerWriteCommands },
  { names: ['show', 'list', 'pending', 'next'], load: async () => (await import('./read.js')).registerReadCommands },
  { names: ['log'], load: async () => (await import('./log.js')).registerLogCommand },
  { names: ['validate'], load: async () => (await import('./validate.js')).registerValidateCommand },
  { names: ['worker'], load: async () => (await import('./worker.js')).registerWorkerCommand },
  { names: ['dashboard'], load: async () => (await import('./dashboard.js')).registerDashboardCommand },
  { names: ['doctor'], load: async () => (await import('./doctor.js')).registerDoctorCommand },
  { names: ['up'], load: async () => (await import('./up.js')).registerUpCommand },
  { names: ['demo'], load: async () => (await import('./demo.js')).registerDemoCommand },
  { names: ['watch'], load: async () => (await import('./watch.js')).registerWatchCommand },
  { names: ['status'], load: async () => (await import('./status.js')).registerStatusCommand },
  { names: ['metrics'], load: async () => (await import('./metrics.js')).registerMetricsCommand },
  { names: ['conflicts'], load: async () => (await import('./conflicts.js')).registerConflictsCommand },
  { names: ['daemon'], load: async () => (await import('./daemon.js')).registerDaemonCommand },
  { names: ['alerts'], load: async () => (await import('./alerts.js')).registerAlertsCommand },
  { names: ['archive'], load: async () => (await import('./archive.js')).registerArchiveCommand },
  { names: ['mcp'], load: async () => (await import('./mcp.js')).registerMcpCommand },
  { names: ['prompt'], load: async () => (await import('./prompt.js')).registerPromptCommand },
  { names: ['wait'], load: async () => (await import('./wait.js')).registerWaitCommand },
  { names: ['launch'], load: async () => (await import('./launch.js')).registerLaunchCommand },
  { names: ['summary'], load: async () => (await import('./summary.js')).registerSummaryCommand },
  { names: ['sync'], load: async () => (await import('./sync.js')).registerSyncCommand },
  { names: ['attach'], load: async () => (await import('./attach.js')).registerAttachCommand },
  { names: ['migrate'], load: async () => (await import('./migrate.js')).registerMigrateCommand },
  { names: ['hook'], load: async () => (await import('./hook.js')).registerHookCommand },
  { names: ['approve', 'reject'], load: async () => (await import('./review.js')).registerReviewCommands },
];
