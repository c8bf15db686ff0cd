/** Every client command answers --help with its usage, flags (the connection ones included) and an example. */
import { formatHelp } from '../../../../scripts/lib/cli';
import { CLIENT_COMMANDS, clientHelp } from '../../../../scripts/lib/client/commands';

const commands = Object.entries(CLIENT_COMMANDS).flatMap(([group, named]) =>
  Object.entries(named).map(([name, command]) => [`${group} ${name}`, command] as const),
);

describe('npm run client --help', () => {
  it.each(commands)('%s: usage, --base-url, --sign and a runnable-looking example', (name, command) => {
    const help = formatHelp(command.spec);
    expect(help).toMatch(new RegExp(`^Usage: npm run client -- ${name}( <[a-z-]+>)* \\[flags\\]$`, 'm'));
    expect(help).toContain('--base-url <url>');
    expect(help).toContain('--sign');
    expect(help).toContain(`\n  npm run client -- ${name}`);
  });

  it('lists every command with its arguments, and the exit codes', () => {
    const help = clientHelp();
    for (const [name, command] of commands) {
      const args = (command.spec.arguments ?? []).map((a) => ` <${a.name}>`).join('');
      expect(help).toMatch(new RegExp(`^ {2}${name}${args} +\\S`, 'm'));
    }
    expect(help).toContain('5 wait timed out');
    expect(clientHelp('runs')).not.toContain('features online');
  });
});
