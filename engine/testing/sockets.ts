/**
 * Socket ends for tests that talk to a real host over real sockets: which
 * errors are the expected end of a connection the other side closed, and the
 * answer a WebSocket upgrade gets (a refusal's HTTP status, or 'opened').
 */
import WebSocket from 'ws';

/**
 * A reset or a broken pipe: the other side closed (or died) while this side
 * still had the connection open. Where a test ends a connection that way on
 * purpose this is the expected end; any other error is a failure.
 */
export function endedByPeer(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The HTTP status with which a WebSocket upgrade to `url` is refused, or
 * 'opened' when it is accepted (the socket is then closed again). Resolves
 * once the attempt has ended, so no socket outlives the call. The refusing
 * host ends the socket after its status line, so a reset or broken pipe after
 * the answer is the expected end; an error before any answer (nothing
 * listens, the connection was reset before the status line) or any other
 * error rejects, rather than leaving the test waiting for an answer that
 * will not come.
 */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number | 'opened'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let answer: number | 'opened' | undefined;
    const ended = () => (answer === undefined ? reject(new Error(`the upgrade to ${url} ended without an answer`)) : resolve(answer));
    ws.on('unexpected-response', (req, res) => {
      answer = res.statusCode ?? 0;
      res.resume();
      req.once('close', ended);
    });
    ws.on('open', () => {
      answer = 'opened';
      ws.close();
    });
    ws.on('close', ended);
    ws.on('error', (error) => {
      if (answer === undefined || !endedByPeer(error)) reject(error);
    });
  });
}
