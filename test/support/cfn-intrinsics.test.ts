// The resolver turns a template into what CloudFormation would deploy, with fake names that agree
// wherever the same resource is referenced: in its own stack, through Fn::Sub, and through another
// stack's export. What it cannot fake, it refuses.
import { describe, expect, it } from 'vitest';
import { CfnResolver, type CfnTemplate } from './cfn-intrinsics';

const producer: CfnTemplate = {
  Resources: { Table: { Type: 'AWS::DynamoDB::Table', Properties: {} } },
  Outputs: { TableRef: { Value: { Ref: 'Table' }, Export: { Name: 'Producer:TableRef' } } },
};
const consumer: CfnTemplate = {
  Parameters: { Stage: { Default: 'prod' } },
  Resources: {
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { 'Fn::Sub': 'fn-${Stage}' } } },
    Cluster: { Type: 'AWS::ECS::Cluster', Properties: {} },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dlq' } },
    Odd: { Type: 'AWS::Foo::Bar', Properties: {} },
  },
};
const resolver = new CfnResolver({ Producer: producer, Consumer: consumer });

describe('CfnResolver', () => {
  it('resolves a cross-stack import to the exporting stack\'s value', () => {
    expect(resolver.resolve('Consumer', { 'Fn::ImportValue': 'Producer:TableRef' })).toBe(resolver.ref('Producer', 'Table'));
    expect(() => resolver.resolve('Consumer', { 'Fn::ImportValue': 'Producer:Nothing' })).toThrow(/no stack exports Producer:Nothing/);
  });

  it('builds ARNs from the same names that Ref gives, and honours explicit names', () => {
    expect(resolver.ref('Consumer', 'Fn')).toBe('fn-prod');
    expect(resolver.getAtt('Consumer', 'Fn', 'Arn')).toBe('arn:aws:lambda:eu-west-1:123456789012:function:fn-prod');
    const cluster = resolver.ref('Consumer', 'Cluster');
    expect(resolver.getAtt('Consumer', 'Cluster', 'Arn')).toBe(`arn:aws:ecs:eu-west-1:123456789012:cluster/${cluster}`);
    expect(resolver.ref('Consumer', 'Queue')).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/dlq');
  });

  it('resolves Join, Sub (variables, attributes, pseudo parameters, escapes), Select, Split and NoValue', () => {
    const arn = resolver.getAtt('Consumer', 'Fn', 'Arn');
    expect(resolver.resolve('Consumer', { 'Fn::Join': [':', ['a', { Ref: 'AWS::Region' }]] })).toBe('a:eu-west-1');
    expect(resolver.resolve('Consumer', { 'Fn::Sub': ['${Fn.Arn}/${X}/${AWS::AccountId}/${!Literal}', { X: { Ref: 'Stage' } }] })).toBe(
      `${arn}/prod/123456789012/\${Literal}`,
    );
    expect(resolver.resolve('Consumer', { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('b');
    expect(resolver.resolve('Consumer', { keep: 1, drop: { Ref: 'AWS::NoValue' }, list: [1, { Ref: 'AWS::NoValue' }] })).toEqual({ keep: 1, list: [1] });
  });

  it('gives the same fake to the same resource every time, and different ones to different resources', () => {
    expect(resolver.ref('Consumer', 'Cluster')).toBe(new CfnResolver({ Producer: producer, Consumer: consumer }).ref('Consumer', 'Cluster'));
    expect(resolver.ref('Producer', 'Table')).not.toBe(resolver.ref('Consumer', 'Cluster'));
  });

  it('refuses resource types, attributes and intrinsics it has no fake for', () => {
    expect(() => resolver.ref('Consumer', 'Odd')).toThrow(/no fake for resources of type AWS::Foo::Bar/);
    expect(() => resolver.getAtt('Consumer', 'Fn', 'Version')).toThrow(/no fake for Fn::GetAtt Version/);
    expect(() => resolver.resolve('Consumer', { 'Fn::If': ['C', 1, 2] })).toThrow(/no fake for Fn::If/);
  });
});
