import { CfnOutput, Stack, aws_iam as iam, aws_ses as ses } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface MailProps {
  /** The From address. */
  readonly sender: string;
  /** The SES identity that authorises it: the address itself or its domain. */
  readonly identity: string;
  /** false: the identity already exists (verified) in the account and is only referenced. */
  readonly createIdentity: boolean;
}

/**
 * SES: the sending identity and a configuration set that requires TLS to receiving servers,
 * keeps reputation metrics and suppresses addresses that bounced or complained.
 */
export class Mail extends Construct {
  readonly sender: string;
  readonly identityArn: string;
  readonly configurationSet: ses.ConfigurationSet;
  readonly configurationSetArn: string;
  readonly emailIdentity: ses.EmailIdentity | undefined;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.sender = props.sender;

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    const isDomain = !props.identity.includes('@');
    if (props.createIdentity) {
      this.emailIdentity = new ses.EmailIdentity(this, 'Identity', {
        identity: isDomain ? ses.Identity.domain(props.identity) : ses.Identity.email(props.identity),
        configurationSet: this.configurationSet,
      });
      if (isDomain) {
        // The domain is verified by publishing these DKIM CNAME records in its DNS zone.
        this.emailIdentity.dkimRecords.forEach((record, i) => {
          new CfnOutput(this, `DkimRecord${i + 1}`, {
            description: `DKIM CNAME ${i + 1} to publish for ${props.identity}`,
            value: `${record.name} CNAME ${record.value}`,
          });
        });
      }
    }
    this.identityArn = stack.formatArn({
      service: 'ses',
      resource: 'identity',
      resourceName: props.identity,
    });
  }

  /** Sending raw MIME from the configured address, through this identity and configuration set only. */
  grantSend(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendDigestMail',
        actions: ['ses:SendRawEmail'],
        resources: [this.identityArn, this.configurationSetArn],
        conditions: { StringEquals: { 'ses:FromAddress': this.sender } },
      }),
    );
  }
}
