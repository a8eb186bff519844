/**
 * Acknowledging cdk-nag findings precisely. cdk-nag names each wildcard resource finding
 * after the flattened CloudFormation expression of the resource (a GetAtt becomes
 * `<LogicalId.Arn>`, a Ref `<LogicalId>`), so acknowledgments are built from the same ARN
 * expressions the policies use: one per resource, never one for the whole rule.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Mirrors cdk-nag's flattening of CloudFormation intrinsics into finding names. */
export function flattenCfnExpression(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    const join = record['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return (join[1] as unknown[]).map(flattenCfnExpression).join(join[0]);
    }
    if ('Fn::Sub' in record) return flattenCfnExpression(record['Fn::Sub']);
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt))
      return `<${flattenCfnExpression(getAtt[0])}.${flattenCfnExpression(getAtt[1])}>`;
    if ('Fn::ImportValue' in record) return flattenCfnExpression(record['Fn::ImportValue']);
    if ('Ref' in record) return `<${flattenCfnExpression(record.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * Acknowledges AwsSolutions-IAM5 for exactly these resource ARNs (each must contain a `*`),
 * on `scope` and everything below it (normally the role that holds the policy).
 */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    const flat = flattenCfnExpression(stack.resolve(resource));
    if (!flat.includes('*')) throw new Error(`${flat} has no wildcard to acknowledge`);
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
  }
}
