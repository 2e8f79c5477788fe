// Fedify-based ActivityPub peer used by Staffroom's integration tests.
//
// One process serves one local actor over plain HTTP on 127.0.0.1:$PORT.
// Federation traffic (actor, inboxes, collections, objects) is handled by
// Fedify; the /_control/* routes let a test drive the peer and inspect what
// it received.  Everything lives in memory and is lost when the process ends.
//
// Environment:
//   PORT                 required; the TCP port to listen on (127.0.0.1 only)
//   PEER_USER            local actor identifier (default "fedi")
//   PEER_NAME            actor display name (default "Fedify peer <user>")
//   FIRST_KNOCK          "draft-cavage-http-signatures-12" (default) or
//                        "rfc9421": HTTP signature scheme tried first when
//                        delivering to / fetching from a server it has not
//                        talked to yet (Fedify retries with the other one).
//   MANUAL_APPROVAL      "1" to hold incoming follows until
//                        /_control/accept or /_control/reject (default: off,
//                        follows are accepted automatically)
//   ACCEPT_DELAY_MS      delay before the automatic Accept is sent (default
//                        100); the Accept is always sent after the inbox
//                        request that carried the Follow has been answered
//   PREFER_SHARED_INBOX  "1" to deliver to recipients' shared inboxes
//   SIGNED_FETCH         "0" to fetch remote objects without signing the GET
//                        (default: signed, like "authorized fetch" clients)
//   PEER_ACTOR_TYPE      "Person" (default) or "Group": a Group relays
//                        activities to its followers wrapped in Announce
//                        (FEP-1b12) through /_control/relay
//   FEDIFY_LOG_LEVEL     level for Fedify's own log output on stderr
//                        (debug|info|warning|error; default "warning")

import http from "node:http";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getTextFormatter } from "@logtape/logtape";
import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Collection,
  Create,
  Delete,
  Document,
  Endpoints,
  Flag,
  Follow,
  Group,
  Hashtag,
  isActor,
  Like,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Question,
  Reject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";

// ---------------------------------------------------------------------------
// Configuration

const PORT = Number.parseInt(process.env.PORT ?? "", 10);
if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error("peer: the PORT environment variable is required (1-65535)");
  process.exit(2);
}
const USER = process.env.PEER_USER || "fedi";
if (!/^[A-Za-z0-9_.-]+$/.test(USER)) {
  console.error(`peer: invalid PEER_USER ${JSON.stringify(USER)}`);
  process.exit(2);
}
const DISPLAY_NAME = process.env.PEER_NAME || `Fedify peer ${USER}`;
const FIRST_KNOCK = process.env.FIRST_KNOCK || "draft-cavage-http-signatures-12";
if (!["rfc9421", "draft-cavage-http-signatures-12"].includes(FIRST_KNOCK)) {
  console.error(
    `peer: FIRST_KNOCK must be "rfc9421" or "draft-cavage-http-signatures-12", got ${JSON.stringify(FIRST_KNOCK)}`,
  );
  process.exit(2);
}
const ACTOR_TYPE = process.env.PEER_ACTOR_TYPE || "Person";
if (!["Person", "Group"].includes(ACTOR_TYPE)) {
  console.error(`peer: PEER_ACTOR_TYPE must be "Person" or "Group", got ${JSON.stringify(ACTOR_TYPE)}`);
  process.exit(2);
}
const truthy = (v) => ["1", "true", "yes", "on"].includes(String(v ?? "").toLowerCase());
const MANUAL_APPROVAL = truthy(process.env.MANUAL_APPROVAL);
const ACCEPT_DELAY_MS = Math.max(0, Number.parseInt(process.env.ACCEPT_DELAY_MS ?? "100", 10) || 0);
const PREFER_SHARED_INBOX = truthy(process.env.PREFER_SHARED_INBOX);
const SIGNED_FETCH = process.env.SIGNED_FETCH == null ? true : truthy(process.env.SIGNED_FETCH);
const FEDIFY_LOG_LEVEL = process.env.FEDIFY_LOG_LEVEL || "warning";

const HOST = "127.0.0.1";
const ORIGIN = `http://${HOST}:${PORT}`;
const STARTED = Temporal.Now.instant();

function log(...parts) {
  console.log(`[peer ${USER}@${PORT}]`, ...parts);
}

// Fedify's own log records (e.g. why a signature was rejected) go to stderr.
const logFormatter = getTextFormatter();
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: (record) => process.stderr.write(logFormatter(record)) },
  loggers: [
    { category: "fedify", lowestLevel: FEDIFY_LOG_LEVEL, sinks: ["stderr"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
  ],
});

// ---------------------------------------------------------------------------
// In-memory state

let seq = 0;
const nextSeq = () => ++seq;

const state = {
  /** Activities that reached an inbox listener, in arrival order. */
  received: [],
  /** Every POST that reached one of our inboxes, with Fedify's answer. */
  inboxRequests: [],
  /** Every HTTP request this peer made (deliveries and fetches). */
  outgoing: [],
  /** actor id -> { actor (Actor object), followId, since } */
  followers: new Map(),
  /** actor id -> { actor, follow (Follow object), since } (MANUAL_APPROVAL) */
  pendingFollowers: new Map(),
  /** target actor id -> { target, actor, followId, state, ... } */
  following: new Map(),
  /** local note uuid -> { note, create, extras, visibility, deleted } */
  notes: new Map(),
  /** id href -> { activity, recipients } for our own Follow/Like/Announce */
  activities: new Map(),
  /** our own Create/Announce activities, oldest first (outbox) */
  outbox: [],
};

