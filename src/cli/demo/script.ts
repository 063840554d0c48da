/**
 * The demo's story: the seed's scenarios A, B and C, a blocked report, and a conflict, played by the lead and four
 * simulated workers against the real daemon. Every step waits for what it needs (a doc, the daemon's handling
 * of a trigger) with a deadline, never for a fixed time; the pauses only pace the account for a reader.
 */
import type { Doc } from '../../core/doc.js';
import type { Conflict } from '../../core/conflicts.js';
import { WORK } from './project.js';
import type { Lead, SimWorker } from './team.js';

export interface Stage {
  lead: Lead;
  workers: { core: SimWorker; infra: SimWorker; nlp: SimWorker; ui: SimWorker };
  /** One line of the live account. */
  say(actor: string, text: string): void;
  section(title: string): void;
  /** Paces the account (scaled by --speed). */
  pause(units?: number): Promise<void>;
  /** Waits until the daemon has handled `trigger`; returns what it wrote and what it said. */
  reaction(trigger: string): Promise<{ docs: Doc[]; said: string }>;
  /** Waits until the wall clock enters a new second: docs created in an earlier second count as earlier. */
  nextSecond(): Promise<void>;
  /** Runs the conflict check (`orchestra conflicts`) and records what it finds as alerts. */
  conflicts(): Promise<Conflict[]>;
  describeConflict(c: Conflict): string;
}

/** What the script leaves behind, for the summary (and the test that checks the run). */
export interface Played {
  orders: Record<string, string>;
  doubts: { faq: string; open: string };
  escalations: string[];
  conflicts: number;
}

function short(text: string, max = 70): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function describeReaction(r: { docs: Doc[]; said: string }): string {
  if (!r.docs.length) return r.said || 'nothing to write';
  return r.docs
    .map((d) => (d.type === 'answer' ? `answers: "${short(d.body, 80)}"` : d.type === 'escalation' ? `escalates to the lead: ${short(d.title)}` : d.type === 'order' ? `orders ${d.to}: ${short(d.title)}` : `${d.type}: ${short(d.title)}`))
    .join('; ');
}

async function find(w: SimWorker, id: string): Promise<Doc> {
  const { loaded } = await w.inbox();
  const doc = loaded.derived.byId.get(id);
  if (!doc) throw new Error(`demo: doc ${id} vanished`);
  return doc;
}

async function readInbox(s: Stage, w: SimWorker): Promise<Doc | undefined> {
  const { inbox, loaded } = await w.inbox();
  const parts = [`${inbox.ready.length} ready`];
  if (inbox.waiting.length) {
    const on = new Set(inbox.waiting.flatMap((o) => loaded.derived.orders.get(o.id)!.waitingOn.map((id) => `"${loaded.derived.byId.get(id)?.title ?? id}"`)));
    parts.push(`${inbox.waiting.length} waiting (on ${[...on].join(', ')})`);
  }
  if (inbox.answers.length) parts.push(`${inbox.answers.length} answer${inbox.answers.length === 1 ? '' : 's'}`);
  const next = inbox.ready[0];
  s.say(w.name, `pending: ${parts.join(', ')}${next ? ` — next: "${next.title}"` : ''}`);
  return next;
}

