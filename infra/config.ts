/**
 * Deployment configuration: the rules that turn raw values into the settings the stack is built
 * from, and the settings derived from them.
 *
 * Pure: it takes the raw values (from `-c key=value` context or a JSON config file, see
 * config-source.ts) and returns a validated config, or throws a ConfigError that names every
 * bad key at once, so a `cdk synth` fails with one readable list instead of a CloudFormation
 * error twenty minutes into a deployment. The keys and defaults are in config-keys.ts, the value
 * rules (dates, zones, addresses, currencies, names) in functions/core/validators.ts.
 */
import { MIN_FUNCTION_TIMEOUT_SECONDS } from '../functions/core/delivery-timing.js';
import { TABLE_NAMES, type TableName } from '../functions/contract/contract.js';
import { AlertRulesError, parseAlertRules, type AlertRule } from '../functions/core/alert-rules.js';
import { csmConfigProblem, parseCsmDomains } from '../functions/core/csm-settings.js';
import { ROLLUP_RELATIONS } from '../functions/core/rollup-plan.js';
import {
  canonicalTimeZone,
  EXPECTED,
  isBucketName,
  isCalendarDate,
  isCatalogName,
  isDomainName,
  isEmailAddress,
  isReportingCurrency,
  isTimeZone,
  notA,
} from '../functions/core/validators.js';
import {
  CONFIG_KEYS,
  DATA_FORMATS,
  DEFAULTS,
  LOCALES,
  LOG_LEVELS,
  LOG_RETENTION_DAYS,
  MAX_RECIPIENTS,
  MAX_RECIPIENTS_CHARS,
  MIN_BYTES_SCANNED_CUTOFF,
  S3_PREFIX,
  type CatalogTable,
  type DigestConfig,
  type RawConfig,
  type S3Location,
} from './config-keys.js';
import { ConfigError, Reader } from './config-reader.js';

export * from './config-keys.js';
export { ConfigError };