const MAX_LOG = 1000;
function pushBounded(list, item) {
  list.push(item);
  if (list.length > MAX_LOG) list.splice(0, list.length - MAX_LOG);
}

// Record every outgoing HTTP request Fedify makes (deliveries, key and object
// fetches) so tests can see exactly what went over the wire.
const originalFetch = globalThis.fetch;
globalThis.fetch = async function recordingFetch(input, init) {
  const request = input instanceof Request ? input : new Request(input, init);
  const entry = {
    seq: nextSeq(),
    at: new Date().toISOString(),
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
    body: null,
    status: null,
    error: null,
  };
  if (request.method !== "GET" && request.method !== "HEAD" && request.body != null) {
    try {
      entry.body = await request.clone().text();
    } catch {
      entry.body = null;
    }
  }
  pushBounded(state.outgoing, entry);
  try {
    const response = await originalFetch(input, init);
    entry.status = response.status;
    return response;
  } catch (error) {
    entry.error = String(error?.message ?? error);
    throw error;
  }
};

// ---------------------------------------------------------------------------
// Federation

const kv = new MemoryKvStore();
const federation = createFederation({
  kv,
  origin: ORIGIN,
  allowPrivateAddress: true,
  firstKnock: FIRST_KNOCK,
});

// RSA-2048 like Mastodon (Fedify's generateCryptoKeyPair() makes 4096-bit
// keys, which take noticeably longer to generate at startup).
const rsaKeyPair = await crypto.subtle.generateKey(
  {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    publicExponent: new Uint8Array([0x01, 0x00, 0x01]),
    hash: "SHA-256",
  },
  true,
  ["sign", "verify"],
);
const ed25519KeyPair = await generateCryptoKeyPair("Ed25519");

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    const ActorClass = ACTOR_TYPE === "Group" ? Group : Person;
    return new ActorClass({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: DISPLAY_NAME,
      summary: "ActivityPub test peer built on Fedify",
      url: new URL(`/@${identifier}`, ORIGIN),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0]?.cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
      manuallyApprovesFollowers: MANUAL_APPROVAL,
      discoverable: true,
      indexable: true,
      published: STARTED,
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) =>
    identifier === USER ? [rsaKeyPair, ed25519KeyPair] : []
  );

// Plain Recipient objects: Fedify renders them as bare ids in the followers
// collection and uses inboxId/endpoints when delivering to "followers".
function followerRecipients() {
  return [...state.followers.values()].map((f) => ({
    id: f.actor.id,
    inboxId: f.actor.inboxId,
    endpoints: f.actor.endpoints == null ? null : { sharedInbox: f.actor.endpoints.sharedInbox },
  }));
}

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier, _cursor, filter) => {
    if (identifier !== USER) return null;
    let items = followerRecipients();
    // FEP-8fcf: `filter` is the base URI of the server the collection is
    // synchronised with; only list followers on that server.
    if (filter != null) items = items.filter((a) => a.id?.origin === filter.origin);
    return { items };
  })
  .setCounter((_ctx, identifier) => (identifier === USER ? state.followers.size : null));

federation
  .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
    if (identifier !== USER) return null;
    const items = [...state.following.values()]
      .filter((f) => f.state === "accepted")
      .map((f) => new URL(f.target));
    return { items };
  })
  .setCounter((_ctx, identifier) =>
    identifier === USER ? [...state.following.values()].filter((f) => f.state === "accepted").length : null
  );

federation
  .setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
    if (identifier !== USER) return null;
    return { items: [...state.outbox].reverse() };
  })
  .setCounter((_ctx, identifier) => (identifier === USER ? state.outbox.length : null));

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (_ctx, values) => {
  if (values.identifier !== USER) return null;
  const entry = state.notes.get(values.id);
  return entry && !entry.deleted ? entry.note : null;
});
federation.setObjectDispatcher(Create, "/users/{identifier}/notes/{id}/activity", (_ctx, values) => {
  if (values.identifier !== USER) return null;
  const entry = state.notes.get(values.id);
  return entry && !entry.deleted ? entry.create : null;
});
for (const [cls, segment] of [[Follow, "follows"], [Like, "likes"], [Announce, "announces"], [Flag, "flags"]]) {
  federation.setObjectDispatcher(cls, `/users/{identifier}/${segment}/{id}`, (ctx, values) => {
    if (values.identifier !== USER) return null;
    const uri = ctx.getObjectUri(cls, values).href;
    const entry = state.activities.get(uri);
    return entry && !entry.undone ? entry.activity : null;
  });
}

// ---------------------------------------------------------------------------
// Helpers

const actorUri = () => new URL(`/users/${USER}`, ORIGIN);
const followersUri = () => new URL(`/users/${USER}/followers`, ORIGIN);
const href = (u) => (u == null ? null : u instanceof URL ? u.href : String(u));

function newContext() {
  return federation.createContext(new URL(ORIGIN), undefined);
}

async function loaderFor(ctx) {
  return SIGNED_FETCH ? await ctx.getDocumentLoader({ identifier: USER }) : ctx.documentLoader;
}

async function lookup(ctx, url) {
  const documentLoader = await loaderFor(ctx);
  let obj;
  try {
    obj = await ctx.lookupObject(String(url), { documentLoader });
  } catch (e) {
    throw new HttpError(502, `could not fetch ${url}: ${errorMessage(e)}`);
  }
  if (obj == null) throw new HttpError(502, `could not fetch ${url} (not found or not an ActivityStreams object)`);
  return obj;
}

async function lookupActor(ctx, url) {
  const obj = await lookup(ctx, url);
  if (!isActor(obj)) throw new HttpError(502, `${url} is not an actor`);
  if (obj.inboxId == null) throw new HttpError(502, `actor ${url} has no inbox`);
  return obj;
}

