/** Exit codes of the `routilux` command. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

/** What `routilux --help` prints. */
export const USAGE = `Usage: routilux <command> [options]

Commands:
  validate <flow.json>   Check a flow definition (what flow.toJSON() writes). Prints every problem;
                         exits 1 if any is an error, 0 if there are only warnings or none.
  diagram <flow.json>    Print the flow as a Mermaid flowchart.
  serve <module>         Import <module> (it registers flows with FlowRegistry, or exports \`flows\`,
                         and may export \`setup(runtime)\`), start a Runtime and the monitor.
                         Stops cleanly on SIGINT / SIGTERM.
    --port <n>           Monitor port (default 7370; 0 picks a free one).
    --host <address>     Monitor interface (default 127.0.0.1: this machine only).
    --token <token>      Require "Authorization: Bearer <token>" on the monitor's API
                         (default: the ROUTILUX_MONITOR_TOKEN environment variable).
    --store <url>        Where workers keep their state: memory, redis://host:port/db, sqlite:./file.db.

Options:
  -h, --help             Show this help.
  -v, --version          Show the version.

Exit codes: 0 done, 1 problems found or the command failed, 2 bad arguments.
`;

/** A mistake in how the command was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
