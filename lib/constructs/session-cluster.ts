// Where session tasks run: by default a new ECS cluster (Container Insights) in a small VPC with a
// Fargate task definition per profile that names an `image`; or an existing cluster, subnets and
// task definitions from the config. Says which task definitions and roles a RunTask here uses, so
// the grants (lib/constructs/bindings.ts) stay scoped to this one cluster.
import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, Peer, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerImage, ContainerInsights, FargateTaskDefinition, LogDrivers } from 'aws-cdk-lib/aws-ecs';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type AppConfig, ConfigError, type ProfileConfig } from '../../contract/app-config';
import { WORKSPACE_VOLUME_NAME, taskMarkerFor } from '../../contract/ecs-tasks';
import { acknowledgeLogGroupControls, control } from '../nag/control-tower';
import { type StringParameter } from 'aws-cdk-lib/aws-ssm';
import { AGENT_CONTAINER_NAME, SIDECARS_MEMORY_MIB, addSessionAgentSidecar, agentBundleParameters } from './session-agent-sidecar';
import { type SessionFunction } from './session-function';

/** What the functions read for a profile (ProfileParameters): the profile config with the task to run resolved. */
export type DeployedProfile = Omit<ProfileConfig, 'local'> & { taskDefinitionArn: string; containerName: string };

const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';
/** The principal of the ECS infrastructure role, which creates and attaches the workspaces' volumes. */
export const ECS_SERVICE = 'ecs.amazonaws.com';
const VOLUMES_POLICY = 'AmazonECSInfrastructureRolePolicyForVolumes';

/** The user (uid:gid) of containers in task definitions the stack makes: never root. */
const SESSION_USER = '1000:1000';

export interface SessionClusterProps {
  config: AppConfig;
  logRetention: RetentionDays;
}

const configError = (key: string, message: string): ConfigError =>
  new ConfigError(`invalid configuration:\n  sessionExpiry.${key}: ${message}`);

export class SessionCluster extends Construct {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly assignPublicIp: boolean;
  readonly profiles: Record<string, DeployedProfile> = {};
  /**
   * The `startedBy` marker of the tasks this deployment starts (the functions get it as TASK_MARKER;
   * the task-state rule and ListTasks filter on it). Derived from the stack name, which is unique in
   * the account and region, the only place a cluster can be shared: another deployment's stack has
   * another name, so another marker, and neither ever sees the other's tasks.
   */
  readonly taskMarker: string;
  /** Set when the stack made the cluster (Container Insights alarms need its name). */
  readonly containerInsights: boolean;
  /** What RunTask may run: each profile's task definition (a bare family: any revision). */
  readonly taskDefinitionResources: string[] = [];
  /** The task and execution roles of those task definitions, which RunTask passes to ECS. */
  readonly taskRoleArns: string[] = [];
  /**
   * The ECS infrastructure role RunTask names for a workspace's volume (README "Workspaces"): made
   * with the first profile that has a `workspace`, none otherwise; the starter passes it to ECS.
   */
  volumesRole: Role | undefined;
  /** The task definitions with a workspace volume, by profile: their volume's fill is alarmed on (Monitoring). */
  readonly workspaceVolumes: { profile: string; id: string; taskDefinitionFamily: string }[] = [];
  private madeTaskRoles: { taskRole: Role; executionRole: Role } | undefined;
  /** The session agent's bundle, once for every task definition made here. */
  private agentBundle: StringParameter[] | undefined;