export async function play(s: Stage): Promise<Played> {
  const { lead } = s;
  const { core, infra, nlp, ui } = s.workers;
  const orders: Record<string, string> = {};

  s.section('The plan: the lead writes eight orders');
  // Creation order is what dependencies compare, so the plan is written in three rounds, one second apart:
  // nlp's and ui's first orders come after core's and infra's first ones and before their second ones.
  orders.core1 = await lead.order(core.name, 'Optimize propagation', { priority: 'high', body: 'Make `propagate` allocation-free.\n\nDone when the typed-array version passes the tests and `npm run bench` exists.' });
  s.say('lead', `order ${core.name}: Optimize propagation (high)`);
  orders.infra1 = await lead.order(infra.name, 'Create the test suite', { priority: 'high', body: 'Done when `npm test` runs a test of propagation.' });
  s.say('lead', `order ${infra.name}: Create the test suite (high)`);
  await s.nextSecond();
  orders.nlp1 = await lead.order(nlp.name, 'Integrate NLP with the new core', { body: 'Feed tokens to `propagate`. Done when `related(graph, text)` works.' });
  s.say('lead', `order ${nlp.name}: Integrate NLP with the new core   (nlp depends on core)`);
  orders.ui1 = await lead.order(ui.name, 'Show propagation in the panel', { body: 'One bar per active concept.' });
  s.say('lead', `order ${ui.name}: Show propagation in the panel   (ui depends on core and infra)`);
  await s.nextSecond();
  orders.core2 = await lead.order(core.name, 'Cache the neighbour index', { priority: 'low', body: 'Build the index once per graph.' });
  orders.infra2 = await lead.order(infra.name, 'Add a CI workflow', { priority: 'low', body: 'Run `npm test` on every push.' });
  s.say('lead', 'order worker-core: Cache the neighbour index (low); order worker-infra: Add a CI workflow (low)');
  await s.nextSecond();
  orders.nlp2 = await lead.order(nlp.name, 'Rank related concepts', { priority: 'low', body: 'Sort by activation.' });
  orders.ui2 = await lead.order(ui.name, 'Colour the bars by level', { priority: 'low', body: 'Green to red.' });
  s.say('lead', 'order worker-nlp: Rank related concepts (low); order worker-ui: Colour the bars by level (low)');
  await s.pause();
  for (const w of [core, infra, nlp, ui]) await readInbox(s, w);
  await s.pause(2);

  s.section('Scenario A: core and infra work in parallel');
  const c1 = (await readInbox(s, core))!;
  await core.start(c1);
  s.say(core.name, `start "${c1.title}"`);
  const i1 = (await readInbox(s, infra))!;
  await infra.start(i1);
  s.say(infra.name, `start "${i1.title}"`);
  await s.pause();
  const coreCommit = await core.change(c1, WORK.coreOptimize, 'core: typed arrays in propagate; bench script');
  s.say(core.name, `changes src/core/propagation.js, package.json (commit ${coreCommit} on ${core.branch})`);
  const infraCommit = await infra.change(i1, WORK.infraTests, 'infra: propagation test; test script');
  s.say(infra.name, `changes test/propagation.test.js, package.json (commit ${infraCommit} on ${infra.branch})`);
  await s.pause();

  s.section('Conflict: two workers changed the same file');
  const found = await s.conflicts();
  for (const c of found) s.say('conflicts', s.describeConflict(c));
  s.say('lead', 'noted: worker/core merges first, then worker/infra rebases (the alert stays until then)');
  await s.pause(2);

  s.section('Scenario C: a doubt the daemon answers from faq');
  const faqDoubt = await infra.doubt('Which test framework should I use?', 'node:test is built in; vitest or jest would be a new dependency. Which one?', i1.id);
  s.say(infra.name, 'doubt: Which test framework should I use?');
  s.say('daemon', describeReaction(await s.reaction(faqDoubt)));
  const { inbox: infraBox } = await infra.inbox();
  s.say(infra.name, `reads ${infraBox.answers.length} answer in its inbox and carries on without asking the lead`);
  await s.pause();

  s.section('Scenario A: each reports, the daemon reacts');
  const infraReport = await infra.report(i1, 'completed', 'Added test/propagation.test.js and the `test` script (node:test, as the faq answer said). `npm test` passes.');
  s.say(infra.name, `report completed: "${i1.title}"`);
  s.say('daemon', describeReaction(await s.reaction(infraReport)));
  await s.pause();
  const coreReport = await core.report(c1, 'completed', 'propagate now uses Float64Array; added the `bench` script. Tests pass.');
  s.say(core.name, `report completed: "${c1.title}"`);
  s.say('daemon', describeReaction(await s.reaction(coreReport)));
  await s.pause();
  await readInbox(s, core);
  await readInbox(s, infra);
  await s.pause(2);

  s.section('Scenario B: nlp waited on core; now it is ready');
  const n1 = (await readInbox(s, nlp))!;
  if (n1.id !== orders.nlp1) throw new Error(`demo: expected nlp's first order to be ready, got ${n1.id}`);
  await nlp.start(n1);
  s.say(nlp.name, `start "${n1.title}"`);
  const nlpCommit = await nlp.change(n1, WORK.nlpIntegrate, 'nlp: tokens feed propagate');
  s.say(nlp.name, `changes src/nlp/pipeline.js (commit ${nlpCommit} on ${nlp.branch})`);
  await s.pause();

  s.section('Scenario C: a doubt with no faq match goes to the lead');
  const openDoubt = await nlp.doubt('Which tokenizer should the pipeline ship with?', 'Whitespace splitting loses compounds; a trained tokenizer adds 40 MB. The lead decides.', n1.id);
  s.say(nlp.name, 'doubt: Which tokenizer should the pipeline ship with?');
  const esc = await s.reaction(openDoubt);
  s.say('daemon', describeReaction(esc));
  const escalations = esc.docs.filter((d) => d.type === 'escalation').map((d) => d.id);
  const escDoc = esc.docs.find((d) => d.type === 'escalation');
  if (escDoc) {
    await s.pause();
    await lead.answer(escDoc, 'Ship whitespace splitting now; a trained tokenizer is a later order.');
    s.say('lead', 'answers the escalation: ship whitespace splitting now');
  }
  const { inbox: nlpBox } = await nlp.inbox();
  s.say(nlp.name, `reads the lead's answer (${nlpBox.answers.length} in its inbox)`);
  const nlpReport = await nlp.report(await find(nlp, n1.id), 'completed', '`related(graph, text)` works with whitespace tokens, as the lead answered.');
  s.say(nlp.name, `report completed: "${n1.title}"`);
  s.say('daemon', describeReaction(await s.reaction(nlpReport)));
  await s.pause(2);

  s.section('Blocked once: ui cannot go on');
  const u1 = (await readInbox(s, ui))!;
  await ui.start(u1);
  s.say(ui.name, `start "${u1.title}"`);
  const blocked = await ui.report(await find(ui, u1.id), 'blocked', 'The panel needs a <meter> style guide and there is none in the repository. Cannot choose colours alone.');
  s.say(ui.name, `report blocked: "${u1.title}" (no style guide)`);
  const blockedReaction = await s.reaction(blocked);
  s.say('daemon', describeReaction(blockedReaction));
  const blockEsc = blockedReaction.docs.find((d) => d.type === 'escalation');
  if (blockEsc) {
    escalations.push(blockEsc.id);
    await s.pause();
    await lead.answer(blockEsc, 'Use the browser default <meter> style for now; colours come with "Colour the bars by level".');
    s.say('lead', 'answers: use the default <meter> style for now');
  }
  await ui.start(await find(ui, u1.id));
  s.say(ui.name, `starts "${u1.title}" again`);
  const uiCommit = await ui.change(u1, WORK.uiPanel, 'ui: one meter per active concept');
  s.say(ui.name, `changes src/ui/panel.js (commit ${uiCommit} on ${ui.branch})`);
  const uiReport = await ui.report(await find(ui, u1.id), 'completed', 'One <meter> per active concept, default style.');
  s.say(ui.name, `report completed: "${u1.title}"`);
  s.say('daemon', describeReaction(await s.reaction(uiReport)));
  await s.pause();

  s.section('Core moves on to its next order');
  const c2 = (await readInbox(s, core))!;
  await core.start(c2);
  s.say(core.name, `start "${c2.title}"`);
  await readInbox(s, nlp);
  await readInbox(s, ui);

  return { orders, doubts: { faq: faqDoubt, open: openDoubt }, escalations, conflicts: found.filter((c) => c.kind === 'overlap').length };
}
