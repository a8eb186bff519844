import { posix } from 'node:path';
import {
  Duration,
  Validations,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  aws_logs as logs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  LAMBDA_TASK_ROOT,
  PROJECT_ROOT,
  REPORT_BUNDLE,
  REPORT_BUNDLE_FILES,
  REPORT_HANDLER_ENTRY,
  REPORT_HANDLER_EXPORT,
  copyFilesCommand,
} from '../bundling.js';

export interface ReportFunctionProps {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  /** Everything the handler reads from its environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** The handler module; functions/handlers/report/handler.ts unless a test bundles another one. */
  readonly entry?: string;
  /** The function's description (default: the report function's). */
  readonly description?: string;
}

/**
 * The report Lambda: bundled from functions/handlers/report/handler.ts with esbuild (Node 22, arm64),
 * its own role (permissions are granted by the constructs that own each resource) and a log
 * group with a retention period.
 */
export class ReportFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: ReportFunctionProps) {
    super(scope, id);
    this.timeout = Duration.seconds(props.timeoutSeconds);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetentionDays as logs.RetentionDays,
    });

    // A role of our own instead of the default one with the AWSLambdaBasicExecutionRole
    // managed policy: it may write to this log group and nothing else until granted more.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Customer-success KPI digest report function',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: props.description ?? 'Computes the KPI snapshot for a period and e-mails the digest',
      entry: props.entry ?? REPORT_HANDLER_ENTRY,
      handler: REPORT_HANDLER_EXPORT,
      projectRoot: PROJECT_ROOT,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: this.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...Object.fromEntries(REPORT_BUNDLE_FILES.map((f) => [f.envVar, posix.join(LAMBDA_TASK_ROOT, f.to)])),
        ...props.environment,
      },
      bundling: {
        target: REPORT_BUNDLE.target,
        format: nodejs.OutputFormat.ESM,
        minify: REPORT_BUNDLE.minify,
        sourceMap: REPORT_BUNDLE.sourceMap,
        sourcesContent: false,
        banner: REPORT_BUNDLE.banner,
        mainFields: [...REPORT_BUNDLE.mainFields],
        externalModules: [...REPORT_BUNDLE.externalModules],
        bundleAwsSDK: true,
        logLevel: nodejs.LogLevel.WARNING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) =>
            REPORT_BUNDLE_FILES.map((f) =>
              copyFilesCommand(`${inputDir}/${f.from}`, `${outputDir}/${f.to}`, f.extension),
            ),
        },
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The function targets Node.js 22, the runtime the product is built and tested for.',
    });
  }
}
