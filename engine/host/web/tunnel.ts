/**
 * The recipe for using an engine on another machine (a GPU server) from a
 * laptop's browser: the engine keeps listening on 127.0.0.1 only, and an SSH
 * tunnel carries the laptop's local port to it. The browser then talks to
 * localhost, so the host's Origin check holds, and the token in the address
 * still guards the engine from everyone else on either machine.
 */
import { hostname, userInfo } from 'node:os';

/** The local port the instructions suggest on the laptop. */
export const TUNNEL_LOCAL_PORT = 8080;

export function tunnelInstructions(port: number, token: string, server = hostname(), user = safeUser()): string[] {
  return [
    `From another machine: ssh -N -L ${TUNNEL_LOCAL_PORT}:127.0.0.1:${port} ${user}@${server}`,
    `                      then open http://localhost:${TUNNEL_LOCAL_PORT}/?token=${token}`,
  ];
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '<you>';
  }
}
