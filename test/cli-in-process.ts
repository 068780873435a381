import { Command } from 'commander';

/** Run `buried <args>` through a fresh commander program with the given commands registered; exit code, stdout, stderr. */
export async function runCliInProcess(register: Array<(program: Command) => void>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('buried').exitOverride();
  for (const r of register) r(program);
  for (const c of program.commands) c.exitOverride();
  let stdout = '';
  let stderr = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = 0;
  let code = 0;
  try {
    await program.parseAsync(['node', 'buried', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch {
    code = 2;
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = before;
  }
  return { code, stdout, stderr };
}