/** Finds the author of a remote (or local) object and fetches the actor. */
async function lookupAuthor(ctx, objectUrl) {
  const obj = await lookup(ctx, objectUrl);
  const authorId = obj.attributionId ?? (obj instanceof Activity ? obj.actorId : null);
  if (authorId == null) throw new HttpError(502, `${objectUrl} has no attributedTo`);
  return { object: obj, author: await lookupActor(ctx, authorId) };
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function errorMessage(e) {
  return String(e?.message ?? e);
}

/**
 * Sends `activity` to "followers" and/or a list of recipients; never throws.
 * Returns a list of delivery error messages (empty when everything worked).
 */
async function deliver(ctx, activity, { followers = false, recipients = [] } = {}) {
  const errors = [];
  const options = { preferSharedInbox: PREFER_SHARED_INBOX };
  // Extra recipients that are followers anyway are not added twice.
  const seen = new Set(followers ? state.followers.keys() : []);
  const extra = [];
  for (const r of recipients) {
    const id = href(r.id);
    if (id == null || seen.has(id)) continue;
    seen.add(id);
    extra.push(r);
  }
  try {
    if (followers && extra.length === 0) {
      await ctx.sendActivity({ identifier: USER }, "followers", activity, options);
    } else if (extra.length > 0) {
      // One call for followers and extra recipients, so that Fedify merges
      // recipients sharing an inbox and each inbox gets one POST.
      const list = followers ? [...followerRecipients(), ...extra] : extra;
      await ctx.sendActivity({ identifier: USER }, list, activity, options);
    }
  } catch (e) {
    errors.push(errorMessage(e));
  }
  for (const e of errors) log(`delivery error for ${href(activity.id)}: ${e.split("\n")[0]}`);
  return errors;
}

function activityType(json, activity) {
  if (json && typeof json.type === "string") return json.type;
  if (json && Array.isArray(json.type)) return json.type.join(",");
  return activity?.constructor?.name ?? "Activity";
}

function signatureInfo(headers) {
  const sigInput = headers["signature-input"];
  const sig = headers["signature"];
  if (sigInput) {
    const keyid = /keyid="([^"]*)"/i.exec(sigInput)?.[1] ?? null;
    const components = /\(([^)]*)\)/.exec(sigInput)?.[1] ?? null;
    return { scheme: "rfc9421", keyId: keyid, components, input: sigInput };
  }
  if (sig) {
    const keyId = /keyId="([^"]*)"/.exec(sig)?.[1] ?? null;
    const signedHeaders = /headers="([^"]*)"/.exec(sig)?.[1] ?? null;
    const algorithm = /algorithm="([^"]*)"/.exec(sig)?.[1] ?? null;
    return { scheme: "draft-cavage-http-signatures-12", keyId, headers: signedHeaders, algorithm };
  }
  return { scheme: null };
}

/**
 * Records an activity that reached an inbox listener.  Call it before
 * dereferencing anything on the activity: Fedify caches fetched objects
 * inside the activity and toJsonLd() would then embed them.
 */
async function record(ctx, activity) {
  let json = null;
  try {
    json = await activity.toJsonLd({ contextLoader: ctx.contextLoader });
  } catch (e) {
    json = { error: `toJsonLd failed: ${errorMessage(e)}` };
  }
  const req = ctx.data ?? {};
  const entry = {
    seq: nextSeq(),
    receivedAt: new Date().toISOString(),
    type: activityType(json, activity),
    id: href(activity.id),
    actor: href(activity.actorId),
    object: href(activity.objectId),
    json,
    raw: req.json ?? null,
    recipient: ctx.recipient ?? null,
    inbox: req.path ?? null,
    request: req.headers
      ? {
        method: req.method,
        path: req.path,
        contentType: req.headers["content-type"] ?? null,
        userAgent: req.headers["user-agent"] ?? null,
        date: req.headers["date"] ?? null,
        digest: req.headers["digest"] ?? null,
        contentDigest: req.headers["content-digest"] ?? null,
        signature: signatureInfo(req.headers),
        hasLdSignature: !!(req.json && typeof req.json === "object" && req.json.signature),
        hasProof: !!(req.json && typeof req.json === "object" && req.json.proof),
      }
      : null,
    note: null,
  };
  pushBounded(state.received, entry);
  if (req.entry) req.entry.activity = { type: entry.type, id: entry.id, seq: entry.seq };
  return entry;
}

/** Attaches what the listener did with the activity and logs one line. */
function done(entry, note) {
  entry.note = note ?? null;
  log(
    `recv ${entry.type} id=${entry.id} actor=${entry.actor} object=${entry.object} via ${entry.inbox ?? "?"}` +
      (note ? ` (${note})` : ""),
  );
}

/** A bare copy of a received Follow (id, actor, object) to embed in answers. */
function bareFollow(follow) {
  return new Follow({ id: follow.id, actor: follow.actorId, object: follow.objectId });
}

function scheduleAccept(ctx, follow, follower) {
  const send = async () => {
    const accept = new Accept({
      id: new URL(`${actorUri().href}#accepts/${randomUUID()}`),
      actor: actorUri(),
      object: bareFollow(follow),
      to: follower.id,
    });
    const errors = await deliver(ctx, accept, { recipients: [follower] });
    log(`sent Accept for ${href(follow.id)} to ${href(follower.id)}${errors.length ? " FAILED" : ""}`);
  };
  setTimeout(() => send().catch((e) => log(`accept failed: ${errorMessage(e)}`)), ACCEPT_DELAY_MS);
}

