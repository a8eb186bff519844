/**
 * `npm run report` in-process: the CLI's main function with the given argv and environment,
 * stdout and stderr captured. Spares a child process (and tsx's transform of the whole import
 * graph) for cases about the command's output rather than about the process itself.
 */
import { reportMain } from '../../functions/cli/report-main.js';
import { Capture } from './capture.js';

export interface ReportRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runReportCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = { ...process.env, DEBUG: '' },
): Promise<ReportRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const status = await reportMain(args, { env, stdout, stderr, now: new Date() });
  return { status, stdout: stdout.text, stderr: stderr.text };
}
