import { expect, it } from 'vitest';
import { ADVOCATE, describeBrowser, useE2E } from './harness.js';

describeBrowser('signup through a data-rocket-signup form', () => {
  const e = useE2E();

  it('sends track-signup with keepalive as the form navigates away, crediting the advocate', async () => {
    e.serve('/', e.html());
    e.serve(
      '/join',
      e.html({
        body: `<form data-rocket-signup action="/welcome" method="get">
          <input name="name" value="Fred Friend"><input type="email" name="email" value="fred@example.com">
          <input name="company" value="ACME"><button>Join</button></form>
          <form action="/other"><input type="email" name="email" value="other@example.com"><button id="other">Other</button></form>`,
      }),
    );
    e.serve('/welcome', '<!doctype html><h1>Welcome</h1>');
    await e.open('/?ref=REF-XYZ789');
    await e.open('/join');

    // A plain form navigates at once; the keepalive request still reaches the collector.
    await Promise.all([e.page.waitForURL('**/welcome?*'), e.page.click('button:text("Join")')]);
    const [signup] = await e.waitForCalls('track-signup', 1);
    expect(signup).toMatchObject({
      type: 'fetch',
      contentType: 'text/plain;charset=UTF-8',
      body: { email: 'fred@example.com', name: 'Fred Friend', referralCode: ADVOCATE.referralCode, contestId: e.contestId },
    });
    await expect.poll(async () => (await e.entry('fred@example.com'))?.referred_by).toBe(e.advocateId);

    // A form without data-rocket-signup is left alone.
    await e.open('/join');
    await Promise.all([e.page.waitForURL('**/other?*'), e.page.click('#other')]);
    await e.open('/join');
    expect(e.calls('track-signup')).toHaveLength(1);
    expect(await e.entry('other@example.com')).toBeUndefined();
  });
});
