import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { startMockUpstream, type MockUpstream } from '@caracal/test-support/mock-upstream.js';
import { expectedVerdict, fixtureBlocks, probeAddresses } from '@caracal/test-support/special-purpose-fixture.js';
import { pricebookWithResource } from '@caracal/test-support/test-pricebook.js';

interface AddressView {
  address: string;
  block: string | null;
  allowed: boolean;
  embedded: AddressView[];
}

interface TesterAnswer {
  allowed: boolean;
  refusedBy: string | null;
  error: string | null;
  addressCheck: { method: string; addresses: AddressView[] } | null;
}

interface ProxyAnswer {
  status: number;
  error: string;
  refused_by?: string;
  address?: string;
  address_block?: string | null;
}

/** The block that decided a refusal: the refused embedded IPv4 address's, or the address's own. */
function decidingBlock(view: AddressView): string | null {
  return (view.embedded.find((embedded) => !embedded.allowed) ?? view).block;
}

const blocks = fixtureBlocks();

// `allowlist test` and the proxy answer every address of the address-policy table (and the
// length limit) alike. The proxy's verdict on a URL shows in where it stops: refused by the
// address policy or the length (nothing is priced or held), or past them at pricing, which has
// no price for these hosts (403 unpriced_resource: nothing is held or forwarded). Where an
// address is reachable here (loopback, named by an entry), the call goes through to a local server.
describe('allowlist test and the proxy agree (PGlite)', () => {
  let api: AdminApiHarness;
  let mock: MockUpstream;
  let port: string;
  let wide: { agentId: string; key: string };
  let named: { agentId: string; key: string };

  beforeAll(async () => {
    mock = await startMockUpstream();
    port = new URL(mock.url).port;
    // Any host on the local server's port is priced, so a DNS verdict (made at connect time) is reached.
    api = await startAdminApi('pglite', { CARACAL_PRICEBOOK: pricebookWithResource(`http://*:${port}/*`, '0.01') });
    wide = await agent([`http://*/*`, `http://*:${port}/*`]);
    named = await agent([`${mock.url}/*`]);
  });
  afterAll(async () => {
    await api?.close();
    await mock?.close();
  });

  async function agent(patterns: string[]) {
    const created = await api.call('POST', '/v1/agents', { name: `agent-${Math.random().toString(36).slice(2, 10)}`, owner: 'agreement@example.com' });
    expect(created.status).toBe(201);
    const agentId = created.body.agent.agentId as string;
    expect((await api.call('POST', '/v1/policies', { agentId, limit: '10.00', currency: 'USD', timeWindow: 'daily', windowType: 'calendar', changeReason: 'test' })).status).toBe(201);
    for (const pattern of patterns) expect((await api.call('POST', '/v1/allowlists', { agentId, pattern, patternType: 'glob' })).status).toBe(201);
    return { agentId, key: created.body.apiKey.key as string };
  }

  async function tester(agentId: string, url: string): Promise<TesterAnswer> {
    const answer = await api.call('POST', '/v1/allowlists/test', { agentId, url });
    expect(answer.status).toBe(200);
    return answer.body as TesterAnswer;
  }

  async function proxy(key: string, url: string): Promise<ProxyAnswer> {
    const response = await fetch(`${api.baseUrl}/proxy`, { headers: { 'x-caracal-key': key, 'x-caracal-target-url': url } });
    return { status: response.status, ...((await response.json()) as Omit<ProxyAnswer, 'status'>) };
  }

  /** Asserts the two agree on the URL and returns the tester's answer. */
  async function agreeOn(agentKey: { agentId: string; key: string }, url: string): Promise<TesterAnswer> {
    const [verdict, answer] = await Promise.all([tester(agentKey.agentId, url), proxy(agentKey.key, url)]);
    if (verdict.allowed) {
      expect({ url, status: answer.status, error: answer.error }).toEqual({ url, status: 403, error: 'unpriced_resource' });
    } else {
      expect({ url, error: answer.error, refusedBy: answer.refused_by }).toEqual({ url, error: verdict.error, refusedBy: verdict.refusedBy });
      expect(answer.status).toBe(verdict.error === 'url_too_long' ? 414 : 403);
      if (verdict.refusedBy === 'address_policy') {
        const [address] = verdict.addressCheck!.addresses;
        expect({ address: answer.address, block: answer.address_block }).toEqual({ address: address.address, block: decidingBlock(address) });
      }
    }
    return verdict;
  }

  it('on every block of the address table: its first, middle and last address and those just outside', async () => {
    const addresses = [...new Set(blocks.flatMap((block) => Object.values(probeAddresses(block.block)).flat()))];
    const queue = [...addresses];
    let checked = 0;
    const worker = async () => {
      for (let address = queue.shift(); address !== undefined; address = queue.shift()) {
        const url = `http://${address.includes(':') ? `[${address}]` : address}/probe`;
        const verdict = await agreeOn(wide, url);
        const expected = expectedVerdict(blocks, address);
        expect({ url, allowed: verdict.allowed }).toEqual({ url, allowed: expected.allowed });
        expect(verdict.addressCheck?.method).toBe('literal');
        expect(verdict.addressCheck?.addresses[0].block).toBe(expected.block?.block ?? null);
        checked++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(checked).toBe(addresses.length);
    expect(addresses.length).toBeGreaterThan(200);
    expect(mock.received).toHaveLength(0);
  });

  it('on the length limit: 4096 characters once normalised pass, 4097 answer 414 url_too_long', async () => {
    const base = 'http://8.8.8.8/';
    const longest = `${base}${'a'.repeat(4096 - base.length)}`;
    expect(await agreeOn(wide, longest)).toMatchObject({ allowed: true, refusedBy: null });
    expect(await agreeOn(wide, `${longest}a`)).toMatchObject({ allowed: false, refusedBy: 'url_length', error: 'url_too_long', addressCheck: null });
    // Measured after normalisation: the dot segment goes first.
    expect(await agreeOn(wide, `${longest}/..`)).toMatchObject({ allowed: true });
  });

  it("on issue 10's examples: metadata addresses and special-purpose IPv6 under http://*/*", async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      'http://[::127.0.0.1]/',
      'http://[::ffff:0:127.0.0.1]/',
      'http://[fec0::1]/',
      'http://[2001::1]/',
      'http://[2001:10::1]/',
    ]) {
      expect(await agreeOn(wide, url)).toMatchObject({ allowed: false, refusedBy: 'address_policy', error: 'resource_not_allowed' });
    }
  });

  it('on the allowlist, DNS answers, and loopback named by an entry (reached on a local server)', async () => {
    expect(await agreeOn(named, 'http://example.com:81/x')).toMatchObject({ allowed: false, refusedBy: 'allowlist', error: 'resource_not_allowed', addressCheck: null });
    expect(await agreeOn(wide, `http://127.0.0.1:${port}/work`)).toMatchObject({ allowed: false, refusedBy: 'address_policy' });
    expect(await agreeOn(wide, `http://[::ffff:127.0.0.1]:${port}/work`)).toMatchObject({ allowed: false, refusedBy: 'address_policy' });

    const localhost = `http://localhost:${port}/work`;
    const [verdict, answer] = await Promise.all([tester(wide.agentId, localhost), proxy(wide.key, localhost)]);
    expect(verdict).toMatchObject({ allowed: false, refusedBy: 'address_policy', error: 'resource_not_allowed', addressCheck: { method: 'resolved' } });
    expect(answer).toMatchObject({ status: 403, error: 'resource_not_allowed', refused_by: 'address_policy' });
    expect(['127.0.0.0/8', '::1/128']).toContain(answer.address_block);

    const before = mock.received.length;
    const reached = `${mock.url}/work`;
    expect(await tester(named.agentId, reached)).toMatchObject({ allowed: true, refusedBy: null, addressCheck: { method: 'exempt', addresses: [] } });
    expect((await fetch(`${api.baseUrl}/proxy`, { headers: { 'x-caracal-key': named.key, 'x-caracal-target-url': reached } })).status).toBe(200);
    expect(mock.received.length - before).toBe(1);
  });
});