  constructor(scope: Construct, id: string, props: SessionClusterProps) {
    super(scope, id);
    const { config } = props;
    const stackName = Stack.of(this).stackName;
    if (Token.isUnresolved(stackName)) throw new Error('SessionCluster needs a stack with a literal stack name (its task marker derives from it)');
    this.taskMarker = taskMarkerFor(stackName);
    const imported = config.cluster.clusterArn;
    if (imported === undefined) {
      const made = this.makeCluster(props.logRetention);
      this.clusterArn = made.clusterArn;
      this.clusterName = made.clusterName;
      this.subnetIds = made.subnetIds;
      this.securityGroupIds = made.securityGroupIds;
      // Public subnets and no NAT gateway: tasks need a public IP to pull images (see makeCluster).
      this.assignPublicIp = true;
      this.containerInsights = true;
    } else {
      if (!imported.startsWith('arn:')) throw configError('cluster.clusterArn', 'must be a cluster ARN');
      const subnets = config.cluster.subnetIds ?? [];
      if (subnets.length === 0) throw configError('cluster.subnetIds', 'is needed with cluster.clusterArn');
      this.clusterArn = imported;
      this.clusterName = Arn.split(imported, ArnFormat.SLASH_RESOURCE_NAME).resourceName ?? '';
      this.subnetIds = subnets;
      this.securityGroupIds = this.importedSecurityGroups(config);
      this.assignPublicIp = config.cluster.assignPublicIp;
      this.containerInsights = false;
    }
    const taskLogs = new LogGroup(this, 'TaskLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    acknowledgeLogGroupControls(taskLogs, props.logRetention);
    for (const [name, profile] of Object.entries(config.profiles)) this.addProfile(name, profile, taskLogs);
  }

  /**
   * Two AZs, public subnets only, no NAT gateway: a NAT gateway costs money every hour even with no
   * session running, and the demo tasks only need to pull a public image and call the API. Tasks
   * get a public IP for that (RunTask's assignPublicIp, so the subnets themselves assign none to
   * anything else); their security group allows no inbound traffic at all.
   */
  private makeCluster(logRetention: RetentionDays) {
    const flowLogs = new LogGroup(this, 'FlowLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    acknowledgeLogGroupControls(flowLogs, logRetention);
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'tasks', subnetType: SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false }],
      flowLogs: { all: { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.ALL } },
    });
    const cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENHANCED });
    Validations.of(cluster).acknowledge(
      control(
        'CT.ECS.PR.2',
        'Container Insights is on, with enhanced observability (containerInsights "enhanced", a superset of "enabled" that adds task-level metrics); the control accepts only the older value "enabled".',
      ),
    );
    const securityGroup = new SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description: 'Session tasks: no inbound, outbound to pull images and report activity',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS: image pull and activity reports to the API');
    return {
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      subnetIds: vpc.publicSubnets.map((s) => s.subnetId),
      securityGroupIds: [securityGroup.securityGroupId],
    };
  }

  private importedSecurityGroups(config: AppConfig): string[] {
    const given = config.cluster.securityGroupIds ?? [];
    if (given.length > 0) return given;
    const vpcId = config.cluster.vpcId;
    if (vpcId === undefined) throw configError('cluster.securityGroupIds', 'is needed with cluster.clusterArn (or give cluster.vpcId)');
    const vpc = Vpc.fromVpcAttributes(this, 'ImportedVpc', { vpcId, availabilityZones: [] });
    const sg = new SecurityGroup(this, 'TaskSecurityGroup', { vpc, description: 'Session tasks: no inbound', allowAllOutbound: true });
    return [sg.securityGroupId];
  }

  private addProfile(name: string, profile: ProfileConfig, taskLogs: LogGroup): void {
    const { local: _local, ...rest } = profile;
    // The volume must be declared in the task definition, which the stack makes only from an image.
    if (profile.workspace !== undefined && profile.image === undefined) {
      throw configError(`profiles.${name}.workspace`, 'needs a profile with image: the stack makes its task definition with the workspace volume (README "Workspaces")');
    }
    if (profile.taskDefinitionArn !== undefined && profile.image !== undefined) {
      throw configError(`profiles.${name}`, 'give either image or taskDefinitionArn, not both');
    }
    if (profile.taskDefinitionArn !== undefined) {
      this.profiles[name] = { ...rest, taskDefinitionArn: profile.taskDefinitionArn, containerName: profile.containerName };
      this.taskDefinitionResources.push(this.taskDefinitionResource(profile.taskDefinitionArn));
      for (const arn of [profile.taskRoleArn, profile.executionRoleArn]) if (arn !== undefined) this.taskRoleArns.push(arn);
      return;
    }
    if (profile.image === undefined) throw configError(`profiles.${name}`, 'needs image or taskDefinitionArn to run on ECS');
    const taskDefinition = new FargateTaskDefinition(this, `${pascal(name)}TaskDefinition`, {
      cpu: profile.cpu,
      memoryLimitMiB: profile.memoryMiB,
      ...this.rolesOfMadeTasks(),
    });
    const logging = LogDrivers.awsLogs({ streamPrefix: name, logGroup: taskLogs });
    const workload = taskDefinition.addContainer(profile.containerName, {
      image: ContainerImage.fromRegistry(profile.image),
      essential: true,
      // The whole task's memory as the container's hard limit, and never root (README "Control
      // Tower proactive controls"): uid/gid 1000, the usual first non-root user of workspace images.
      // Its reservation leaves room for the agent's sidecars: ECS refuses a task definition whose
      // containers reserve more than the task's memory.
      memoryLimitMiB: profile.memoryMiB,
      memoryReservationMiB: profile.memoryMiB - SIDECARS_MEMORY_MIB,
      user: SESSION_USER,
      ...(profile.command !== undefined && { command: profile.command }),
      stopTimeout: Duration.seconds(profile.stopTimeoutSeconds),
      ...(profile.containerPort !== undefined && { portMappings: [{ containerPort: profile.containerPort }] }),
      logging,
    });
    if (profile.workspace !== undefined) {
      // Configured at launch: RunTask gives each session its own volume, from the owner's snapshot.
      taskDefinition.addVolume({ name: WORKSPACE_VOLUME_NAME, configuredAtLaunch: true });
      workload.addMountPoints({ sourceVolume: WORKSPACE_VOLUME_NAME, containerPath: profile.workspace.mountPath, readOnly: false });
      workload.addEnvironment('SESSION_WORKSPACE_DIR', profile.workspace.mountPath);
      this.volumesRole ??= this.makeVolumesRole();
      this.workspaceVolumes.push({ profile: name, id: `${pascal(name)}WorkspaceDisk`, taskDefinitionFamily: taskDefinition.family });
    }
    this.agentBundle ??= agentBundleParameters(this);
    addSessionAgentSidecar(taskDefinition, {
      profile,
      bundle: this.agentBundle,
      workload,
      logging,
      user: SESSION_USER,
      ...(profile.workspace !== undefined && { workspaceVolume: WORKSPACE_VOLUME_NAME }),
    });
    Validations.of(taskDefinition).acknowledge(
      control(
        'CT.ECS.PR.6',
        'A session container is one user\'s interactive workspace (an IDE, a notebook) that writes to its own filesystem; Fargate task storage is ephemeral and gone when the session ends.',
      ),
    );
    // The task role goes to the functions too: a task reporting with its own identity must run as it.
    this.profiles[name] = {
      ...rest,
      taskDefinitionArn: taskDefinition.taskDefinitionArn,
      containerName: profile.containerName,
      taskRoleArn: taskDefinition.taskRole.roleArn,
      agent: { ...profile.agent, containerName: AGENT_CONTAINER_NAME },
    };
    this.taskDefinitionResources.push(taskDefinition.taskDefinitionArn);
  }

  /**
   * One task role and one execution role for every task definition the stack makes: neither holds
   * anything of one profile (the task role may only report activity on the task route, the execution
   * role writes to the one task log group), and two roles in all instead of two roles and a policy per profile keeps many
   * profiles inside CloudFormation's 500 resources per stack (README, Known limits).
   */
  private rolesOfMadeTasks(): { taskRole: Role; executionRole: Role } {
    if (this.madeTaskRoles === undefined) {
      const assumedBy = new ServicePrincipal(ECS_TASKS_SERVICE);
      this.madeTaskRoles = {
        taskRole: new Role(this, 'SessionTaskRole', { assumedBy, description: 'Role of session tasks: may only report activity on the task route' }),
        executionRole: new Role(this, 'SessionExecutionRole', { assumedBy, description: 'ECS starting session tasks: writes their logs' }),
      };
      this.taskRoleArns.push(this.madeTaskRoles.taskRole.roleArn, this.madeTaskRoles.executionRole.roleArn);
    }
    return this.madeTaskRoles;
  }

  /**
   * The ECS infrastructure role for volumes: ECS assumes it (for this account's ECS resources in this
   * region only: the confused-deputy guards) to create, attach and detach the sessions' EBS volumes.
   * The AWS managed policy acts only on volumes ECS itself created and tagged (AmazonECSCreated,
   * AmazonECSManaged), so a scoped copy would hold nothing less and fall behind ECS's own changes.
   */
  private makeVolumesRole(): Role {
    const stack = Stack.of(this);
    const role = new Role(this, 'WorkspaceVolumesRole', {
      assumedBy: new ServicePrincipal(ECS_SERVICE).withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ecs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
      }),
      description: 'ECS infrastructure role: creates and attaches the EBS volumes of session workspaces',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName(`service-role/${VOLUMES_POLICY}`)],
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${VOLUMES_POLICY}]`,
      reason:
        'The ECS-managed policy for the infrastructure role of task volumes, which ECS recommends: it acts only on volumes ECS created and tagged (AmazonECSCreated/AmazonECSManaged), and ECS keeps it in step with what attaching volumes needs.',
    });
    return role;
  }

  /** The infrastructure role RunTask passes to ECS, as a list (none without workspaces). */
  get volumesRoleArns(): string[] {
    return this.volumesRole === undefined ? [] : [this.volumesRole.roleArn];
  }

  /** An IAM resource for a configured task definition: ARN, family:revision or family (any revision). */
  private taskDefinitionResource(value: string): string {
    const stack = Stack.of(this);
    if (value.startsWith('arn:')) return /:\d+$/.test(value) ? value : `${value}:*`;
    const resourceName = /:\d+$/.test(value) ? value : `${value}:*`;
    return stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }

  /** `arn:...:task/<cluster>/*`: the tasks of this cluster. */
  get tasksArn(): string {
    return Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.clusterName}/*` });
  }

  /** Sets the ECS variables on a function (its grants come from contract/function-calls.ts). */
  addEnvironmentTo(fn: SessionFunction): void {
    fn.addEnvironment('CLUSTER_ARN', this.clusterArn);
    fn.addEnvironment('TASK_SUBNET_IDS', this.subnetIds.join(','));
    fn.addEnvironment('TASK_SECURITY_GROUP_IDS', this.securityGroupIds.join(','));
    fn.addEnvironment('TASK_ASSIGN_PUBLIC_IP', String(this.assignPublicIp));
    fn.addEnvironment('TASK_MARKER', this.taskMarker);
    if (this.volumesRole !== undefined) fn.addEnvironment('WORKSPACE_VOLUMES_ROLE_ARN', this.volumesRole.roleArn);
  }

  /**
   * Lets the tasks of the task definitions made here call `invokeArn` (the task-activity route) with
   * their task role. A configured task definition's role is its owner's to grant (README "How a task
   * authenticates"): this stack does not change roles it did not make.
   */
  allowTasksToInvoke(invokeArn: string): void {
    this.madeTaskRoles?.taskRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['execute-api:Invoke'], resources: [invokeArn] }));
  }
}

const pascal = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
