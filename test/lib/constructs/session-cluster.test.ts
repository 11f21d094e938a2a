// Running sessions in an existing cluster: imported cluster, subnets, security groups and task
// definitions from config, with ECS grants still scoped to that cluster and those definitions; and
// config that cannot work fails synth naming the key.
import { spawnSync } from 'node:child_process';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../contract/app-config';
import { TASK_MARKER_PATTERN } from '../../../contract/ecs-tasks';
import { parseDeployedProfiles } from '../../../lambdas/profile-config';
import { deployedParametersUnder } from '../../support/deployed-value';
import { StatefulStack } from '../../../lib/stacks/stateful-stack';
import { StatelessStack } from '../../../lib/stacks/stateless-stack';
import { SessionCluster } from '../../../lib/constructs/session-cluster';
import {
  type SynthesizedApp,
  actionsOf,
  allStatements,
  rawConfig,
  resourceListOf,
  resourcesOf,
  synthApp,
  tempOutdir,
} from '../../support/synth-app';

const CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/labs';
const TASK_ROLE = 'arn:aws:iam::123456789012:role/lab-task';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/lab-execution';

const importedConfig = () => {
  const raw = rawConfig();
  const demo = raw.profiles['demo'] ?? {};
  raw['cluster'] = { clusterArn: CLUSTER_ARN, subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'], assignPublicIp: false };
  raw.profiles = {
    notebook: { ...demo, image: undefined, command: undefined, taskDefinitionArn: 'notebook', containerName: 'jupyter', taskRoleArn: TASK_ROLE, executionRoleArn: EXECUTION_ROLE },
    ide: { ...demo, image: undefined, command: undefined, taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/ide:7' },
  };
  return JSON.parse(JSON.stringify(raw)) as ReturnType<typeof rawConfig>;
};

describe('SessionCluster with an imported cluster and task definitions', () => {
  let synth: SynthesizedApp;
  beforeAll(() => {
    synth = synthApp(importedConfig());
  });
  afterAll(() => synth?.cleanup());

  it('makes no cluster, VPC or task definition', () => {
    for (const type of ['AWS::ECS::Cluster', 'AWS::EC2::VPC', 'AWS::ECS::TaskDefinition', 'AWS::EC2::SecurityGroup']) {
      synth.statelessTemplate.resourceCountIs(type, 0);
    }
  });

  it('hands the configured cluster, subnets, security groups and public-IP choice to the functions', () => {
    synth.statelessTemplate.allResourcesProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CLUSTER_ARN: CLUSTER_ARN,
          TASK_SUBNET_IDS: 'subnet-a,subnet-b',
          TASK_SECURITY_GROUP_IDS: 'sg-1',
          TASK_ASSIGN_PUBLIC_IP: 'false',
        }),
      },
    });
  });

  it('allows RunTask of exactly the configured task definitions (any revision of a bare family), in that cluster', () => {
    const runTask = allStatements(synth.statelessTemplate).filter((s) => actionsOf(s).includes('ecs:RunTask'));
    expect(runTask).toHaveLength(1);
    const resources = JSON.stringify(resourceListOf(runTask[0] ?? { Effect: '', Action: [], Resource: [] }));
    expect(resources).toContain(':task-definition/notebook:*');
    expect(resources).toContain('arn:aws:ecs:eu-west-1:123456789012:task-definition/ide:7');
    expect(runTask[0]?.Condition).toEqual({ ArnEquals: { 'ecs:cluster': CLUSTER_ARN } });
  });

  it('passes only the configured task roles, to ECS tasks', () => {
    const passRole = allStatements(synth.statelessTemplate).filter(
      (s) => actionsOf(s).includes('iam:PassRole') && JSON.stringify(s.Condition).includes('ecs-tasks.amazonaws.com'),
    );
    expect(passRole).toHaveLength(1);
    expect(resourceListOf(passRole[0] ?? { Effect: '', Action: [], Resource: [] }).sort()).toEqual([EXECUTION_ROLE, TASK_ROLE]);
  });

  it('scopes StopTask and DescribeTasks to tasks of that cluster', () => {
    const stop = allStatements(synth.statelessTemplate).filter((s) => actionsOf(s).includes('ecs:StopTask'));
    for (const statement of stop) {
      expect(JSON.stringify(statement.Resource)).toContain(':task/labs/*');
      expect(statement.Condition).toEqual({ ArnEquals: { 'ecs:cluster': CLUSTER_ARN } });
    }
  });

  it('watches task state changes of that cluster', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ clusterArn: [CLUSTER_ARN] }) }),
    });
  });

  it('alarms on Container Insights of that cluster by name', () => {
    const alarms = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::CloudWatch::Alarm'));
    expect(JSON.stringify(alarms)).toContain('{"Name":"ClusterName","Value":"labs"}');
  });
});

