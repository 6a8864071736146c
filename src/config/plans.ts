/** The maintenance plans as shipped (docs/maintenance.md). Config and env may override or add to them. */
export type Priority = 'high' | 'medium' | 'low';

export interface PlanDefinition {
  readonly name: string;
  /** `null` means on demand only. */
  readonly cron: string | null;
  readonly steps: readonly string[];
  readonly priority: Priority;
  readonly enabled: boolean;
  readonly timezone: string;
}

export const STEP_NAMES = [
  'healthCheck',
  'logAnalysis',
  'performance',
  'backupVerification',
  'cacheCleanup',
  'databaseMaintenance',
  'securityUpdates',
  'performanceOptimization',
  'weeklyDatabaseMaintenance',
  'cacheOptimization',
  'systemCleanup',
  'systemUpdates',
  'securityPatches',
  'performanceTuning',
  'capacityPlanning',
  'majorUpdates',
  'securityAudit',
  'performanceReview',
  'disasterRecovery',
  'securityHardening',
  'systemOptimization',
  'backup',
] as const;

export type StepName = (typeof STEP_NAMES)[number];

type PlanSeed = Omit<PlanDefinition, 'name' | 'timezone' | 'enabled'>;

export const DEFAULT_PLANS: Readonly<Record<string, PlanSeed>> = {
  daily: {
    cron: '0 2 * * *',
    priority: 'high',
    steps: ['healthCheck', 'logAnalysis', 'performance', 'backupVerification', 'cacheCleanup', 'databaseMaintenance'],
  },
  weekly: {
    cron: '0 3 * * 0',
    priority: 'high',
    steps: [
      'securityUpdates',
      'performanceOptimization',
      'weeklyDatabaseMaintenance',
      'cacheOptimization',
      'systemCleanup',
    ],
  },
  monthly: {
    cron: '0 4 1 * *',
    priority: 'medium',
    steps: ['systemUpdates', 'securityPatches', 'performanceTuning', 'capacityPlanning'],
  },
  quarterly: {
    cron: '0 5 1 1,4,7,10 *',
    priority: 'medium',
    steps: ['majorUpdates', 'securityAudit', 'performanceReview', 'disasterRecovery'],
  },
  preventive: {
    cron: null,
    priority: 'medium',
    steps: ['capacityPlanning', 'performanceTuning', 'securityHardening', 'disasterRecovery', 'systemOptimization'],
  },
  backup: { cron: '0 * * * *', priority: 'high', steps: ['backup'] },
};