/** Validates raw configuration; throws ConfigError listing every problem. */
export function resolveConfig(raw: RawConfig): DigestConfig {
  const r = new Reader(raw);

  for (const key of Object.keys(raw)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      r.problems.push(`${key}: unknown configuration key (known keys: ${CONFIG_KEYS.join(', ')})`);
    }
  }

  const stackName = r.string('stackName') ?? DEFAULTS.stackName;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,99}$/.test(stackName)) {
    r.problem(
      'stackName',
      `"${stackName}" is not a valid stack name (letters, digits and hyphens, starting with a letter)`,
    );
  }

  // data --------------------------------------------------------------------------------------
  const dataBucket = r.string('dataBucket');
  if (dataBucket !== undefined && !isBucketName(dataBucket)) {
    r.problem(
      'dataBucket',
      `"${dataBucket}" is not a valid S3 bucket name (give the name, not an ARN or s3:// URL)`,
    );
  }
  const dataBucketKmsKeyArn = r.string('dataBucketKmsKeyArn');
  if (dataBucketKmsKeyArn !== undefined) {
    if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(dataBucketKmsKeyArn)) {
      r.problem(
        'dataBucketKmsKeyArn',
        `"${dataBucketKmsKeyArn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`,
      );
    }
    if (dataBucket === undefined) {
      r.problem('dataBucketKmsKeyArn', 'only applies to an existing bucket: set dataBucket as well');
    }
  }

  const rawPrefix = raw.dataPrefix === '' ? '' : (r.string('dataPrefix') ?? DEFAULTS.dataPrefix);
  const dataPrefix = rawPrefix.replace(/^\/+|\/+$/g, '');
  if (dataPrefix !== '' && !S3_PREFIX.test(dataPrefix)) {
    r.problem(
      'dataPrefix',
      `"${rawPrefix}" is not a plain S3 key prefix (letters, digits, - _ . ! ' ( ) = and /)`,
    );
  }
  const dataFormat = r.oneOf('dataFormat', DATA_FORMATS) ?? DEFAULTS.dataFormat;

  const databaseName = r.string('databaseName') ?? DEFAULTS.databaseName;
  if (!isCatalogName(databaseName)) r.problem('databaseName', notA(databaseName, EXPECTED.catalogName));

  const isContractTable = (name: string): name is TableName =>
    (TABLE_NAMES as readonly string[]).includes(name);

  const viewMap = r.stringMap('views') ?? {};
  const views: Partial<Record<TableName, string>> = {};
  for (const [contractName, viewName] of Object.entries(viewMap)) {
    if (!isContractTable(contractName)) {
      r.problem(
        'views',
        `"${contractName}" is not a contract table (contract tables: ${TABLE_NAMES.join(', ')})`,
      );
    } else if (!isCatalogName(viewName)) {
      r.problem(
        'views',
        `"${viewName}" (for ${contractName}) must be lower-case letters, digits and underscores`,
      );
    } else {
      views[contractName] = viewName;
    }
  }
  const viewed = TABLE_NAMES.filter((t) => views[t] !== undefined);

  const tableList = r.list('tables');
  // By default every contract table that is not provided as a view is deployed.
  let tables: TableName[] = TABLE_NAMES.filter((t) => !viewed.includes(t));
  if (tableList !== undefined) {
    const unknown = tableList.filter((t) => !isContractTable(t));
    const duplicates = tableList.filter((t, i) => tableList.indexOf(t) !== i);
    const alsoViews = tableList.filter((t) => viewed.some((v) => v === t));
    if (unknown.length > 0) {
      r.problem(
        'tables',
        `unknown table(s) ${unknown.join(', ')} (contract tables: ${TABLE_NAMES.join(', ')})`,
      );
    } else if (duplicates.length > 0) {
      r.problem('tables', `lists ${duplicates.join(', ')} more than once`);
    } else if (tableList.length === 0 && viewed.length === 0) {
      r.problem('tables', 'must name at least one table (or configure views)');
    } else if (alsoViews.length > 0) {
      r.problem('tables', `${alsoViews.join(', ')} cannot be both deployed and provided as a view`);
    }
    tables = TABLE_NAMES.filter((t) => tableList.includes(t));
  }

  const renames = r.stringMap('tableNames') ?? {};
  const tableNames: Partial<Record<TableName, string>> = {};
  for (const [contractName, glueName] of Object.entries(renames)) {
    if (!isContractTable(contractName)) {
      r.problem('tableNames', `"${contractName}" is not a contract table (rename tables, never columns)`);
    } else if (views[contractName] !== undefined) {
      r.problem('tableNames', `${contractName} is provided as a view; name it in views only`);
    } else if (!isCatalogName(glueName)) {
      r.problem(
        'tableNames',
        `"${glueName}" (for ${contractName}) must be lower-case letters, digits and underscores`,
      );
    }
  }
  for (const table of tables) tableNames[table] = renames[table] ?? table;
  const allNames = [...tables.map((t) => tableNames[t]), ...viewed.map((t) => views[t])];
  const clashes = allNames.filter((n, i) => allNames.indexOf(n) !== i);
  if (clashes.length > 0) {
    r.problem(
      r.has('views') ? 'views' : 'tableNames',
      `two tables would both be named ${clashes.join(', ')}`,
    );
  }

  const sourceTables: CatalogTable[] = [];
  for (const entry of r.list('sourceTables') ?? []) {
    const [database, table, ...rest] = entry.split('.');
    if (
      database === undefined ||
      table === undefined ||
      rest.length > 0 ||
      !isCatalogName(database) ||
      !isCatalogName(table)
    ) {
      r.problem(
        'sourceTables',
        `"${entry}" is not written database.table (lower-case letters, digits, underscores)`,
      );
    } else {
      sourceTables.push({ database, table });
    }
  }
  const sourceLocations: S3Location[] = [];
  for (const entry of r.list('sourceLocations') ?? []) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(entry);
    const prefix = (m?.[2] ?? '').replace(/\/+$/, '');
    if (!m || !isBucketName(m[1] ?? '') || (prefix !== '' && !S3_PREFIX.test(prefix))) {
      r.problem('sourceLocations', `"${entry}" is not an S3 location such as s3://billing-exports/stripe/`);
    } else {
      sourceLocations.push({ bucket: m[1] ?? '', prefix: prefix === '' ? '' : `${prefix}/` });
    }
  }
  if ((sourceTables.length > 0 || sourceLocations.length > 0) && viewed.length === 0) {
    r.problem(
      sourceTables.length > 0 ? 'sourceTables' : 'sourceLocations',
      'only applies to views: configure the views that read these sources',
    );
  }

  const partitionRangeStart = r.string('partitionRangeStart') ?? DEFAULTS.partitionRangeStart;
  if (!isCalendarDate(partitionRangeStart)) {
    r.problem('partitionRangeStart', notA(partitionRangeStart, EXPECTED.date));
  }

  // mail --------------------------------------------------------------------------------------
  const sender = r.string('sender');
  if (sender === undefined) {
    r.problem(
      'sender',
      'is required: the From address of the digests, e.g. -c sender=digest@yourcompany.com',
    );
  } else if (!isEmailAddress(sender)) {
    r.problem('sender', notA(sender, EXPECTED.email));
  }
  const senderDomain = sender?.slice(sender.lastIndexOf('@') + 1).toLowerCase() ?? '';
  const senderIdentity = r.string('senderIdentity') ?? sender ?? '';
  if (r.has('senderIdentity') && sender !== undefined) {
    const identity = senderIdentity.toLowerCase();
    if (identity.includes('@')) {
      if (identity !== sender.toLowerCase()) {
        r.problem(
          'senderIdentity',
          `the address "${senderIdentity}" does not authorise the sender ${sender}`,
        );
      }
    } else if (!isDomainName(senderIdentity)) {
      r.problem('senderIdentity', `"${senderIdentity}" is neither an e-mail address nor a domain name`);
    } else if (senderDomain !== identity && !senderDomain.endsWith(`.${identity}`)) {
      r.problem('senderIdentity', `the domain "${senderIdentity}" does not authorise the sender ${sender}`);
    }
  }
  const createSenderIdentity = r.boolean('createSenderIdentity') ?? true;

  const recipientList = r.list('recipients');
  const recipients: string[] = [];
  if (recipientList === undefined || recipientList.length === 0) {
    if (!r.problems.some((p) => p.startsWith('recipients:'))) {
      r.problem(
        'recipients',
        'is required: who receives the digests, e.g. -c recipients=cs-team@yourcompany.com,ceo@yourcompany.com',
      );
    }
  } else {
    for (const bad of recipientList.filter((a) => !isEmailAddress(a))) {
      r.problem('recipients', notA(bad, EXPECTED.email));
    }
    for (const address of recipientList) {
      if (!recipients.some((a) => a.toLowerCase() === address.toLowerCase())) recipients.push(address);
    }
    if (recipients.length > MAX_RECIPIENTS) {
      r.problem(
        'recipients',
        `at most ${MAX_RECIPIENTS} addresses (SES limit per message), got ${recipients.length}`,
      );
    } else if (recipients.join(',').length > MAX_RECIPIENTS_CHARS) {
      r.problem(
        'recipients',
        `the list is over ${MAX_RECIPIENTS_CHARS} characters; use a distribution list address`,
      );
    }
  }

  // report ------------------------------------------------------------------------------------
  const rawTimezone = r.string('timezone') ?? DEFAULTS.timezone;
  let timezone = rawTimezone;
  if (!isTimeZone(rawTimezone)) {
    r.problem('timezone', notA(rawTimezone, EXPECTED.timeZone));
  } else {
    // Intl accepts any letter case; the scheduler wants the canonical spelling.
    timezone = canonicalTimeZone(rawTimezone);
  }
  const currency = r.string('currency') ?? DEFAULTS.currency;
  if (!isReportingCurrency(currency)) r.problem('currency', notA(currency, EXPECTED.currency));
  const fxBase = r.string('fxBase') ?? DEFAULTS.fxBase;
  if (!isReportingCurrency(fxBase)) r.problem('fxBase', notA(fxBase, EXPECTED.currency));
  const locale = r.oneOf('locale', LOCALES) ?? DEFAULTS.locale;
  const excludedWarnPercent = r.percent('excludedWarnPercent') ?? DEFAULTS.excludedWarnPercent;
  const excludedStopPercent = r.percent('excludedStopPercent') ?? DEFAULTS.excludedStopPercent;
  if (excludedWarnPercent > excludedStopPercent) {
    r.problem(
      'excludedWarnPercent',
      `${excludedWarnPercent} is above excludedStopPercent (${excludedStopPercent}): the warning must come first`,
    );
  }

  // query -------------------------------------------------------------------------------------
  const bytesScannedCutoffPerQuery =
    r.integer('bytesScannedCutoffPerQuery', MIN_BYTES_SCANNED_CUTOFF, Number.MAX_SAFE_INTEGER) ??
    DEFAULTS.bytesScannedCutoffPerQuery;
  const queryResultsRetentionDays =
    r.integer('queryResultsRetentionDays', 1, 3650) ?? DEFAULTS.queryResultsRetentionDays;

  // function and operations -------------------------------------------------------------------
  const logRetentionDays = r.integer('logRetentionDays', 1, 3653) ?? DEFAULTS.logRetentionDays;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    r.problem(
      'logRetentionDays',
      `${logRetentionDays} is not a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')})`,
    );
  }
  const logLevel = r.oneOf('logLevel', LOG_LEVELS) ?? DEFAULTS.logLevel;
  const alarmEmail = r.string('alarmEmail');
  if (alarmEmail !== undefined && !isEmailAddress(alarmEmail)) {
    r.problem('alarmEmail', notA(alarmEmail, EXPECTED.email));
  }
  const lambdaMemoryMb = r.integer('lambdaMemoryMb', 128, 10240) ?? DEFAULTS.lambdaMemoryMb;
  // The lower bound leaves room for a delivery lease (functions/core/delivery-timing.ts).
  const lambdaTimeoutSeconds =
    r.integer('lambdaTimeoutSeconds', MIN_FUNCTION_TIMEOUT_SECONDS, 900) ?? DEFAULTS.lambdaTimeoutSeconds;

  // alerts --------------------------------------------------------------------------------------
  let alerts: AlertRule[] = [];
  let alertsRaw: unknown = raw.alerts ?? [];
  if (typeof alertsRaw === 'string') {
    try {
      alertsRaw = JSON.parse(alertsRaw) as unknown;
    } catch {
      r.problem('alerts', 'must be a JSON list of rules such as [{"kpi":"nps","below":20}]');
      alertsRaw = [];
    }
  }
  try {
    alerts = parseAlertRules(alertsRaw);
  } catch (error) {
    if (!(error instanceof AlertRulesError)) throw error;
    for (const p of error.problems) r.problem('alerts', p);
  }
  const alertRecipientList = r.list('alertRecipients');
  // By default the digest's recipients, already checked above.
  const alertRecipients = alertRecipientList ?? recipients;
  for (const bad of (alertRecipientList ?? []).filter((a) => !isEmailAddress(a))) {
    r.problem('alertRecipients', notA(bad, EXPECTED.email));
  }

  const sesMaxSendRate = r.integer('sesMaxSendRate', 1, 100_000) ?? DEFAULTS.sesMaxSendRate;

  const csmDigests = r.boolean('csmDigests') ?? false;
  const csmSkipEmpty = r.boolean('csmSkipEmpty') ?? true;
  const csmDomainList = r.list('csmDomains') ?? [];
  const csmParsed = parseCsmDomains(csmDomainList);
  for (const p of csmParsed.problems) r.problem('csmDomains', p);
  const csmProblem = csmConfigProblem({
    enabled: csmDigests,
    domains: csmParsed.domains,
    skipEmpty: csmSkipEmpty,
  });
  if (csmProblem && csmParsed.problems.length === 0) r.problem('csmDomains', csmProblem);

  // usage rollups ------------------------------------------------------------------------------
  // Built from the raw files' listing, so usage_events must be a table of the stack, not a view.
  const rollupsAsked = r.boolean('usageRollups');
  const usageRollups = rollupsAsked ?? tables.includes('usage_events');
  if (rollupsAsked === true && !tables.includes('usage_events')) {
    r.problem(
      'usageRollups',
      views.usage_events !== undefined
        ? 'needs usage_events deployed as a table of the stack; it is provided as a view (set usageRollups=false)'
        : 'needs usage_events among the deployed tables (set usageRollups=false)',
    );
  }
  if (usageRollups) {
    const taken = Object.values(ROLLUP_RELATIONS).filter((name) => allNames.includes(name));
    if (taken.length > 0) {
      r.problem(
        r.has('views') ? 'views' : 'tableNames',
        `${taken.join(', ')} is the name of a usage rollup table; choose another name`,
      );
    }
  }

  if (r.problems.length > 0) throw new ConfigError(r.problems);

  return {
    stackName,
    dataBucket,
    dataBucketKmsKeyArn,
    dataPrefix,
    dataFormat,
    databaseName,
    tables,
    tableNames,
    views,
    sourceTables,
    sourceLocations,
    partitionRangeStart,
    sender: sender ?? '',
    senderIdentity,
    createSenderIdentity,
    recipients,
    timezone,
    currency,
    fxBase,
    locale,
    excludedWarnPercent,
    excludedStopPercent,
    bytesScannedCutoffPerQuery,
    queryResultsRetentionDays,
    logRetentionDays,
    logLevel,
    alarmEmail,
    lambdaMemoryMb,
    lambdaTimeoutSeconds,
    alerts,
    alertRulesJson: JSON.stringify(alertsRaw),
    alertRecipients,
    csmDigests,
    csmDomains: csmParsed.domains,
    csmSkipEmpty,
    sesMaxSendRate,
    usageRollups,
  };
}

/** The Glue table name of a configured contract table. */
export function glueTableName(config: DigestConfig, table: TableName): string {
  const name = config.tableNames[table];
  if (name === undefined) throw new Error(`table ${table} is not configured`);
  return name;
}