describe('two deployments on one cluster', () => {
  /** Two stateless stacks of other names on the same imported cluster, as two teams would deploy them. */
  const twoDeployments = () => {
    const { outdir, cleanup } = tempOutdir();
    try {
      const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
      const config = parseConfig(importedConfig());
      const stateful = new StatefulStack(app, 'LabsStateful');
      const deploy = (name: string) => new StatelessStack(app, name, { config, sessions: stateful.sessions, idempotency: stateful.idempotency, workspaces: stateful.workspaces });
      const stacks = [deploy('LabsSessionsA'), deploy('LabsSessionsB')];
      return stacks.map((stack) => ({ stack, template: Template.fromStack(stack) }));
    } finally {
      cleanup();
    }
  };

  it('each gets its own marker, which its functions start and list tasks by and its rule matches', () => {
    const deployments = twoDeployments();

    const markers = deployments.map(({ stack }) => stack.cluster.taskMarker);
    expect(new Set(markers).size).toBe(2);
    for (const [i, { stack, template }] of deployments.entries()) {
      const marker = stack.cluster.taskMarker;
      expect(marker).toMatch(TASK_MARKER_PATTERN);
      expect(marker).toContain(stack.stackName);
      template.allResourcesProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ TASK_MARKER: marker }) } });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ detail: Match.objectLike({ clusterArn: [CLUSTER_ARN], startedBy: [marker] }) }),
      });
      expect(JSON.stringify(template.toJSON())).not.toContain(markers[1 - i]);
    }
  });

  it('a stack keeps its marker from one synth to the next', () => {
    expect(twoDeployments().map(({ stack }) => stack.cluster.taskMarker)).toEqual(twoDeployments().map(({ stack }) => stack.cluster.taskMarker));
  });
});

