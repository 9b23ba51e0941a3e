// A fake SMTP server on 127.0.0.1 (the smtp-server package): requires the given login, records
// each message, and can be told to reject the next ones with an SMTP code.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  receivedAt: number;
}

export class FakeSmtp {
  readonly messages: ReceivedMail[] = [];
  readonly rejections: Array<{ code: number; message: string }> = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private constructor(private readonly server: SMTPServer, readonly port: number, readonly user: string, readonly password: string) {}

  static async start(user = 'alerts', password = 'smtpSecretPassw0rd'): Promise<FakeSmtp> {
    let self: FakeSmtp | undefined;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === user && auth.password === password) cb(null, { user });
        else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const reject = self!.rejections.shift();
          if (reject) return cb(Object.assign(new Error(reject.message), { responseCode: reject.code }));
          self!.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            receivedAt: Date.now(),
          });
          const ready = self!.waiters.filter((w) => self!.messages.length >= w.n);
          self!.waiters = self!.waiters.filter((w) => self!.messages.length < w.n);
          for (const w of ready) w.resolve();
          cb();
        });
      },
    });
    server.on('error', () => { /* client disconnects are not test failures */ });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
    self = new FakeSmtp(server, port, user, password);
    return self;
  }

  get url(): string {
    return `smtp://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}`;
  }

  waitForMessages(n: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    if (this.messages.length >= n) return Promise.resolve(this.messages.slice());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`fake smtp: ${this.messages.length} of ${n} messages after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ n, resolve: () => { clearTimeout(t); resolve(this.messages.slice()); } });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
