import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createAccount, writeMail } from '../worker/db/accounts';
import { claimMail } from '../worker/db/outbox';
import worker from '../worker/index';
import { newToken } from '../worker/lib/tokens';
import { backoffSeconds } from '../worker/queue';
import { call, count, db, makeAdmin, PASSWORD, signUp, withVars } from './helpers';

const fresh = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;

/** An outbox row written the way the Worker writes them, but not put on the queue: only these tests deliver it. */
async function queuedMail(to = `${fresh('rcpt')}@example.test`): Promise<number> {
  const [id] = await writeMail(db(), [{ to, subject: 'A test message', text: 'Hello.\n', html: '<p>Hello.</p>' }]);
  if (id === undefined) throw new Error('no outbox id');
  return id;
}

async function row(id: number) {
  return env.DB.prepare('SELECT status, attempts, last_error, sent_at, locked_until FROM outbox WHERE id = ?')
    .bind(id)
    .first<{
      status: string;
      attempts: number;
      last_error: string | null;
      sent_at: string | null;
      locked_until: string | null;
    }>();
}

let seq = 0;
/** Runs the Worker's real queue() handler on one message, as the Queue would deliver it. */
async function deliver(body: unknown, attempts = 1) {
  seq += 1;
  const batch = createMessageBatch('blt-next-mail', [{ id: `m${seq}`, timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe('mail queue consumer', () => {
  it('sends a pending message through the send_email binding and marks it sent, once', async () => {
    const id = await queuedMail();
    const result = await deliver({ outbox_id: id });
    expect(result.explicitAcks).toEqual([`m${seq}`]);
    expect(result.retryMessages).toEqual([]);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1, last_error: null, locked_until: null });
    expect((await row(id))?.sent_at).toBeTruthy();
    // The same queue message again (at-least-once delivery): acked, not sent a second time.
    const again = await deliver({ outbox_id: id }, 2);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('a failing send is retried with growing backoff and is dead after MAIL_MAX_ATTEMPTS tries', async () => {
    const id = await queuedMail();
    // The local binding refuses any sender but MAIL_FROM (vitest.config.ts): every send fails for real.
    await withVars({ MAIL_FROM: 'intruder@example.com', MAIL_MAX_ATTEMPTS: '3' }, async () => {
      const first = await deliver({ outbox_id: id }, 1);
      expect(first.retryMessages).toEqual([{ msgId: `m${seq}` }]);
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, locked_until: null });
      expect((await row(id))?.last_error).toContain('not allowed');
      const second = await deliver({ outbox_id: id }, 2);
      expect(second.retryMessages).toEqual([{ msgId: `m${seq}` }]);
      const third = await deliver({ outbox_id: id }, 3);
      expect(third.retryMessages).toEqual([]);
      expect(third.explicitAcks).toHaveLength(1);
      expect(await row(id)).toMatchObject({ status: 'dead', attempts: 3 });
      // A dead message is never tried again.
      await deliver({ outbox_id: id }, 4);
      expect(await row(id)).toMatchObject({ status: 'dead', attempts: 3 });
    });
  });

  it('backs off 30 s, 1 min, 2 min … up to an hour between tries', () => {
    expect([1, 2, 3, 4, 10, 30].map(backoffSeconds)).toEqual([30, 60, 120, 240, 3600, 3600]);
  });

  it('a failed message that then goes through is marked sent', async () => {
    const id = await queuedMail();
    await withVars({ MAIL_FROM: 'intruder@example.com' }, () => deliver({ outbox_id: id }));
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1 });
    await deliver({ outbox_id: id }, 2);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
  });

  it('a message another consumer holds is not sent twice at once', async () => {
    const id = await queuedMail();
    expect(await claimMail(db(), id)).toBeTruthy(); // another consumer took it a moment ago
    const result = await deliver({ outbox_id: id });
    expect(result.explicitAcks).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('a message that names no outbox row is dropped', async () => {
    for (const body of ['hello', { outbox_id: 'x' }, { outbox_id: 999999999 }, null]) {
      const result = await deliver(body);
      expect(result.explicitAcks).toHaveLength(1);
      expect(result.retryMessages).toEqual([]);
    }
  });

  it('sign-up puts its mail on the real queue, and the consumer sends it', async () => {
    const username = fresh('queued');
    const email = `${username}@example.test`;
    await call('/api/auth/signup', { form: { username, email, password: PASSWORD, password_confirmation: PASSWORD } });
    let status = '';
    for (let i = 0; i < 50 && status !== 'sent'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status =
        (await env.DB.prepare('SELECT status FROM outbox WHERE to_address = ?').bind(email).first<string>('status')) ??
        '';
    }
    expect(status).toBe('sent');
  });
});

describe('the cron sweep', () => {
  it('puts mail still pending after 10 minutes (its queue message was lost) on the queue again', async () => {
    const stale = await queuedMail();
    const recent = await queuedMail();
    await env.DB.prepare(
      "UPDATE outbox SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-20 minutes') WHERE id = ?",
    )
      .bind(stale)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/15 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    let status = '';
    for (let i = 0; i < 50 && status !== 'sent'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await row(stale))?.status ?? '';
    }
    expect(status).toBe('sent');
    expect((await row(recent))?.status).toBe('pending'); // not its turn: its own queue message may still come
  });
});

describe('outbox writes are atomic with what causes them', () => {
  it('a sign-up batch that fails leaves neither the account nor its mail', async () => {
    const { hash } = await newToken();
    const taken = await signUp('tokenowner');
    // A token row with this hash already exists, so the batch's token insert fails.
    await env.DB.prepare(
      "INSERT INTO email_tokens (token_hash, user_id, purpose, email, expires_at) VALUES (?, ?, 'verify', ?, '2999-01-01T00:00:00.000Z')",
    )
      .bind(hash, taken.id, taken.email)
      .run();
    const username = fresh('atomic');
    const email = `${username}@example.test`;
    const mail = { to: email, subject: 'Confirm', text: 'x', html: '<p>x</p>' };
    await expect(
      createAccount(
        db(),
        { username, email, passwordHash: 'pbkdf2-sha256$1$AA==$AA==', skeleton: username },
        { hash, mail },
      ),
    ).rejects.toThrow(/UNIQUE constraint failed: email_tokens.token_hash/);
    expect(await count('users', 'username = ?', username)).toBe(0);
    expect(await count('outbox', 'to_address = ?', email)).toBe(0);
  });

  it('a mail batch whose token cannot be written sends nothing', async () => {
    const u = await signUp('tokfail');
    const to = `${fresh('nomail')}@example.test`;
    await expect(
      writeMail(db(), [{ to, subject: 's', text: 't', html: 'h' }], {
        hash: 'too short to be a sha-256',
        userId: u.id,
        purpose: 'reset',
        email: to,
      }),
    ).rejects.toThrow(/CHECK constraint failed/);
    expect(await count('outbox', 'to_address = ?', to)).toBe(0);
  });
});

describe('dev and admin outbox', () => {
  it('/dev/outbox lists messages newest first, as a page and as JSON', async () => {
    const to = `${fresh('devbox')}@example.test`;
    await writeMail(db(), [{ to, subject: 'Older', text: 'older text', html: '<p>older</p>' }]);
    await writeMail(db(), [{ to, subject: 'Newer', text: 'newer text http://example.com/x', html: '<p>newer</p>' }]);
    const res = await call('/dev/outbox', { json: true });
    expect(res.status).toBe(200);
    const { messages } = await res.json<{ messages: Record<string, unknown>[] }>();
    const mine = messages.filter((m) => m.to === to);
    expect(mine.map((m) => m.subject)).toEqual(['Newer', 'Older']);
    expect(Object.keys(mine[0]!).sort()).toEqual(['created_at', 'html', 'status', 'subject', 'text', 'to']);
    expect(mine[0]).toMatchObject({ text: 'newer text http://example.com/x', html: '<p>newer</p>', status: 'pending' });
    const page = await (await call('/dev/outbox')).text();
    // Its links can be followed from the page.
    expect(page).toContain('<p>newer text <a href="http://example.com/x">http://example.com/x</a></p>');
    expect(page.indexOf('Newer')).toBeLessThan(page.indexOf('Older'));
  });

  it('/admin/outbox shows failed and dead mail to admins, without bodies; 404 for anyone else', async () => {
    const id = await queuedMail();
    await withVars({ MAIL_FROM: 'intruder@example.com', MAIL_MAX_ATTEMPTS: '1' }, () => deliver({ outbox_id: id }));
    const admin = await signUp('mailadmin');
    await makeAdmin(admin.id);
    const res = await call('/admin/outbox', { json: true, cookie: admin.cookie });
    expect(res.status).toBe(200);
    const { messages } = await res.json<{ messages: { id: number; status: string; text?: string }[] }>();
    const dead = messages.find((m) => m.id === id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
    expect(dead).not.toHaveProperty('text');
    expect(await (await call('/admin/outbox', { cookie: admin.cookie })).text()).toContain('Last error:');
    const user = await signUp('notadmin');
    expect((await call('/admin/outbox', { cookie: user.cookie })).status).toBe(404);
    expect((await call('/admin/outbox')).status).toBe(404);
  });
});
