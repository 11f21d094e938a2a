// A synthesized cloud assembly (cdk.out) read the way a deployment reads it: the manifest names the
// stack templates and the asset manifests; a function's `Code.S3Bucket`/`Code.S3Key` is looked up
// among the assets' publishing destinations, which names the `asset.<hash>` folder that would be
// zipped and uploaded. Nothing here knows how the app was written: only what it synthesized.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnResolver, type CfnResource, type CfnTemplate } from './cfn-intrinsics';

interface ManifestArtifact {
  type: string;
  properties?: { templateFile?: string; file?: string };
}

interface AssetManifest {
  files?: Record<string, { source: { path: string; packaging?: string }; destinations: Record<string, { bucketName: string; objectKey: string }> }>;
}

export interface CloudAssembly {
  outdir: string;
  /** Stack name → template. */
  templates: Record<string, CfnTemplate>;
  /** Asset folders by the S3 location they would be published to (`<bucket>/<key>`, placeholders unresolved). */
  assets: { stackName: string; bucketName: string; objectKey: string; path: string; packaging: string }[];
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

export const readCloudAssembly = (outdir: string): CloudAssembly => {
  const { artifacts } = readJson<{ artifacts: Record<string, ManifestArtifact> }>(join(outdir, 'manifest.json'));
  const templates: Record<string, CfnTemplate> = {};
  const assets: CloudAssembly['assets'] = [];
  for (const [name, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile !== undefined) {
      templates[name] = readJson<CfnTemplate>(join(outdir, artifact.properties.templateFile));
    }
    if (artifact.type === 'cdk:asset-manifest' && artifact.properties?.file !== undefined) {
      const stackName = name.replace(/\.assets$/, '');
      for (const file of Object.values(readJson<AssetManifest>(join(outdir, artifact.properties.file)).files ?? {})) {
        for (const destination of Object.values(file.destinations)) {
          assets.push({
            stackName,
            bucketName: destination.bucketName,
            objectKey: destination.objectKey,
            path: join(outdir, file.source.path),
            packaging: file.source.packaging ?? 'file',
          });
        }
      }
    }
  }
  return { outdir, templates, assets };
};

/** A Lambda function as it would be deployed: code folder, handler setting and resolved settings. */
export interface DeployedFunction {
  stackName: string;
  logicalId: string;
  name: string;
  arn: string;
  /** The `Handler` property, e.g. `index.handler`. */
  handler: string;
  runtime: string;
  memorySize: number;
  timeoutSeconds: number;
  tracing: 'Active' | 'PassThrough';
  logGroupName: string;
  /** `Environment.Variables`, intrinsics resolved. */
  environment: Record<string, string>;
  /** The folder that is zipped as the function's code (the task root on Lambda). */
  codeDir: string;
}

/** CloudFormation's defaults for properties the template leaves out (AWS::Lambda::Function). */
const LAMBDA_DEFAULTS = { MemorySize: 128, Timeout: 3 } as const;

const codeFolder = (assembly: CloudAssembly, resolver: CfnResolver, stackName: string, logicalId: string, code: unknown): string => {
  const { S3Bucket, S3Key } = (code ?? {}) as { S3Bucket?: unknown; S3Key?: unknown };
  if (S3Bucket === undefined || S3Key === undefined) throw new Error(`${logicalId}: Code is not an S3 asset: ${JSON.stringify(code)}`);
  const bucket = resolver.resolveString(stackName, S3Bucket, `${logicalId}.Code.S3Bucket`);
  const key = resolver.resolveString(stackName, S3Key, `${logicalId}.Code.S3Key`);
  const asset = assembly.assets.find((a) => resolver.sub(a.stackName, a.bucketName) === bucket && resolver.sub(a.stackName, a.objectKey) === key);
  if (asset === undefined) throw new Error(`${logicalId}: no asset of the assembly is published to s3://${bucket}/${key}`);
  if (asset.packaging !== 'zip' || !existsSync(asset.path) || !statSync(asset.path).isDirectory()) {
    throw new Error(`${logicalId}: asset ${asset.path} is not a folder packaged as zip`);
  }
  return asset.path;
};

export const deployedFunction = (assembly: CloudAssembly, resolver: CfnResolver, stackName: string, logicalId: string): DeployedFunction => {
  const resource: CfnResource = resolver.resource(stackName, logicalId);
  if (resource.Type !== 'AWS::Lambda::Function') throw new Error(`${logicalId} is a ${resource.Type}, not a function`);
  const p = resource.Properties ?? {};
  const variables = (p['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment = Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [key, resolver.resolveString(stackName, value, `${logicalId} environment ${key}`)]),
  );
  const name = resolver.ref(stackName, logicalId);
  const logGroup = (p['LoggingConfig'] as { LogGroup?: unknown } | undefined)?.LogGroup;
  return {
    stackName,
    logicalId,
    name,
    arn: resolver.getAtt(stackName, logicalId, 'Arn'),
    handler: resolver.resolveString(stackName, p['Handler'], `${logicalId}.Handler`),
    runtime: resolver.resolveString(stackName, p['Runtime'], `${logicalId}.Runtime`),
    memorySize: Number(resolver.resolve(stackName, p['MemorySize'] ?? LAMBDA_DEFAULTS.MemorySize)),
    timeoutSeconds: Number(resolver.resolve(stackName, p['Timeout'] ?? LAMBDA_DEFAULTS.Timeout)),
    tracing: (p['TracingConfig'] as { Mode?: 'Active' | 'PassThrough' } | undefined)?.Mode ?? 'PassThrough',
    logGroupName: logGroup === undefined ? `/aws/lambda/${name}` : resolver.resolveString(stackName, logGroup, `${logicalId} log group`),
    environment,
    codeDir: codeFolder(assembly, resolver, stackName, logicalId, p['Code']),
  };
};

/** The template's function with this ARN (a schedule's or rule's target, an integration's URI). */
export const functionWithArn = (assembly: CloudAssembly, resolver: CfnResolver, arn: string): DeployedFunction => {
  const found = resolver
    .resourcesOfType('AWS::Lambda::Function')
    .find(({ stackName, logicalId }) => resolver.getAtt(stackName, logicalId, 'Arn') === arn);
  if (found === undefined) throw new Error(`${arn} is no function of the template`);
  return deployedFunction(assembly, resolver, found.stackName, found.logicalId);
};
