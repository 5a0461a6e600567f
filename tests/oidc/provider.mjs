// A real OpenID Connect provider on loopback, for testing bluebutton's upstream login seam
// (crates/domain/src/oauth/upstream.rs; docs/design/authorization.md, "Login seam").
//
// Test use only: plain http, in-memory storage, a signing key generated at each start, and
// oidc-provider's development login and consent pages (devInteractions), where any login
// name and any password sign in as the account of that name.
//
// Environment:
//   PORT           port on 127.0.0.1 (default 9410); the issuer is http://127.0.0.1:PORT
//   CLIENT_ID      the one registered client (required)
//   CLIENT_SECRET  its secret, client_secret_basic (required)
//   REDIRECT_URI   its redirect URIs, space-separated (required)
//   MBI            the MBI of account `enrollee1` (default 1S00E00AA00)
//
// Accounts: `enrollee1` carries the `mbi` claim, `mbi-<MBI>` that MBI; every other login name is an account of
// that name without one. The claim is released under the scope `mbi`: in the userinfo
// response, and in the ID token too when the authorization request asks for it with the
// `claims` parameter ({"id_token":{"mbi":null}}).
//
// Prints `READY <issuer>` on stdout once listening; exits cleanly on SIGTERM or SIGINT.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import process from 'node:process';

import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: environment variable ${name} is required`);
    process.exit(2);
  }
  return value;
}

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT ?? '9410', 10);
if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error(`provider.mjs: PORT must be a port number, got ${process.env.PORT}`);
  process.exit(2);
}
const ISSUER = `http://${HOST}:${PORT}`;
const CLIENT_ID = required('CLIENT_ID');
const CLIENT_SECRET = required('CLIENT_SECRET');
const REDIRECT_URI = required('REDIRECT_URI');
const MBI = process.env.MBI || '1S00E00AA00';

// Claims of the known accounts; any other login name is an account with only a name.
const ACCOUNTS = {
  enrollee1: { given_name: 'Jane', family_name: 'Doe', mbi: MBI },
};

function account(id) {
  // `mbi-<MBI>` logs in an enrollee with that MBI (for journeys over generated data).
  const byMbi = id.startsWith('mbi-') ? { given_name: 'Medicare', family_name: 'Enrollee', mbi: id.slice(4) } : null;
  const known = ACCOUNTS[id] ?? byMbi ?? { given_name: id, family_name: 'Test' };
  return {
    accountId: id,
    // oidc-provider keeps only the claims that the granted scopes and claims allow.
    async claims() {
      return {
        sub: id,
        name: `${known.given_name} ${known.family_name}`,
        given_name: known.given_name,
        family_name: known.family_name,
        ...(known.mbi ? { mbi: known.mbi } : {}),
      };
    },
  };
}

// A fresh RS256 key for each start: nothing here outlives the process.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `test-${randomBytes(6).toString('hex')}`,
  use: 'sig',
  alg: 'RS256',
};

const provider = new Provider(ISSUER, {
  // No adapter: oidc-provider's in-memory store.
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      // Space-separated: one provider serves the client test and the server journey.
      redirect_uris: REDIRECT_URI.split(' ').filter(Boolean),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  // Scope → claims. A key that is not a claim name becomes a scope (`mbi`).
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name'],
    mbi: ['mbi'],
  },
  findAccount: async (_ctx, id) => account(id),
  jwks: { keys: [signingKey] },
  // Cookies are signed with a per-start key. They are marked Secure only when the request
  // came over https (ctx.secure), so plain http on loopback works as is.
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    claimsParameter: { enabled: true },
    userinfo: { enabled: true },
  },
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
});
// Served directly, not behind a proxy: X-Forwarded-* headers are not trusted.
provider.proxy = false;

provider.on('server_error', (_ctx, err) => {
  console.error('provider.mjs: server_error', err);
});

const server = provider.listen(PORT, HOST, () => {
  console.log(`READY ${ISSUER}`);
});
server.on('error', (err) => {
  console.error(`provider.mjs: cannot listen on ${HOST}:${PORT}: ${err.message}`);
  process.exit(1);
});

function stop(signal) {
  server.close(() => process.exit(0));
  // Keep-alive connections must not hold the process open.
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
  console.error(`provider.mjs: ${signal}, stopping`);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
