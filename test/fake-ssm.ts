import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Credentials the SDK signs with, for FakeSsm (which does not check them); no instance metadata lookup. */
export const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLETEST', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_EC2_METADATA_DISABLED: 'true' };

/** A stand-in for SSM on 127.0.0.1 speaking its JSON 1.1 protocol. */
export class FakeSsm {
  readonly requests: any[] = [];
  parameters: Record<string, string> = {};
  pageSize = 3;
  /** Answers the next n requests with this error (type, HTTP status). */
  failures: Array<{ type: string; status: number; message: string }> = [];
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const request = JSON.parse(body);
      this.requests.push({ target: req.headers['x-amz-target'], auth: req.headers.authorization, ...request });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      const failure = this.failures.shift();
      if (failure) return reply(failure.status, { __type: failure.type, message: failure.message });
      if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParametersByPath') return reply(400, { __type: 'InvalidAction', message: 'unexpected' });
      const names = Object.keys(this.parameters)
        .filter((n) => n.startsWith(`${request.Path}/`))
        .sort();
      const start = request.NextToken ? Number(request.NextToken) : 0;
      const page = names.slice(start, start + this.pageSize);
      reply(200, {
        Parameters: page.map((Name) => ({ Name, Type: 'String', Value: this.parameters[Name], Version: 1 })),
        ...(start + this.pageSize < names.length ? { NextToken: String(start + this.pageSize) } : {}),
      });
    });
  }
}