function findFollowingByFollowId(id) {
  if (id == null) return null;
  for (const entry of state.following.values()) if (entry.followId === id) return entry;
  return null;
}

/**
 * Works out which of our Follows an Accept/Reject answers: by the Follow id
 * (object given as a URI or embedded), or by an embedded Follow without a
 * matching id whose actor is us and whose object is the responder.
 */
async function matchOurFollow(ctx, response) {
  const responder = href(response.actorId);
  const byId = findFollowingByFollowId(href(response.objectId));
  if (byId) return { entry: byId, matchedBy: "follow id" };
  let object = null;
  try {
    object = await response.getObject({ documentLoader: await loaderFor(ctx) });
  } catch {
    object = null;
  }
  if (object instanceof Follow && href(object.actorId) === actorUri().href) {
    const entry = state.following.get(href(object.objectId));
    if (entry && href(object.objectId) === responder) return { entry, matchedBy: "embedded follow actor/object" };
  }
  return { entry: null, matchedBy: null };
}

// ---------------------------------------------------------------------------
// Inbox listeners

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    const entry = await record(ctx, follow);
    const target = href(follow.objectId);
    if (target !== actorUri().href) {
      return done(entry, `ignored: follow target ${target} is not ${actorUri().href}`);
    }
    let follower = null;
    try {
      follower = await follow.getActor({ documentLoader: await loaderFor(ctx) });
    } catch (e) {
      return done(entry, `ignored: could not fetch the follower: ${errorMessage(e)}`);
    }
    if (follower == null || follower.id == null || follower.inboxId == null) {
      return done(entry, "ignored: could not fetch the follower or it has no inbox");
    }
    const followerId = follower.id.href;
    if (MANUAL_APPROVAL) {
      state.pendingFollowers.set(followerId, { actor: follower, follow, since: new Date().toISOString() });
      return done(entry, "pending approval");
    }
    state.followers.set(followerId, { actor: follower, followId: href(follow.id), since: new Date().toISOString() });
    done(entry, "follower added; Accept scheduled");
    scheduleAccept(newContext(), follow, follower);
  })
  .on(Accept, async (ctx, accept) => {
    const entry = await record(ctx, accept);
    const { entry: follow, matchedBy } = await matchOurFollow(ctx, accept);
    if (follow && href(accept.actorId) === follow.target) {
      follow.state = "accepted";
      follow.acceptId = href(accept.id);
      follow.matchedBy = matchedBy;
      done(entry, `follow of ${follow.target} accepted (matched by ${matchedBy})`);
    } else {
      done(entry, "did not match any pending Follow of ours");
    }
  })
  .on(Reject, async (ctx, reject) => {
    const entry = await record(ctx, reject);
    const { entry: follow, matchedBy } = await matchOurFollow(ctx, reject);
    if (follow && href(reject.actorId) === follow.target) {
      follow.state = "rejected";
      follow.rejectId = href(reject.id);
      follow.matchedBy = matchedBy;
      done(entry, `follow of ${follow.target} rejected (matched by ${matchedBy})`);
    } else {
      done(entry, "did not match any Follow of ours");
    }
  })
  .on(Undo, async (ctx, undo) => {
    const entry = await record(ctx, undo);
    const actor = href(undo.actorId);
    const objectId = href(undo.objectId);
    let note = null;
    const follower = actor == null ? null : state.followers.get(actor);
    if (follower && objectId != null && follower.followId === objectId) {
      state.followers.delete(actor);
      note = "follower removed (matched by follow id)";
    } else if (follower || (actor != null && state.pendingFollowers.has(actor))) {
      let object = null;
      try {
        object = await undo.getObject({ documentLoader: await loaderFor(ctx) });
      } catch {
        object = null;
      }
      if (
        object instanceof Follow && href(object.actorId) === actor &&
        href(object.objectId) === actorUri().href
      ) {
        state.followers.delete(actor);
        state.pendingFollowers.delete(actor);
        note = "follower removed (matched by embedded follow)";
      } else {
        note = "follower kept: the undone object is not their Follow of us";
      }
    }
    done(entry, note);
  })
  .on(Delete, async (ctx, del) => {
    const entry = await record(ctx, del);
    const actor = href(del.actorId);
    let note = null;
    if (actor != null && href(del.objectId) === actor) {
      const removed = state.followers.delete(actor);
      state.pendingFollowers.delete(actor);
      const f = state.following.get(actor);
      if (f) f.state = "gone";
      note = `actor deleted${removed ? "; follower removed" : ""}`;
    }
    done(entry, note);
  })
  .on(Create, async (ctx, a) => done(await record(ctx, a)))
  .on(Update, async (ctx, a) => done(await record(ctx, a)))
  .on(Like, async (ctx, a) => done(await record(ctx, a)))
  .on(Announce, async (ctx, a) => done(await record(ctx, a)))
  .on(Activity, async (ctx, a) => done(await record(ctx, a), "fallback listener"))
  .onUnverifiedActivity((ctx, activity, reason) => {
    const summary = { type: reason?.type ?? "unknown" };
    if (reason?.keyId != null) summary.keyId = href(reason.keyId);
    if (reason?.result && typeof reason.result === "object") {
      if ("status" in reason.result) summary.keyFetchStatus = reason.result.status;
      if ("error" in reason.result) summary.keyFetchError = errorMessage(reason.result.error);
    }
    if (ctx.data?.entry) ctx.data.entry.unverified = summary;
    log(
      `rejected unverified ${activity?.constructor?.name ?? "activity"} id=${href(activity?.id)}: ${JSON.stringify(summary)}`,
    );
    // Returning nothing keeps Fedify's default 401 answer.
  })
  .onError((ctx, error) => {
    if (ctx.data?.entry) ctx.data.entry.listenerError = errorMessage(error);
    log(`inbox error: ${errorMessage(error)}`);
  });

