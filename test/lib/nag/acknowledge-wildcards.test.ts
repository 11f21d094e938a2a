// Pattern acknowledgments of IAM5 findings: a wildcard matching a reviewed pattern is acknowledged
// with its reason; any other wildcard still fails synth.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledgeWildcards } from '../../../lib/nag/acknowledge-wildcards';
import { tempOutdir } from '../../support/synth-app';

describe('acknowledgeWildcards', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  const appWithWildcards = () => {
    const temp = tempOutdir();
    cleanup = temp.cleanup;
    const outdir = temp.outdir;
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Wildcards');
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reviewed-bucket/*'] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::unreviewed-bucket/*'] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return { app, stack };
  };

  it('acknowledges the matching finding with its reason and leaves the other one failing synth', () => {
    const { app, stack } = appWithWildcards();
    acknowledgeWildcards(stack, [{ finding: /^Resource::arn:aws:s3:::reviewed-bucket\/\*$/, reason: 'objects of the reviewed bucket have runtime keys' }]);

    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('AwsSolutions-IAM5[Resource::arn:aws:s3:::unreviewed-bucket/*]');
    expect(message).not.toContain('AwsSolutions-IAM5[Resource::arn:aws:s3:::reviewed-bucket/*]');
  });

  it('lets synth pass once every wildcard matches a pattern', () => {
    const { app, stack } = appWithWildcards();
    acknowledgeWildcards(stack, [{ finding: /-bucket\/\*$/, reason: 'objects of both buckets have runtime keys' }]);

    expect(() => app.synth()).not.toThrow();
  });
});
