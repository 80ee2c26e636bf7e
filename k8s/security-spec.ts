// spec.tls and spec.auth of an EtcdCluster. Secrets are referenced by name, never inlined: the
// operator reads them inside activities, so no key or password reaches a workflow's history.
import { z } from 'zod';

// A Secret name: a DNS-1123 subdomain.
const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_MSG = 'must be the name of a Secret in the cluster\'s namespace (lowercase letters, digits, "-" and ".")';
export const secretName = () => z.string({ error: SECRET_MSG }).min(1, { error: SECRET_MSG }).max(253, { error: SECRET_MSG }).regex(SECRET_NAME, { error: SECRET_MSG });

// Go-style durations of hours, minutes and seconds: 2160h, 90m, 1h30m.
const DURATION = /^([0-9]+(h|m|s))+$/;
const DURATION_MSG = 'must be a duration like 2160h, 90m or 1h30m (at least 1m)';
const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };
/** `1h30m` -> 5400000. */
export const durationMs = (d: string): number => [...d.matchAll(/([0-9]+)(h|m|s)/g)].reduce((ms, [, n, u]) => ms + Number(n) * unitMs[u!]!, 0);

export const TLS_SECRET_FIELDS = ['peerSecret', 'serverSecret', 'operatorClientSecret'] as const;

export const TlsSchema = z.object({
  mode: z.enum(['auto', 'secrets'], { error: 'must be auto (the operator issues its own CA and certificates) or secrets (your kubernetes.io/tls Secrets)' })
    .describe('auto: the operator issues a CA and every certificate into Secrets it owns, and renews them; secrets: peerSecret, serverSecret and operatorClientSecret name your own Secrets.'),
  peerSecret: secretName().optional()
    .describe('mode secrets: kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) for member-to-member traffic; its certificate needs the server and client usages and the SAN *.<cluster>.<namespace>.svc.'),
  serverSecret: secretName().optional()
    .describe('mode secrets: kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) the members serve clients with; its SANs must include <cluster>-client.<namespace>.svc (the name the operator verifies).'),
  operatorClientSecret: secretName().optional()
    .describe('mode secrets: kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) with the client certificate the operator presents; ca.crt verifies the members\' server certificate.'),
  clientCertAuth: z.boolean({ error: 'must be true or false' }).default(false)
    .describe('Clients must present a certificate signed by the server Secret\'s CA (etcd --client-cert-auth).'),
  autoCertificateValidity: z.string({ error: DURATION_MSG }).max(32).regex(DURATION, { error: DURATION_MSG })
    .refine((d) => durationMs(d) >= 60_000, { error: DURATION_MSG }).default('2160h')
    .describe('mode auto: lifetime of the issued peer, server and client certificates; each is renewed (and the members restarted one at a time) when a third of it is left.'),
}).superRefine((t, ctx) => {
  for (const f of TLS_SECRET_FIELDS) {
    if (t.mode === 'secrets' && !t[f]) ctx.addIssue({ code: 'custom', path: [f], message: `spec.tls.${f} is required when spec.tls.mode is secrets` });
    if (t.mode === 'auto' && t[f]) ctx.addIssue({ code: 'custom', path: [f], message: `spec.tls.${f} must not be set when spec.tls.mode is auto (the operator issues that certificate)` });
  }
});

export const AuthSchema = z.object({
  enabled: z.boolean({ error: 'must be true or false' }).default(false)
    .describe('Turn etcd authentication on: clients log in as an EtcdUser (or root).'),
  rootSecret: secretName().optional()
    .describe('Secret whose key "password" is the root user\'s password; default <cluster>-root, created with a random password if absent.'),
});

export type TlsSpec = z.output<typeof TlsSchema>;
export type AuthSpec = z.output<typeof AuthSchema>;
