import { createHmac } from 'node:crypto';
import { verifyWebhookSignature } from '../../src';
import { webhookSignature } from '../../src/adapters/webhooks/webhook-signature';

const body = '{"id":12,"type":"booking.created"}';
const t = 1_800_000_000;
const now = new Date(t * 1000);

describe('verifyWebhookSignature (for receivers)', () => {
  it('accepts a header signed with the secret, from a string or a Buffer body', () => {
    const header = webhookSignature('whsec_current', body, t);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', 'whsec_current').update(`${t}.${body}`).digest('hex')}`);
    expect(verifyWebhookSignature(body, header, 'whsec_current', { now })).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), header, 'whsec_current', { now })).toBe(true);
    // Any of a receiver's own secrets will do.
    expect(verifyWebhookSignature(body, header, ['whsec_other', 'whsec_current'], { now })).toBe(true);
  });

  it('refuses a tampered body, another secret, a tampered signature and malformed headers', () => {
    const header = webhookSignature('whsec_current', body, t);
    expect(verifyWebhookSignature(body.replace('12', '13'), header, 'whsec_current', { now })).toBe(false);
    expect(verifyWebhookSignature(body, header, 'whsec_other', { now })).toBe(false);
    expect(verifyWebhookSignature(body, header, [], { now })).toBe(false);
    expect(verifyWebhookSignature(body, header, '', { now })).toBe(false);
    const flipped = header.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`);
    expect(verifyWebhookSignature(body, flipped, 'whsec_current', { now })).toBe(false);
    // The t is signed: moving it breaks the signature even within the tolerance.
    expect(verifyWebhookSignature(body, header.replace(`t=${t}`, `t=${t + 1}`), 'whsec_current', { now })).toBe(false);
    for (const bad of ['', 'garbage', `t=${t}`, header.replace(/^t=\d+,/, ''), `t=abc,${header.split(',')[1]}`, `t=${t},v1=zz`, `${header}0`]) {
      expect(verifyWebhookSignature(body, bad, 'whsec_current', { now })).toBe(false);
    }
  });

  it('refuses a t older or newer than the tolerance (300 s by default)', () => {
    const header = webhookSignature('whsec_current', body, t);
    expect(verifyWebhookSignature(body, header, 'whsec_current', { now: new Date((t + 300) * 1000) })).toBe(true);
    expect(verifyWebhookSignature(body, header, 'whsec_current', { now: new Date((t + 301) * 1000) })).toBe(false);
    expect(verifyWebhookSignature(body, header, 'whsec_current', { now: new Date((t - 301) * 1000) })).toBe(false);
    expect(verifyWebhookSignature(body, header, 'whsec_current', { now: new Date((t + 3600) * 1000), toleranceSeconds: 3600 })).toBe(true);
    expect(verifyWebhookSignature(body, header, 'whsec_current', { now: new Date((t + 61) * 1000), toleranceSeconds: 60 })).toBe(false);
    // Without `now`, the system clock: a signature made just now passes, one from 2027 does not.
    expect(verifyWebhookSignature(body, webhookSignature('s', body, Math.floor(Date.now() / 1000)), 's')).toBe(true);
    expect(verifyWebhookSignature(body, header, 'whsec_current')).toBe(Math.abs(Date.now() / 1000 - t) <= 300);
  });

  it('accepts a header with two v1= values (a rotation in its grace period) with either secret', () => {
    const header = webhookSignature(['whsec_new', 'whsec_old'], body, t);
    const values = header.split(',');
    expect(values).toHaveLength(3);
    expect(values[1]).toBe(webhookSignature('whsec_new', body, t).split(',')[1]);
    expect(values[2]).toBe(webhookSignature('whsec_old', body, t).split(',')[1]);
    expect(verifyWebhookSignature(body, header, 'whsec_new', { now })).toBe(true);
    expect(verifyWebhookSignature(body, header, 'whsec_old', { now })).toBe(true);
    expect(verifyWebhookSignature(body, header, 'whsec_neither', { now })).toBe(false);
    expect(verifyWebhookSignature(body.slice(1), header, ['whsec_new', 'whsec_old'], { now })).toBe(false);
  });
});
