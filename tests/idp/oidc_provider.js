// A real OpenID Provider (the npm `oidc-provider` package) for the single sign-on tests.
// Started by tests/sso/conftest.py with OIDC_CONFIG naming a JSON file:
//   {issuer, port, clients: [client metadata], keys: [private JWKs], accounts_file, id_token_ttl}
// accounts_file maps a login to the claims its ID token carries; it is read on every sign-in, so a
// test can add people while the provider runs. An unknown login gets {email: login, email_verified: true}.
// The sign-in page is this file's own plain form (no external fonts or scripts); consent is implied.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.env.OIDC_CONFIG, 'utf8'));
const CLAIMS = ['email', 'email_verified', 'xms_edov', 'name', 'given_name', 'family_name', 'job_title', 'department'];

function accounts() {
  try {
    return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
  } catch {
    return {};
  }
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: config.keys },
  cookies: { keys: ['continuum-test-provider-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified', 'xms_edov'], profile: ['name', 'given_name', 'family_name', 'job_title', 'department'] },
  conformIdTokenClaims: false, // the ID token carries the scopes' claims: the app reads no userinfo
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  ttl: { IdToken: config.id_token_ttl || 3600, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = accounts()[id] || { email: id, email_verified: true };
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    // A first-party provider: what the client asks for is granted without a consent page.
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(CLAIMS);
    await grant.save();
    return grant;
  },
});
provider.proxy = true;

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; if (data.length > 10000) req.destroy(); });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'POST') {
    const form = await readBody(ctx.req);
    const login = (form.get('login') || '').trim();
    if (login) {
      const url = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      ctx.redirect(url);
      return;
    }
  }
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1><p>Signing in to ${escape(details.params.client_id)}</p>
<form method="post" action="/interaction/${escape(match[1])}">
<label for="login">Username</label> <input id="login" name="login" autocomplete="off" required>
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in</button></form></main></body></html>`;
});

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${config.issuer}`);
});
