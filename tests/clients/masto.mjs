// Drives two Staffroom servers with masto (the library behind Elk and other web
// apps), a client we did not write. Run by tests/clients.rs with the servers'
// addresses and two teachers' passwords in the environment. Each step prints its
// name; a failure names the step and exits 1.
import { createOAuthAPIClient, createRestAPIClient } from "masto";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const A = env("STAFFROOM_A");
const B = env("STAFFROOM_B");
const bDomain = new URL(B).host;
const scope = "read write follow";

let current = "start";
const step = (name) => {
  current = name;
  console.log(`step: ${name}`);
};
const check = (ok, message) => {
  if (!ok) throw new Error(message);
};

async function eventually(what, probe, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Registers an app and signs in with the password grant, as a quick-start script would. */
async function signIn(url, username, password) {
  const app = await createRestAPIClient({ url }).v1.apps.create({
    clientName: "masto test",
    redirectUris: "urn:ietf:wg:oauth:2.0:oob",
    scopes: scope,
    website: "https://example.org/",
  });
  check(app.clientId && app.clientSecret, `no client credentials: ${JSON.stringify(app)}`);
  const token = await createOAuthAPIClient({ url }).token.create({
    grantType: "password",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: "urn:ietf:wg:oauth:2.0:oob",
    username,
    password,
    scope,
  });
  check(token.tokenType === "Bearer" && token.scope === scope, `unexpected token: ${JSON.stringify(token)}`);
  return createRestAPIClient({ url, accessToken: token.accessToken });
}

async function main() {
  step("register an app and sign in on A (password grant)");
  const alice = await signIn(A, env("A_USER"), env("A_PASSWORD"));
  const me = await alice.v1.accounts.verifyCredentials();
  check(me.username === env("A_USER"), `signed in as ${me.username}`);
  const app = await alice.v1.apps.verifyCredentials();
  check(app.name === "masto test", `app is ${JSON.stringify(app)}`);

  step("post, reply, edit, delete");
  const post = await alice.v1.statuses.create({ status: "Hello from masto #edtech", visibility: "public" });
  check(post.content.includes("Hello from masto"), post.content);
  const reply = await alice.v1.statuses.create({ status: "Replying to myself", inReplyToId: post.id });
  check(reply.inReplyToId === post.id, `reply to ${reply.inReplyToId}`);
  const edited = await alice.v1.statuses.$select(post.id).update({ status: "Hello again from masto" });
  check(edited.content.includes("Hello again") && edited.editedAt, `edit: ${JSON.stringify(edited)}`);
  await alice.v1.statuses.$select(reply.id).remove();
  const gone = await alice.v1.statuses.$select(reply.id).fetch().then(() => false, (e) => e.statusCode === 404);
  check(gone, "the deleted reply is gone");

  step("teacher on B signs in");
  const bob = await signIn(B, env("B_USER"), env("B_PASSWORD"));

  step("search-resolve and follow the account on B");
  const handle = `@${env("B_USER")}@${bDomain}`;
  const found = await alice.v2.search.list({ q: handle, resolve: true, type: "accounts" });
  const remote = found.accounts[0];
  check(remote && remote.acct === `${env("B_USER")}@${bDomain}`, `${handle} not found: ${JSON.stringify(found)}`);
  await alice.v1.accounts.$select(remote.id).follow();
  await eventually("the follow is accepted", async () => {
    const [rel] = await alice.v1.accounts.relationships.fetch({ id: [remote.id] });
    return rel.following;
  });

  step("home timeline shows B's new post");
  await bob.v1.statuses.create({ status: "Exit tickets that work in ten minutes", visibility: "public" });
  const item = await eventually("the post from B reaches A's home timeline", async () => {
    const home = await alice.v1.timelines.home.list({ limit: 20 });
    return home.find((s) => s.content.includes("Exit tickets"));
  });
  check(item.account.acct === remote.acct, `posted by ${item.account.acct}`);

  step("a reply from B shows in A's thread and notifications");
  const question = await alice.v1.statuses.create({ status: "Favourite plenary activity? #edchat", visibility: "public" });
  const onB = await bob.v2.search.list({ q: question.uri, resolve: true, type: "statuses" });
  check(onB.statuses.length === 1, `B cannot resolve ${question.uri}: ${JSON.stringify(onB)}`);
  const aHandle = `@${env("A_USER")}@${new URL(A).host}`;
  await bob.v1.statuses.create({ status: `${aHandle} Mini whiteboards!`, inReplyToId: onB.statuses[0].id });
  await eventually("the reply is in A's thread", async () => {
    const thread = await alice.v1.statuses.$select(question.id).context.fetch();
    return thread.descendants.some((s) => s.content.includes("whiteboards"));
  });
  const mention = await eventually("a mention notification on A", async () => {
    const list = await alice.v1.notifications.list({ types: ["mention"] });
    return list.find((n) => n.status && n.status.content.includes("whiteboards"));
  });
  check(mention.account.acct === remote.acct, `mentioned by ${mention.account.acct}`);

  console.log("all steps passed");
}

main().catch((e) => {
  console.error(`FAILED at step "${current}":`, e);
  process.exit(1);
});