// ---------------------------------------------------------------------------
// Control actions

function publicNoteView(entry) {
  return {
    id: href(entry.note.id),
    activity: href(entry.create.id),
    content: entry.note.content?.toString() ?? null,
    inReplyTo: href(entry.note.replyTargetId),
    visibility: entry.visibility,
    deleted: entry.deleted,
  };
}

function findNote(id) {
  for (const entry of state.notes.values()) if (href(entry.note.id) === id) return entry;
  return null;
}

async function controlFollow(body) {
  const target = requireString(body, "target");
  const ctx = newContext();
  const actor = await lookupActor(ctx, target);
  const targetId = actor.id.href;
  const follow = new Follow({
    id: ctx.getObjectUri(Follow, { identifier: USER, id: randomUUID() }),
    actor: actorUri(),
    object: actor.id,
  });
  const entry = {
    target: targetId,
    actor,
    followId: follow.id.href,
    state: "pending",
    requestedAt: new Date().toISOString(),
  };
  // Register before sending: the Accept may arrive before delivery returns.
  state.following.set(targetId, entry);
  state.activities.set(follow.id.href, { activity: follow, recipients: [actor] });
  const errors = await deliver(ctx, follow, { recipients: [actor] });
  if (errors.length) entry.deliveryErrors = errors;
  log(`control follow ${targetId} -> ${follow.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: follow.id.href, target: targetId, errors }];
}

async function controlUnfollow(body) {
  const target = requireString(body, "target");
  let entry = state.following.get(target);
  const ctx = newContext();
  if (!entry) {
    // Allow a URL that resolves to the same actor (e.g. a profile URL).
    const actor = await lookupActor(ctx, target).catch(() => null);
    if (actor) entry = state.following.get(actor.id.href);
  }
  if (!entry) throw new HttpError(404, `not following ${target}`);
  const original = state.activities.get(entry.followId)?.activity;
  const undo = new Undo({
    id: new URL(`${entry.followId}#undo`),
    actor: actorUri(),
    object: original ?? new URL(entry.followId),
  });
  state.following.delete(entry.target);
  const stored = state.activities.get(entry.followId);
  if (stored) stored.undone = true;
  const errors = await deliver(ctx, undo, { recipients: [entry.actor] });
  log(`control unfollow ${entry.target} -> ${undo.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: undo.id.href, errors }];
}

async function controlPost(body) {
  const content = requireString(body, "content");
  const visibility = body.visibility ?? "public";
  if (!["public", "followers"].includes(visibility)) {
    throw new HttpError(400, `visibility must be "public" or "followers"`);
  }
  const mentionUrls = body.mention == null ? [] : Array.isArray(body.mention) ? body.mention : [body.mention];
  if (mentionUrls.some((m) => typeof m !== "string")) throw new HttpError(400, `"mention" must be a URL or a list of URLs`);
  if (body.inReplyTo != null && typeof body.inReplyTo !== "string") throw new HttpError(400, `"inReplyTo" must be a URL`);
  // "hashtags": names (without "#") added as Hashtag tags, as Mastodon tags them.
  const hashtags = body.hashtags == null ? [] : body.hashtags;
  if (!Array.isArray(hashtags) || hashtags.some((h) => typeof h !== "string")) throw new HttpError(400, `"hashtags" must be a list of names`);
  // "deliverTo": actor URLs whose inboxes also get the post without it being
  // addressed to them, as a relay would bring it (a hashtag chat's answers).
  const deliverTo = body.deliverTo == null ? [] : body.deliverTo;
  if (!Array.isArray(deliverTo) || deliverTo.some((d) => typeof d !== "string")) throw new HttpError(400, `"deliverTo" must be a list of actor URLs`);
  const ctx = newContext();

  const mentioned = [];
  for (const url of mentionUrls) mentioned.push(await lookupActor(ctx, url));
  let replyAuthor = null;
  if (body.inReplyTo != null) {
    ({ author: replyAuthor } = await lookupAuthor(ctx, body.inReplyTo));
  }

  const uuid = randomUUID();
  const noteId = ctx.getObjectUri(Note, { identifier: USER, id: uuid });
  const extras = [...mentioned];
  if (replyAuthor && !extras.some((a) => a.id.href === replyAuthor.id.href)) extras.push(replyAuthor);
  const extraIds = extras.map((a) => a.id).filter((id) => id.href !== actorUri().href);

  const to = visibility === "public" ? [PUBLIC_COLLECTION] : [followersUri()];
  const cc = visibility === "public" ? [followersUri(), ...extraIds] : extraIds;
  const tags = [
    ...mentioned.map((a) =>
      new Mention({
        href: a.id,
        name: `@${a.preferredUsername?.toString() ?? "unknown"}@${a.id.host}`,
      })
    ),
    ...hashtags.map((h) => new Hashtag({ href: new URL(`/tags/${encodeURIComponent(h)}`, ORIGIN), name: `#${h}` })),
  ];
  // "attachments": [{"url", "mediaType", "name"?}] as Documents, as Mastodon sends
  // images; "sensitive": true marks them so even without a summary.
  const attachments = body.attachments == null ? [] : body.attachments;
  if (!Array.isArray(attachments) || attachments.some((a) => typeof a?.url !== "string" || typeof a?.mediaType !== "string")) {
    throw new HttpError(400, `"attachments" must be a list of {"url", "mediaType", "name"?}`);
  }
  const published = Temporal.Now.instant();
  const fields = {
    id: noteId,
    attribution: actorUri(),
    content,
    summary: typeof body.summary === "string" ? body.summary : null,
    sensitive: body.sensitive === true || typeof body.summary === "string" ? true : null,
    attachments: attachments.map((a) => new Document({
      url: new URL(a.url),
      mediaType: a.mediaType,
      name: typeof a.name === "string" ? a.name : null,
    })),
    replyTarget: body.inReplyTo != null ? new URL(body.inReplyTo) : null,
    tags,
    tos: to,
    ccs: cc,
    published,
    url: noteId,
  };
  // With "poll": {"options": [...], "multiple": bool, "endTime": ISO}, a Question
  // (Fedify's own serialisation of oneOf/anyOf, endTime, votersCount).
  let note;
  if (body.poll != null) {
    const options = body.poll.options;
    if (!Array.isArray(options) || options.length < 1 || options.some((o) => typeof o !== "string")) {
      throw new HttpError(400, `"poll.options" must be a list of strings`);
    }
    const choices = options.map((name) => new Note({ name, replies: new Collection({ totalItems: 0 }) }));
    note = new Question({
      ...fields,
      ...(body.poll.multiple ? { inclusiveOptions: choices } : { exclusiveOptions: choices }),
      endTime: body.poll.endTime ? Temporal.Instant.from(body.poll.endTime) : null,
      voters: 0,
    });
  } else {
    note = new Note(fields);
  }
  const create = new Create({
    id: ctx.getObjectUri(Create, { identifier: USER, id: uuid }),
    actor: actorUri(),
    object: note,
    tos: to,
    ccs: cc,
    published,
  });
  const entry = { note, create, extras: extras.filter((a) => a.id.href !== actorUri().href), visibility, deleted: false };
  state.notes.set(uuid, entry);
  state.outbox.push(create);
  const unaddressed = [];
  for (const url of deliverTo) unaddressed.push(await lookupActor(ctx, url));
  const errors = body.deliver === false ? [] : await deliver(ctx, create, { followers: true, recipients: [...entry.extras, ...unaddressed] });
  log(`control post ${noteId.href} (${visibility})${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: noteId.href, activity: create.id.href, errors }];
}

async function controlUpdate(body) {
  const id = requireString(body, "id");
  const content = requireString(body, "content");
  const entry = findNote(id);
  if (!entry || entry.deleted) throw new HttpError(404, `no such note ${id}`);
  const ctx = newContext();
  const note = entry.note.clone({ content, updated: Temporal.Now.instant() });
  const create = entry.create.clone({ object: note });
  const idx = state.outbox.indexOf(entry.create);
  if (idx >= 0) state.outbox[idx] = create;
  entry.note = note;
  entry.create = create;
  const update = new Update({
    id: new URL(`${id}#updates/${randomUUID()}`),
    actor: actorUri(),
    object: note,
    tos: note.toIds,
    ccs: note.ccIds,
  });
  const errors = await deliver(ctx, update, { followers: true, recipients: entry.extras });
  log(`control update ${id}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id, activity: update.id.href, errors }];
}

async function controlDelete(body) {
  const id = requireString(body, "id");
  const entry = findNote(id);
  if (!entry) throw new HttpError(404, `no such note ${id}`);
  const ctx = newContext();
  entry.deleted = true;
  entry.deletedAt = Temporal.Now.instant();
  const idx = state.outbox.indexOf(entry.create);
  if (idx >= 0) state.outbox.splice(idx, 1);
  const del = new Delete({
    id: new URL(`${id}#delete`),
    actor: actorUri(),
    object: new Tombstone({ id: entry.note.id, deleted: entry.deletedAt }),
    tos: entry.note.toIds,
    ccs: entry.note.ccIds,
  });
  const errors = await deliver(ctx, del, { followers: true, recipients: entry.extras });
  log(`control delete ${id} -> ${del.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: del.id.href, errors }];
}

async function controlLike(body) {
  const object = requireString(body, "object");
  const ctx = newContext();
  const { author } = await lookupAuthor(ctx, object);
  const like = new Like({
    id: ctx.getObjectUri(Like, { identifier: USER, id: randomUUID() }),
    actor: actorUri(),
    object: new URL(object),
    to: author.id,
  });
  state.activities.set(like.id.href, { activity: like, recipients: [author], followers: false });
  const errors = await deliver(ctx, like, { recipients: [author] });
  log(`control like ${object} -> ${like.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: like.id.href, errors }];
}