describe('SessionCluster config errors', () => {
  const synthFails = (change: (raw: ReturnType<typeof rawConfig>) => void): string => {
    const raw = rawConfig();
    change(raw);
    try {
      synthApp(raw).cleanup();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('synth did not fail');
  };

  it('names cluster.subnetIds when an imported cluster has none', () => {
    expect(synthFails((raw) => (raw['cluster'] = { clusterArn: CLUSTER_ARN }))).toContain('sessionExpiry.cluster.subnetIds');
  });

  it('names cluster.securityGroupIds when an imported cluster has neither security groups nor a VPC', () => {
    expect(synthFails((raw) => (raw['cluster'] = { clusterArn: CLUSTER_ARN, subnetIds: ['subnet-a'] }))).toContain('sessionExpiry.cluster.securityGroupIds');
  });

  it('names the profile that has neither an image nor a task definition', () => {
    expect(synthFails((raw) => delete raw.profiles['demo']?.['image'])).toContain('sessionExpiry.profiles.demo');
  });

  it('names logRetentionDays when CloudWatch does not offer that retention', () => {
    expect(synthFails((raw) => (raw['logRetentionDays'] = 42))).toContain('sessionExpiry.logRetentionDays');
  });
});

describe('SessionCluster: the session agent in the task definitions it makes', () => {
  let synth: SynthesizedApp;
  let scratch: ReturnType<typeof tempOutdir>;
  beforeAll(() => {
    synth = synthApp({ ...rawConfig(), profiles: { demo: rawConfig().profiles['demo'] } });
    scratch = tempOutdir();
  });
  afterAll(() => {
    synth?.cleanup();
    scratch?.cleanup();
  });

  type Container = { Name: string; Command?: string[]; Environment?: { Name: string; Value: unknown }[]; Secrets?: { Name: string; ValueFrom: unknown }[] } & Record<string, unknown>;
  const taskDefinition = () => {
    const [definition] = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::ECS::TaskDefinition'));
    return definition?.Properties as { ContainerDefinitions: Container[]; Volumes: unknown[] } & Record<string, unknown>;
  };
  const container = (name: string): Container => {
    const found = taskDefinition().ContainerDefinitions.find((c) => c.Name === name);
    if (found === undefined) throw new Error(`no container ${name}`);
    return found;
  };
  const bundleParameters = () =>
    Object.entries(resourcesOf(synth.statelessTemplate, 'AWS::SSM::Parameter')).filter(([id]) => id.includes('SessionAgentBundle'));

  it('adds the agent as a non-essential, non-root sidecar from a public Node image, with the profile settings and the status file', () => {
    const agent = container('session-agent');

    expect(agent).toMatchObject({ Essential: false, Image: 'public.ecr.aws/docker/library/node:22-alpine', User: '1000:1000', Memory: 64, StopTimeout: 10 });
    expect(agent.Command?.slice(0, 3)).toEqual(['node', '--max-old-space-size=32', '-e']);
    expect(agent.Environment).toEqual(
      expect.arrayContaining([
        { Name: 'SESSION_AGENT_CPUS', Value: '0.25' },
        { Name: 'SESSION_AGENT_STOP_TIMEOUT_SECONDS', Value: '10' },
        { Name: 'SESSION_STATUS_FILE', Value: '/run/session-agent/status.json' },
      ]),
    );
    expect(agent['MountPoints']).toEqual([{ SourceVolume: 'session-status', ContainerPath: '/run/session-agent', ReadOnly: false }]);
    expect(agent['DependsOn']).toEqual([{ ContainerName: 'session-status-init', Condition: 'SUCCESS' }]);
  });

  it('shares the status volume: made the agent\'s by a one-shot root chown, read-only for the workload, which is told the file', () => {
    expect(taskDefinition().Volumes).toEqual([{ Name: 'session-status' }]);
    expect(container('session-status-init')).toMatchObject({ Essential: false, User: '0:0', Command: ['chown', '1000:1000', '/run/session-agent'] });
    const workload = container('session');
    expect(workload['MountPoints']).toEqual([{ SourceVolume: 'session-status', ContainerPath: '/run/session-agent', ReadOnly: true }]);
    expect(workload.Environment).toEqual(expect.arrayContaining([{ Name: 'SESSION_STATUS_FILE', Value: '/run/session-agent/status.json' }]));
    // The containers reserve no more than the task's memory, which ECS would refuse.
    const reserved = taskDefinition().ContainerDefinitions.reduce((sum, c) => sum + Number(c['MemoryReservation'] ?? c['Memory'] ?? 0), 0);
    expect(reserved).toBeLessThanOrEqual(Number(taskDefinition()['Memory']));
  });

  it('keeps the bundle once per stack in standard parameters of at most 4 KB, read into the agent by ECS, and the task definition small', () => {
    const parameters = bundleParameters();
    expect(parameters.length).toBeGreaterThan(0);
    for (const [, parameter] of parameters) {
      expect(parameter.Properties).toMatchObject({ Type: 'String', Tier: 'Standard' });
      expect(String(parameter.Properties?.['Value']).length).toBeLessThanOrEqual(4096);
    }
    expect(container('session-agent').Secrets?.map((s) => s.Name)).toEqual(parameters.map((_, i) => `SESSION_AGENT_BUNDLE_${i}`));
    expect(Buffer.byteLength(JSON.stringify(taskDefinition()))).toBeLessThan(64 * 1024);
  });

  it('runs the bundle from those parameters with its own command: without a session it says so and exits 2', () => {
    const agent = container('session-agent');
    const parts = Object.fromEntries(bundleParameters().map(([, p], i) => [`SESSION_AGENT_BUNDLE_${i}`, String(p.Properties?.['Value'])]));
    const [node, ...args] = agent.Command ?? [];

    const run = spawnSync(node === 'node' ? process.execPath : String(node), args, { env: { ...parts, TMPDIR: scratch.outdir }, encoding: 'utf8' });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('session-agent: SESSION_ID and SESSION_API_URL must be set');
  });

  it('tells the functions which container is the agent, so RunTask gives it the session variables', () => {
    const parameters = resourcesOf(synth.statelessTemplate, 'AWS::SSM::Parameter');
    const { targets } = parseDeployedProfiles(deployedParametersUnder(parameters, '/SessionExpiryStateless/profiles'), 'test');

    expect(targets['demo']).toMatchObject({ containerName: 'session', agentContainerName: 'session-agent' });
  });
});

describe('SessionCluster: a profile with a workspace (README "Workspaces")', () => {
  const WORKSPACE = { sizeGiB: 10, mountPath: '/home/user/work', retentionDays: 30 };
  const clusterWith = (profiles: Record<string, Record<string, unknown>>) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Workspaces', { stackName: 'Workspaces', env: { account: '123456789012', region: 'eu-west-1' } });
    const cluster = new SessionCluster(stack, 'Tasks', { config: parseConfig({ ...rawConfig(), profiles }), logRetention: RetentionDays.ONE_WEEK });
    return { cluster, template: Template.fromStack(stack) };
  };
  const demo = () => rawConfig().profiles['demo'] ?? {};

  it('declares the workspace volume configured at launch, mounted at mountPath in the workload container', () => {
    const { template } = clusterWith({ studio: { ...demo(), workspace: WORKSPACE } });

    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: Match.arrayWith([{ Name: 'workspace', ConfiguredAtLaunch: true }]),
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Name: 'session',
          MountPoints: Match.arrayWith([{ SourceVolume: 'workspace', ContainerPath: '/home/user/work', ReadOnly: false }]),
          Environment: Match.arrayWith([{ Name: 'SESSION_WORKSPACE_DIR', Value: '/home/user/work' }]),
          DependsOn: [{ ContainerName: 'session-status-init', Condition: 'SUCCESS' }],
        }),
        // A new volume's root is root's: the one-shot init makes it the user's before the workload starts.
        Match.objectLike({
          Name: 'session-status-init',
          Command: ['chown', '1000:1000', Match.anyValue(), '/workspace'],
          MountPoints: Match.arrayWith([{ SourceVolume: 'workspace', ContainerPath: '/workspace', ReadOnly: false }]),
        }),
      ]),
    });
  });

  it('makes one ECS infrastructure role for volumes, assumable by ECS for this account and region only', () => {
    const { cluster, template } = clusterWith({ studio: { ...demo(), workspace: WORKSPACE }, lab: { ...demo(), workspace: WORKSPACE } });

    expect(cluster.volumesRoleArns).toHaveLength(1);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes'])]) })]) }, 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'ecs.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: { 'aws:SourceArn': Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':ecs:eu-west-1:123456789012:*'])]) }) },
            },
          }),
        ],
      },
    });
  });

  it('makes no infrastructure role and no volume without a workspace', () => {
    const { cluster, template } = clusterWith({ demo: demo() });

    expect(cluster.volumesRoleArns).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('AmazonECSInfrastructureRolePolicyForVolumes');
    expect(JSON.stringify(template.toJSON())).not.toContain('ConfiguredAtLaunch');
  });

  it('refuses a workspace on a configured task definition, which the stack cannot give the volume', () => {
    const profile = { ...demo(), image: undefined, command: undefined, taskDefinitionArn: 'notebook', workspace: WORKSPACE };

    expect(() => clusterWith({ notebook: JSON.parse(JSON.stringify(profile)) as Record<string, unknown> })).toThrow(
      'sessionExpiry.profiles.notebook.workspace: needs a profile with image',
    );
  });
});
