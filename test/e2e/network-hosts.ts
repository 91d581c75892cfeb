import { spawnSync } from 'node:child_process';

/**
 * Separate "hosts" on one machine for the multi-host scale-out test: one network namespace per host
 * (`ip netns`), each joined by a veth pair to a bridge that lives in a namespace of its own (the
 * "switch"), with a real address on a private /24. The test process stays in the machine's own
 * namespace and reaches the hosts through one more veth pair on the bridge (the subnet's `.1`).
 * Nothing else of the machine's network is touched: the bridge is not in the root namespace, no
 * routes or forwarding are added, and `dispose()` (also run at process exit) deletes the namespaces,
 * which deletes every veth with them.
 *
 * Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`) and iproute2; `networkHostsUnavailable()`
 * says why not, for the skip message.
 */
export interface NetworkHosts {
  /** The subnet, `10.x.y.0/24`. */
  readonly cidr: string;
  /** The address of the test process on the bridge (`10.x.y.1`). */
  readonly clientAddress: string;
  /** The address of host `name`. */
  address(name: string): string;
  /** The command prefix that runs a program on host `name` (`ip netns exec <namespace>`; it execs, so the pid is the program's). */
  exec(name: string): string[];
  /** Deletes the namespaces (the processes inside must be stopped first: a namespace outlives its deletion while a process holds it). */
  dispose(): void;
}

export interface NetworkHostsOptions {
  /** One-way delay added on every host's link (tc netem), as between machines on a LAN or Wi-Fi; default none. */
  delayMs?: number;
}

function ip(args: string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed (${result.status ?? result.error?.message}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Why namespaces cannot be made here (not root, no iproute2, no permission), or null when they can. */
export function networkHostsUnavailable(): string | null {
  const how = 'run the tests as root (or with CAP_NET_ADMIN and CAP_SYS_ADMIN) on Linux with iproute2 (Debian: apt-get install iproute2)';
  if (process.platform !== 'linux') return `network namespaces are Linux only; ${how}`;
  if (process.getuid?.() !== 0) return `network namespaces need root; ${how}`;
  const probe = `cairn-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.error) return `\`ip\` is not installed; ${how}`;
  if (added.status !== 0) return `\`ip netns add\` failed (${added.stderr.trim()}); ${how}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

/** A /24 of 10.0.0.0/8 that no address or route of this machine uses (the pid picks where to start looking). */
function freeSubnet(): string {
  const used = `${ip(['-o', '-4', 'addr', 'show'])}\n${ip(['-4', 'route', 'show', 'table', 'all'])}`;
  for (let i = 0; i < 256; i += 1) {
    const n = (process.pid + i * 97) % (128 * 256);
    const prefix = `10.${128 + (n >> 8)}.${n & 255}`;
    if (!used.includes(`${prefix}.`)) return prefix;
  }
  throw new Error('no free 10.x.y.0/24 subnet for the test hosts');
}

export function createNetworkHosts(names: readonly string[], options: NetworkHostsOptions = {}): NetworkHosts {
  const tag = `c${process.pid.toString(36)}`;
  const prefix = freeSubnet();
  const switchNs = `${tag}-switch`;
  const namespaces = new Map(names.map((name, i) => [name, { ns: `${tag}-${name}`, address: `${prefix}.${10 + i}`, link: `${tag}h${i}` }]));
  const created: string[] = [];
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    for (const ns of created.reverse()) spawnSync('ip', ['netns', 'del', ns]);
  };
  process.once('exit', dispose);
  try {
    ip(['netns', 'add', switchNs]);
    created.push(switchNs);
    ip(['-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', switchNs, 'link', 'set', 'br0', 'up']);
    const plug = (link: string, peer: string) => {
      // Both ends are made in the root namespace, then moved: the switch end to the bridge.
      ip(['link', 'add', link, 'type', 'veth', 'peer', 'name', peer]);
      ip(['link', 'set', peer, 'netns', switchNs]);
      ip(['-n', switchNs, 'link', 'set', peer, 'master', 'br0', 'up']);
    };
    for (const host of namespaces.values()) {
      ip(['netns', 'add', host.ns]);
      created.push(host.ns);
      ip(['-n', host.ns, 'link', 'set', 'lo', 'up']);
      plug(host.link, `${host.link}s`);
      ip(['link', 'set', host.link, 'netns', host.ns]);
      ip(['-n', host.ns, 'addr', 'add', `${host.address}/24`, 'dev', host.link]);
      ip(['-n', host.ns, 'link', 'set', host.link, 'up']);
      if (options.delayMs) {
        const tc = spawnSync('ip', ['netns', 'exec', host.ns, 'tc', 'qdisc', 'add', 'dev', host.link, 'root', 'netem', 'delay', `${options.delayMs}ms`], { encoding: 'utf8' });
        if (tc.status !== 0) throw new Error(`tc netem failed (is the sch_netem module available?): ${tc.stderr.trim()}`);
      }
    }
    const client = `${tag}c`;
    plug(client, `${client}s`);
    ip(['addr', 'add', `${prefix}.1/24`, 'dev', client]);
    ip(['link', 'set', client, 'up']);
  } catch (error) {
    dispose();
    throw error;
  }
  const host = (name: string) => {
    const found = namespaces.get(name);
    if (!found) throw new Error(`no host ${name}`);
    return found;
  };
  return {
    cidr: `${prefix}.0/24`,
    clientAddress: `${prefix}.1`,
    address: (name) => host(name).address,
    exec: (name) => ['ip', 'netns', 'exec', host(name).ns],
    dispose,
  };
}