// A report to the server of `target` (an actor), naming it and `objects` (post
// ids), as Mastodon's instance actor sends one; here the peer's user sends it.
async function controlFlag(body) {
  const target = requireString(body, "target");
  const objects = Array.isArray(body.objects) ? body.objects.map(String) : [];
  const content = typeof body.content === "string" ? body.content : "";
  const ctx = newContext();
  const actor = await lookupActor(ctx, target);
  const flag = new Flag({
    id: ctx.getObjectUri(Flag, { identifier: USER, id: randomUUID() }),
    actor: actorUri(),
    objects: [actor.id, ...objects.map((o) => new URL(o))],
    content,
  });
  state.activities.set(flag.id.href, { activity: flag, recipients: [actor] });
  const errors = await deliver(ctx, flag, { recipients: [actor] });
  log(`control flag ${actor.id.href} -> ${flag.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: flag.id.href, errors }];
}

// A Group relays an activity to its followers wrapped in an Announce (FEP-1b12),
// as Lemmy does: one of its own Creates (by note id) or an activity it received
// (by activity id), embedded.
async function controlRelay(body) {
  const id = requireString(body, "activity");
  const ctx = newContext();
  let inner = null;
  for (const entry of state.notes.values()) {
    if (entry.create.id.href === id || entry.note.id.href === id) inner = entry.create;
  }
  if (inner == null) {
    const received = state.received.find((e) => e.id === id && e.raw != null);
    if (received == null) throw new HttpError(404, `no activity ${id} to relay`);
    inner = await Activity.fromJsonLd(received.raw, { documentLoader: await loaderFor(ctx), contextLoader: ctx.contextLoader });
  }
  const announce = new Announce({
    id: ctx.getObjectUri(Announce, { identifier: USER, id: randomUUID() }),
    actor: actorUri(),
    object: inner,
    to: PUBLIC_COLLECTION,
    ccs: [followersUri()],
    published: Temporal.Now.instant(),
  });
  state.activities.set(announce.id.href, { activity: announce, recipients: [], followers: true });
  const errors = await deliver(ctx, announce, { followers: true });
  log(`control relay ${id} -> ${announce.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: announce.id.href, errors }];
}

