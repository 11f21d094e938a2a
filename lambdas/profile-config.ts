// A configured profile, as the domain sees it: the composition roots (Lambda wiring, local stack)
// turn the validated configuration into the profiles the use cases check requests against. On
// Lambda the profiles come as the documents the stack deployed, validated here by the schema the
// configuration composes (contract/profile-schema.ts), so the runtime accepts exactly what the CDK
// app accepts, with the same messages.
import { type AppConfig } from '../contract/app-config';
import { ConfigError } from '../contract/config-error';
import { type ProfileConfig, profilesSchema } from '../contract/profile-schema';
import * as v from '../contract/valibot';
import { type EcsProfileTarget } from './adapters/aws/ecs-task-runner';
import { type DeployedProfiles, type ProfileDocuments } from './adapters/aws/profile-store';
import { type Profile } from './domain/profile';

/** The domain view of a configured profile. */
export const toProfile = (name: string, p: ProfileConfig): Profile => ({
  name,
  ...(p.description !== undefined && { description: p.description }),
  idleTimeoutSeconds: p.idleTimeoutSeconds,
  maxLifetimeSeconds: p.maxLifetimeSeconds,
  ...(p.disconnectGraceSeconds !== undefined && { disconnectGraceSeconds: p.disconnectGraceSeconds }),
  ...(p.warnBeforeSeconds !== undefined && { warnBeforeSeconds: p.warnBeforeSeconds }),
  ...(p.scheduledStop !== undefined && { scheduledStop: { cron: p.scheduledStop.cron, timezone: p.scheduledStop.timezone } }),
  ...(p.busy !== undefined && { busy: { ...p.busy } }),
  resourceWarningPercent: p.resourceWarningPercent,
  activeWithinSeconds: p.activeWithinSeconds,
  idleWithinSeconds: p.idleWithinSeconds,
  stopTimeoutSeconds: p.stopTimeoutSeconds,
  maxSessionsPerOwner: p.maxSessionsPerOwner,
  ...(p.taskRoleArn !== undefined && { taskRoleArn: p.taskRoleArn }),
  ...(p.workspace !== undefined && {
    workspace: {
      sizeGiB: p.workspace.sizeGiB,
      mountPath: p.workspace.mountPath,
      retentionSeconds: p.workspace.retentionDays * DAY_SECONDS,
      ...(p.workspace.warnBeforeDays !== undefined && { warnBeforeSeconds: p.workspace.warnBeforeDays * DAY_SECONDS }),
    },
  }),
});

const DAY_SECONDS = 86_400;

/**
 * The profiles as the local stack runs them: a workspace's retention and warning may be given in
 * seconds there (`local.workspaceRetentionSeconds`, `local.workspaceWarnBeforeSeconds`), for demos
 * and tests that cannot wait days.
 */
export const profilesRunLocallyOf = (config: AppConfig): Record<string, Profile> =>
  Object.fromEntries(
    Object.entries(config.profiles).map(([name, p]) => {
      const profile = toProfile(name, p);
      if (profile.workspace === undefined || p.local === undefined) return [name, profile];
      const { workspaceRetentionSeconds: retention, workspaceWarnBeforeSeconds: warn } = p.local;
      const warnBeforeSeconds = warn ?? (retention === undefined ? profile.workspace.warnBeforeSeconds : undefined);
      const workspace = {
        sizeGiB: profile.workspace.sizeGiB,
        mountPath: profile.workspace.mountPath,
        retentionSeconds: retention ?? profile.workspace.retentionSeconds,
        ...(warnBeforeSeconds !== undefined && { warnBeforeSeconds }),
      };
      return [name, { ...profile, workspace }];
    }),
  );

export const profilesOf = (config: AppConfig): Record<string, Profile> =>
  Object.fromEntries(Object.entries(config.profiles).map(([name, p]) => [name, toProfile(name, p)]));

/**
 * The deployed profiles: one JSON document per profile (the configuration's profile with its task
 * definition resolved by CDK, lib/constructs/session-cluster.ts `DeployedProfile`). Throws
 * ConfigError naming every bad document and key as `<source>/<profile>.<key>`.
 */
export const parseDeployedProfiles = (documents: ProfileDocuments, source: string): DeployedProfiles => {
  const invalid = (problems: string[]): ConfigError => new ConfigError(`invalid profiles: ${problems.join('; ')}`);
  const json: Record<string, unknown> = {};
  const notJson: string[] = [];
  for (const [name, text] of Object.entries(documents)) {
    try {
      json[name] = JSON.parse(text ?? '') as unknown;
    } catch {
      notJson.push(`${source}/${name} must be JSON`);
    }
  }
  if (notJson.length > 0) throw invalid(notJson);
  const parsed = v.safeParse(profilesSchema, json);
  if (!parsed.success) throw invalid(parsed.issues.map((issue) => `${source}/${v.pathOf(issue)} ${issue.message}`));
  const profiles: Record<string, Profile> = {};
  const targets: Record<string, EcsProfileTarget> = {};
  const missingTask: string[] = [];
  for (const [name, config] of Object.entries(parsed.output)) {
    if (config.taskDefinitionArn === undefined) {
      missingTask.push(`${source}/${name}.taskDefinitionArn is missing`);
      continue;
    }
    profiles[name] = toProfile(name, config);
    const agentContainerName = config.agent?.containerName;
    targets[name] = { taskDefinitionArn: config.taskDefinitionArn, containerName: config.containerName, ...(agentContainerName !== undefined && { agentContainerName }) };
  }
  if (missingTask.length > 0) throw invalid(missingTask);
  return { profiles, targets };
};