async function controlAnnounce(body) {
  const object = requireString(body, "object");
  const ctx = newContext();
  const { author } = await lookupAuthor(ctx, object);
  const announce = new Announce({
    id: ctx.getObjectUri(Announce, { identifier: USER, id: randomUUID() }),
    actor: actorUri(),
    object: new URL(object),
    to: PUBLIC_COLLECTION,
    ccs: [author.id, followersUri()],
    published: Temporal.Now.instant(),
  });
  state.activities.set(announce.id.href, { activity: announce, recipients: [author], followers: true });
  state.outbox.push(announce);
  const errors = await deliver(ctx, announce, { followers: true, recipients: [author] });
  log(`control announce ${object} -> ${announce.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: announce.id.href, errors }];
}

async function controlUndo(body) {
  const id = requireString(body, "id");
  const stored = state.activities.get(id);
  if (!stored || stored.undone) throw new HttpError(404, `no undoable activity ${id}`);
  if (stored.activity instanceof Follow) {
    return await controlUnfollow({ target: href(stored.activity.objectId) });
  }
  const ctx = newContext();
  stored.undone = true;
  const idx = state.outbox.indexOf(stored.activity);
  if (idx >= 0) state.outbox.splice(idx, 1);
  const undo = new Undo({
    id: new URL(`${id}#undo`),
    actor: actorUri(),
    object: stored.activity,
    tos: stored.activity.toIds,
    ccs: stored.activity.ccIds,
  });
  const errors = await deliver(ctx, undo, { followers: !!stored.followers, recipients: stored.recipients });
  log(`control undo ${id} -> ${undo.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: undo.id.href, errors }];
}

async function controlAnswerFollow(body, accept) {
  const follower = requireString(body, "follower");
  const pending = state.pendingFollowers.get(follower);
  if (!pending) throw new HttpError(404, `no pending follow from ${follower}`);
  state.pendingFollowers.delete(follower);
  const ctx = newContext();
  const Cls = accept ? Accept : Reject;
  const answer = new Cls({
    id: new URL(`${actorUri().href}#${accept ? "accepts" : "rejects"}/${randomUUID()}`),
    actor: actorUri(),
    object: bareFollow(pending.follow),
    to: pending.actor.id,
  });
  if (accept) {
    state.followers.set(follower, {
      actor: pending.actor,
      followId: href(pending.follow.id),
      since: new Date().toISOString(),
    });
  }
  const errors = await deliver(ctx, answer, { recipients: [pending.actor] });
  log(`control ${accept ? "accept" : "reject"} ${follower} -> ${answer.id.href}${errors.length ? " (delivery failed)" : ""}`);
  return [errors.length ? 502 : 200, { id: answer.id.href, errors }];
}

async function clearCaches() {
  let n = 0;
  for (const prefix of [["_fedify", "remoteDocument"], ["_fedify", "publicKey"], ["_fedify", "httpMessageSignaturesSpec"]]) {
    const keys = [];
    for await (const { key } of kv.list(prefix)) keys.push(key);
    for (const key of keys) await kv.delete(key);
    n += keys.length;
  }
  log(`control clear-cache (${n} entries)`);
  return [200, { ok: true, cleared: n }];
}

function requireString(body, field) {
  const v = body?.[field];
  if (typeof v !== "string" || v === "") throw new HttpError(400, `"${field}" (string) is required`);
  return v;
}

function filterByType(list, url) {
  const type = url.searchParams.get("type");
  const since = Number.parseInt(url.searchParams.get("since") ?? "0", 10) || 0;
  return list.filter((e) => (type == null || e.type === type) && e.seq > since);
}

const controlRoutes = {
  "GET /_control/health": () => [200, { ok: true }],
  "GET /_control/info": () => [200, {
    actor: actorUri().href,
    inbox: new URL(`/users/${USER}/inbox`, ORIGIN).href,
    sharedInbox: new URL("/inbox", ORIGIN).href,
    followers: followersUri().href,
    origin: ORIGIN,
    user: USER,
    firstKnock: FIRST_KNOCK,
    manualApproval: MANUAL_APPROVAL,
    preferSharedInbox: PREFER_SHARED_INBOX,
    signedFetch: SIGNED_FETCH,
  }],
  "GET /_control/received": (_b, url) => [200, filterByType(state.received, url)],
  "GET /_control/requests": (_b, url) => [200, filterByType(state.inboxRequests, url)],
  "GET /_control/outgoing": (_b, url) => {
    const since = Number.parseInt(url.searchParams.get("since") ?? "0", 10) || 0;
    return [200, state.outgoing.filter((e) => e.seq > since)];
  },
  "GET /_control/followers": () => [200, [...state.followers.keys()]],
  "GET /_control/pending-followers": () => [200, [...state.pendingFollowers.keys()]],
  "GET /_control/following": () => [
    200,
    [...state.following.values()].filter((f) => f.state === "accepted").map((f) => f.target),
  ],
  "GET /_control/follows": () => [
    200,
    [...state.following.values()].map(({ actor: _a, ...rest }) => rest),
  ],
  "GET /_control/notes": () => [200, [...state.notes.values()].map(publicNoteView)],
  "POST /_control/follow": controlFollow,
  "POST /_control/unfollow": controlUnfollow,
  "POST /_control/post": controlPost,
  "POST /_control/update": controlUpdate,
  "POST /_control/delete": controlDelete,
  "POST /_control/like": controlLike,
  "POST /_control/announce": controlAnnounce,
  "POST /_control/relay": controlRelay,
  "POST /_control/flag": controlFlag,
  "POST /_control/undo": controlUndo,
  "POST /_control/accept": (body) => controlAnswerFollow(body, true),
  "POST /_control/reject": (body) => controlAnswerFollow(body, false),
  "POST /_control/clear-cache": clearCaches,
  "POST /_control/reset": () => {
    state.received.length = 0;
    state.inboxRequests.length = 0;
    state.outgoing.length = 0;
    log("control reset (logs cleared)");
    return [200, { ok: true }];
  },
};

// ---------------------------------------------------------------------------
// HTTP server

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value, null, 2);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function handleControl(req, res, url, rawBody) {
  const handler = controlRoutes[`${req.method} ${url.pathname}`];
  if (!handler) return sendJson(res, 404, { error: `unknown control route ${req.method} ${url.pathname}` });
  let body = {};
  if (req.method === "POST" && rawBody.length > 0) {
    try {
      body = JSON.parse(rawBody.toString("utf8"));
    } catch (e) {
      return sendJson(res, 400, { error: `invalid JSON: ${errorMessage(e)}` });
    }
  }
  try {
    const [status, value] = await handler(body, url);
    sendJson(res, status, value);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : 500;
    log(`control ${url.pathname} failed: ${errorMessage(e)}`);
    sendJson(res, status, { error: errorMessage(e) });
  }
}

const NOTE_PATH = new RegExp(`^/users/${USER.replace(/[.]/g, "\\.")}/notes/([^/]+)$`);

async function handle(req, res) {
  const url = new URL(req.url ?? "/", ORIGIN);
  const rawBody = await readBody(req);
  if (url.pathname.startsWith("/_control/")) return await handleControl(req, res, url, rawBody);

  // Deleted local notes answer 410 Gone with a Tombstone, like Mastodon.
  const noteMatch = req.method === "GET" ? NOTE_PATH.exec(url.pathname) : null;
  if (noteMatch && state.notes.get(noteMatch[1])?.deleted) {
    const entry = state.notes.get(noteMatch[1]);
    res.writeHead(410, { "content-type": "application/activity+json" });
    res.end(JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: entry.note.id.href,
      type: "Tombstone",
      deleted: entry.deletedAt.toString(),
    }));
    return;
  }
  if (req.method === "GET" && url.pathname === `/@${USER}`) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>${DISPLAY_NAME}</title><p>${DISPLAY_NAME} (<a href="/users/${USER}">actor</a>)</p>`);
    return;
  }

  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(url, { method: req.method, headers, body: hasBody ? rawBody : undefined });

  const contextData = { method: req.method, path: url.pathname, headers: Object.fromEntries(headers) };
  if (req.method === "POST") {
    let json = null;
    try {
      json = JSON.parse(rawBody.toString("utf8"));
    } catch {
      json = null;
    }
    contextData.json = json;
    contextData.entry = {
      seq: nextSeq(),
      at: new Date().toISOString(),
      method: req.method,
      path: url.pathname,
      headers: contextData.headers,
      signature: signatureInfo(contextData.headers),
      body: rawBody.toString("utf8"),
      type: json && typeof json === "object" ? json.type ?? null : null,
      id: json && typeof json === "object" ? json.id ?? null : null,
      status: null,
      response: null,
    };
    pushBounded(state.inboxRequests, contextData.entry);
  }

  const response = await federation.fetch(request, { contextData });
  const responseBody = Buffer.from(await response.arrayBuffer());
  if (contextData.entry) {
    contextData.entry.status = response.status;
    contextData.entry.response = responseBody.toString("utf8").slice(0, 2000);
    if (response.status >= 400) {
      log(
        `inbox ${req.method} ${url.pathname} -> ${response.status} ${contextData.entry.response.split("\n")[0]}` +
          (contextData.entry.unverified ? ` ${JSON.stringify(contextData.entry.unverified)}` : ""),
      );
    }
  }
  const outHeaders = {};
  response.headers.forEach((v, k) => {
    outHeaders[k] = v;
  });
  res.writeHead(response.status, outHeaders);
  res.end(responseBody);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    log(`request ${req.method} ${req.url} failed: ${e?.stack ?? e}`);
    if (!res.headersSent) sendJson(res, 500, { error: errorMessage(e) });
    else res.end();
  });
});

server.listen(PORT, HOST, () => {
  log(`actor ${actorUri().href} first-knock=${FIRST_KNOCK}${MANUAL_APPROVAL ? " manual-approval" : ""}`);
  console.log(`listening on ${ORIGIN}`);
});

function shutdown(signal) {
  log(`received ${signal}, exiting`);
  server.close();
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
